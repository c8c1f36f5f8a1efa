"""Privacy's adapters: schedule and hold storage, the key store (shredding), receipts."""
