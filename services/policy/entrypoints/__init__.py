"""Policy's entry points: the consumer that decides, and the REST view of decisions."""
