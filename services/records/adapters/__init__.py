"""Records' adapters: the append-only SQL store, checkpoint signing, field decryption."""
