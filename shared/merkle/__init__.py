"""Merkle log primitives for the records service: RFC 9162 trees, proofs, signed checkpoints."""
