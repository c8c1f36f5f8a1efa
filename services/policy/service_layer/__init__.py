"""Policy's use cases: decide intake's events exactly once and replay a case, through ports."""
