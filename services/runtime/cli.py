"""The `caselog` command: run the embedded system, serve one service, declare topics."""

import argparse
import asyncio
from collections.abc import Sequence

import uvicorn
from fastapi import FastAPI

from services.runtime.embedded import SERVICES, embedded_app, service_app
from shared.bus.factory import build_bus
from shared.bus.topics import load_topic_specs
from shared.logs import configure_logging
from shared.settings import CaselogSettings, load_settings


def serve(app: FastAPI, settings: CaselogSettings) -> None:
    """Serve until SIGTERM/SIGINT. Our middleware logs requests by route template, so
    uvicorn's access log (raw paths) stays off, and log_config=None keeps our logging."""
    uvicorn.run(
        app,
        host=settings.http_host,
        port=settings.http_port,
        log_config=None,
        access_log=False,
        server_header=False,
    )


def run_embedded(_args: argparse.Namespace) -> None:
    settings = load_settings(service_name="caselog", bus="embedded")
    configure_logging(settings)
    app = embedded_app(settings)
    url = f"http://{settings.http_host}:{settings.http_port}/"
    print(f"caselog (embedded) on {url}")
    for name in SERVICES:
        print(f"  {name:8} {url}{name}/docs")
    serve(app, settings)


def serve_one(args: argparse.Namespace) -> None:
    settings = load_settings(service_name=args.service)
    configure_logging(settings)
    serve(service_app(args.service, settings), settings)


def declare_topics(_args: argparse.Namespace) -> None:
    settings = load_settings(service_name="caselog-admin")
    configure_logging(settings)

    async def declare() -> None:
        bus = build_bus(settings)
        await bus.start()
        try:
            specs = load_topic_specs(settings.topics_file)
            await bus.ensure_topics(specs)
            print(f"declared {len(specs)} topics on the {settings.bus} bus")
        finally:
            await bus.close()

    asyncio.run(declare())


def parser() -> argparse.ArgumentParser:
    root = argparse.ArgumentParser(prog="caselog", description=__doc__)
    commands = root.add_subparsers(dest="command", required=True)
    commands.add_parser(
        "run", help="all four services in one process (embedded bus, SQLite in ./data)"
    ).set_defaults(action=run_embedded)
    one = commands.add_parser("serve", help="one service (distributed runtime: Kafka, PostgreSQL)")
    one.add_argument("service", choices=SERVICES)
    one.set_defaults(action=serve_one)
    commands.add_parser(
        "topics", help="create the topics declared in CASELOG_TOPICS_FILE on the chosen bus"
    ).set_defaults(action=declare_topics)
    return root


def main(argv: Sequence[str] | None = None) -> None:
    args = parser().parse_args(argv)
    args.action(args)
