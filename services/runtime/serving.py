"""Serving apps with uvicorn: the embedded system or one service, until SIGTERM/SIGINT."""

import argparse

import uvicorn
from fastapi import FastAPI

from services.runtime.embedded import SERVICES, embedded_app, service_app
from shared.auth.development import development_issuer
from shared.auth.roles import Role
from shared.logs import configure_logging
from shared.settings import CaselogSettings, load_settings


def serve(app: FastAPI, settings: CaselogSettings) -> None:
    """Our middleware logs requests by route template, so uvicorn's access log (raw paths)
    stays off, and log_config=None keeps our logging."""
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
    lines = [f"caselog (embedded) on {url}"]
    lines += [f"  {name:8} {url}{name}/docs" for name in SERVICES]
    if settings.environment == "development" and settings.auth_jwks_file is None:
        issuer = development_issuer(settings.auth_dev_keys_dir)
        lines.append("development tokens (send as 'Authorization: Bearer <token>'):")
        lines += [
            f"  {role.value:16} {issuer.token(f'dev-{role.value}', [role], settings.auth_audience)}"
            for role in Role
        ]
    print("\n".join(lines), flush=True)  # the user's first hint where to go
    serve(app, settings)


def serve_one(args: argparse.Namespace) -> None:
    settings = load_settings(service_name=args.service)
    configure_logging(settings)
    serve(service_app(args.service, settings), settings)


def register(commands: "argparse._SubParsersAction[argparse.ArgumentParser]") -> None:
    commands.add_parser(
        "run", help="all four services in one process (embedded bus, SQLite in ./data)"
    ).set_defaults(action=run_embedded)
    one = commands.add_parser("serve", help="one service (distributed runtime: Kafka, PostgreSQL)")
    one.add_argument("service", choices=SERVICES)
    one.set_defaults(action=serve_one)
