"""Serving apps with uvicorn: the embedded system, one service, or the console, until
SIGTERM/SIGINT."""

import argparse
import contextlib
import errno
import socket
import sys
from pathlib import Path

import uvicorn
from fastapi import FastAPI

from services.runtime.embedded import (
    DEFAULT_DATA_DIR,
    SERVICES,
    console_app,
    data_dir_settings,
    embedded_app,
    service_app,
)
from shared.auth.development import development_issuer
from shared.auth.roles import Role
from shared.logs import configure_logging
from shared.settings import CaselogSettings, load_settings

CONSOLE = "console"
EXIT_PORT_UNAVAILABLE = 2


class PortUnavailableError(Exception):
    """The port cannot be listened on; the message tells the person what to do."""


def listen(host: str, port: int) -> socket.socket:
    """The server's socket, bound before anything is printed: a busy port is then a clear
    message and an exit, not URLs that do not work followed by a crash among log lines."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    # As uvicorn does: a port left in TIME_WAIT by our last run may be reused; one that
    # another process listens on still fails (Linux refuses it even with SO_REUSEADDR).
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as error:
        sock.close()
        if error.errno == errno.EADDRINUSE:
            raise PortUnavailableError(
                f"caselog: port {port} on {host} is already in use (another caselog, or another"
                f" program). Stop it, or choose another port: caselog run --port {port + 1}"
                f" (or CASELOG_HTTP_PORT={port + 1})."
            ) from None
        raise PortUnavailableError(
            f"caselog: cannot listen on {host}:{port} ({error.strerror}). Choose another"
            " address or port (--port, CASELOG_HTTP_HOST, CASELOG_HTTP_PORT)."
        ) from None
    return sock


def serve(app: FastAPI, settings: CaselogSettings, sock: socket.socket | None = None) -> None:
    """Our middleware logs requests by route template, so uvicorn's access log (raw paths)
    stays off, and log_config=None keeps our logging."""
    sock = sock or _listen_or_exit(settings)
    config = uvicorn.Config(
        app,
        host=settings.http_host,
        port=settings.http_port,
        log_config=None,
        access_log=False,
        server_header=False,
    )
    server = uvicorn.Server(config)
    # Ctrl-C: uvicorn has shut down cleanly and re-raises the signal; uvicorn.run ignores it.
    with contextlib.suppress(KeyboardInterrupt):
        server.run(sockets=[sock])
    if not server.started:
        raise SystemExit(3)  # start-up failed (logged): as uvicorn.run exits


def run_embedded(args: argparse.Namespace) -> None:
    overrides: dict[str, object] = {"service_name": "caselog", "bus": "embedded"}
    if args.port is not None:
        overrides["http_port"] = args.port
    if args.no_demo:
        overrides["demo_seed"] = False
    settings = load_settings(**overrides)
    data_dir = args.data_dir
    if data_dir is not None:
        settings = data_dir_settings(settings, data_dir)
    sock = _listen_or_exit(settings)
    configure_logging(settings)
    url = f"http://{settings.http_host}:{settings.http_port}/"

    def announce(summary: str, pages: list[str]) -> None:
        print("\n".join([summary, *(f"  demo     {url}{page}" for page in pages)]), flush=True)

    app = embedded_app(settings, data_dir, announce=announce)
    console_note = (
        "(sign in there)"
        if app.state.console_signs_in
        else "(sign-in off: production needs CASELOG_CONSOLE_OIDC_ISSUER; the APIs answer)"
    )
    lines = [f"caselog (embedded) on {url}", f"  console  {url}  {console_note}"]
    lines += [f"  {name:8} {url}{name}/docs" for name in SERVICES]
    lines.append(f"  data in  {data_dir or DEFAULT_DATA_DIR}/")
    if settings.environment == "development" and settings.auth_jwks_file is None:
        issuer = development_issuer(settings.auth_dev_keys_dir)
        lines.append("development tokens (send as 'Authorization: Bearer <token>'):")
        lines += [
            f"  {role.value:16} {issuer.token(f'dev-{role.value}', [role], settings.auth_audience)}"
            for role in Role
        ]
    print("\n".join(lines), flush=True)  # the user's first hint where to go
    serve(app, settings, sock)


def serve_one(args: argparse.Namespace) -> None:
    settings = load_settings(service_name=args.service)
    sock = _listen_or_exit(settings)
    configure_logging(settings)
    app = console_app(settings) if args.service == CONSOLE else service_app(args.service, settings)
    serve(app, settings, sock)


def _listen_or_exit(settings: CaselogSettings) -> socket.socket:
    try:
        return listen(settings.http_host, settings.http_port)
    except PortUnavailableError as error:
        print(str(error), file=sys.stderr, flush=True)
        raise SystemExit(EXIT_PORT_UNAVAILABLE) from None


def register(commands: "argparse._SubParsersAction[argparse.ArgumentParser]") -> None:
    run = commands.add_parser(
        "run", help="all four services and the console in one process (embedded bus, SQLite)"
    )
    run.add_argument(
        "--port", type=int, default=None, help="HTTP port (default 8000, or CASELOG_HTTP_PORT)"
    )
    run.add_argument(
        "--data-dir",
        type=Path,
        default=None,
        help="where the SQLite files, bus and development keys live (default ./data)",
    )
    run.add_argument(
        "--no-demo",
        action="store_true",
        help="do not load the demo consultations (or CASELOG_DEMO_SEED=false)",
    )
    run.set_defaults(action=run_embedded)
    one = commands.add_parser(
        "serve", help="one service or the console (distributed runtime: Kafka, PostgreSQL)"
    )
    one.add_argument("service", choices=(*SERVICES, CONSOLE))
    one.set_defaults(action=serve_one)
