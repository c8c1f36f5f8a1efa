"""Policy's domain: the rule catalogue and the deterministic decision over a case's history."""
