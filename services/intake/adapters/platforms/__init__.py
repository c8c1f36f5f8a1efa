"""Support platforms' webhooks and change events: authenticity checks, mapping to intake models."""
