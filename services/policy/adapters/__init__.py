"""Policy's adapters: intake's events as policy reads them, the policy file, and the SQL store
of decisions, subject states and policy versions."""
