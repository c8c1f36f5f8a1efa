"""Serving apps with uvicorn: the embedded system, one service, or the console, until
SIGTERM/SIGINT."""

import argparse
import contextlib
import errno
import socket
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import NoReturn

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
from shared.settings import CaselogSettings, SettingsError, load_settings

CONSOLE = "console"
EXIT_PORT_UNAVAILABLE = 2
EXIT_DATA_DIR_UNUSABLE = 2
EXIT_BAD_SETTINGS = 2


class PortUnavailableError(Exception):
    """The port cannot be listened on; the message tells the person what to do."""


class DataDirUnusableError(Exception):
    """The data directory cannot be created or written; the message says which and why."""


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
            raise PortUnavailableError(port_in_use(host, port)) from None
        raise PortUnavailableError(
            f"caselog: cannot listen on {host}:{port} ({error.strerror}); choose another"
            " address or port with --host/--port or CASELOG_HTTP_HOST/CASELOG_HTTP_PORT"
        ) from None
    return sock


def port_in_use(host: str, port: int) -> str:
    """What a busy port is told as (the README quotes it)."""
    return (
        f"caselog: port {port} on {host} is already in use (another caselog, or another"
        f" program); choose another with --port or CASELOG_HTTP_PORT, e.g. --port"
        f" {port + 1 if port < 65535 else 8000}"
    )


def writable_data_dir(data_dir: Path) -> None:
    """Create `data_dir` and write a file in it before anything is printed: a path under a
    file, or a directory the user may not write, is then one line naming it, not a traceback
    from whichever service opened its SQLite file first."""
    try:
        data_dir.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=data_dir):
            pass
    except OSError as error:
        raise DataDirUnusableError(
            f"caselog: cannot use {data_dir} as the data directory ({error.strerror});"
            " choose another with --data-dir"
        ) from None


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
    server = _Server(config)
    with contextlib.suppress(KeyboardInterrupt):  # a Ctrl-C before the handlers are in place
        server.run(sockets=[sock])
    if not server.started:
        raise SystemExit(3)  # start-up failed (logged): as uvicorn.run exits


class _Server(uvicorn.Server):
    """uvicorn's server, except that a signal that stopped it is not raised again once it has
    shut down: raised inside the finished event loop, a Ctrl-C that reached the process twice
    (from the terminal's group and forwarded by `uv run`) could interrupt the loop's own
    closing and end a clean shutdown with a traceback. The process then exits 0, as before."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        with super().capture_signals():
            try:
                yield
            finally:
                self._captured_signals.clear()


def run_embedded(args: argparse.Namespace) -> None:
    overrides: dict[str, object] = {"service_name": "caselog", "bus": "embedded"}
    if args.no_demo:
        overrides["demo_seed"] = False
    settings = _settings_or_exit(**overrides, **_address(args))
    data_dir = args.data_dir
    if data_dir is not None:
        settings = data_dir_settings(settings, data_dir)
    sock = _listen_or_exit(settings)
    try:
        writable_data_dir(data_dir or DEFAULT_DATA_DIR)
    except DataDirUnusableError as error:
        sock.close()
        _exit_saying(str(error), EXIT_DATA_DIR_UNUSABLE)
    configure_logging(settings)
    host = f"[{settings.http_host}]" if ":" in settings.http_host else settings.http_host
    url = f"http://{host}:{settings.http_port}/"

    def announce(loaded_now: bool, demos: list[tuple[str, str]]) -> None:
        done = "loaded" if loaded_now else "kept (loaded before)"
        lines = [
            f"{done} {len(demos)} demo consultations: fictitious people and tickets to try"
            " the console on; --no-demo (or CASELOG_DEMO_SEED=false) skips them",
            *(f"  demo     {url}{page}  {what}" for page, what in demos),
        ]
        print("\n".join(lines), flush=True)

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
    settings = _settings_or_exit(service_name=args.service, **_address(args))
    sock = _listen_or_exit(settings)
    configure_logging(settings)
    app = console_app(settings) if args.service == CONSOLE else service_app(args.service, settings)
    serve(app, settings, sock)


def _address(args: argparse.Namespace) -> dict[str, object]:
    """--host and --port, where given: they win over CASELOG_HTTP_HOST/CASELOG_HTTP_PORT."""
    given = {"http_host": args.host, "http_port": args.port}
    return {field: value for field, value in given.items() if value is not None}


def _settings_or_exit(**overrides: object) -> CaselogSettings:
    """The settings, or one line naming the fields that are wrong (CASELOG_ + the field)."""
    try:
        return load_settings(**overrides)
    except SettingsError as error:
        _exit_saying(f"caselog: {error}", EXIT_BAD_SETTINGS)


def _listen_or_exit(settings: CaselogSettings) -> socket.socket:
    try:
        return listen(settings.http_host, settings.http_port)
    except PortUnavailableError as error:
        _exit_saying(str(error), EXIT_PORT_UNAVAILABLE)


def _exit_saying(message: str, status: int) -> NoReturn:
    """One line on stderr and the exit status; no traceback for what the person can fix."""
    print(message, file=sys.stderr, flush=True)
    raise SystemExit(status) from None


def _port(text: str) -> int:
    """A TCP port, refused by argparse (usage and exit 2) rather than by the settings."""
    if not text.isdigit() or not 1 <= int(text) <= 65535:
        raise argparse.ArgumentTypeError(f"not a port (1-65535): {text!r}")
    return int(text)


def _address_options(command: argparse.ArgumentParser) -> None:
    command.add_argument(
        "--port",
        type=_port,
        default=None,
        help="HTTP port; wins over CASELOG_HTTP_PORT (default 8000)",
    )
    command.add_argument(
        "--host",
        default=None,
        help="address to listen on, 0.0.0.0 for every interface; wins over CASELOG_HTTP_HOST"
        " (default 127.0.0.1)",
    )


def register(commands: "argparse._SubParsersAction[argparse.ArgumentParser]") -> None:
    run = commands.add_parser(
        "run",
        help="all four services and the console in one process (embedded bus, SQLite)",
        description="All four services and the console in one process (embedded bus,"
        " SQLite). Options win over the environment variables they name.",
    )
    _address_options(run)
    run.add_argument(
        "--data-dir",
        type=Path,
        default=None,
        help="where the SQLite files, bus and development keys live, created if missing"
        " (default ./data); moves every data file whose CASELOG_* variable is unset",
    )
    run.add_argument(
        "--no-demo",
        action="store_true",
        help="load none of the five fictitious demo consultations; wins over"
        " CASELOG_DEMO_SEED (default: loaded on first start)",
    )
    run.set_defaults(action=run_embedded)
    one = commands.add_parser(
        "serve",
        help="one service or the console (distributed runtime: Kafka, PostgreSQL)",
        description="One service or the console (distributed runtime: Kafka, PostgreSQL)."
        " Options win over the environment variables they name.",
    )
    one.add_argument("service", choices=(*SERVICES, CONSOLE))
    _address_options(one)
    one.set_defaults(action=serve_one)
