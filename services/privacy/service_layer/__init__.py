"""Privacy's use cases: sweep for what is due, holds, access and erasure requests."""
