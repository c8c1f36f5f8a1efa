"""Personal data protection: field encryption under per-case keys wrapped by KEKs, the key
store with crypto-shredding, and the pseudonymous subject index."""
