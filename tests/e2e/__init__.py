"""End-to-end tests: the four services as one product, in the distributed and embedded runtimes."""
