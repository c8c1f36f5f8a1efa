"""The pipeline benchmarks' pieces: the services running, the load, and what observes it."""
