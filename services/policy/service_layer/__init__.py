"""Policy's use cases: decide a consultation, a close request or an escalation."""
