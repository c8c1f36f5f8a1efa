"""Run one service over HTTP: `python -m services intake` (the container's entry point)."""

import argparse
import importlib
from collections.abc import Sequence

import uvicorn
from fastapi import FastAPI

from shared.logs import configure_logging
from shared.settings import load_settings

SERVICES = ("intake", "policy", "records", "privacy")


def main(argv: Sequence[str] | None = None) -> None:
    """Build settings and logging once, then serve the chosen service until SIGTERM."""
    parser = argparse.ArgumentParser(prog="python -m services", description=__doc__)
    parser.add_argument("service", choices=SERVICES)
    name: str = parser.parse_args(argv).service
    settings = load_settings(service_name=name)
    configure_logging(settings)
    # Imported by name so that a process loads only the service it runs.
    module = importlib.import_module(f"services.{name}.entrypoints.http")
    app: FastAPI = module.create_app(settings)
    # log_config=None keeps our logging; our middleware logs each request (by route
    # template), so uvicorn's access log, which prints raw paths, stays off.
    uvicorn.run(
        app,
        host=settings.http_host,
        port=settings.http_port,
        log_config=None,
        access_log=False,
        server_header=False,
    )


if __name__ == "__main__":
    main()
