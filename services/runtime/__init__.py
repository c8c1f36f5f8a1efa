"""The composition root: runs the services together (embedded) or one at a time (distributed)."""
