"""Records' use cases: append an event, replay a timeline, prove, export a bundle."""
