"""Records' domain: the append-only log, Merkle tree, checkpoints and bitemporal timelines."""
