"""The HTTP surface every service shares: app factory, health, metrics, request ids, error shape."""
