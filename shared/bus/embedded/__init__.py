"""The bus in one SQLite file, for development, tests and single-host deployments."""

from shared.bus.embedded.bus import EmbeddedBus

__all__ = ["EmbeddedBus"]
