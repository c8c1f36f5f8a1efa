"""Policy's entry points: the consumers (decisions, erasures) and the REST view of decisions."""
