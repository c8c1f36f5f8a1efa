"""All four services and the console in one process and one HTTP server, on the embedded
bus and SQLite."""

import importlib
from collections.abc import AsyncIterator, Callable
from contextlib import AsyncExitStack, asynccontextmanager
from pathlib import Path

from fastapi import FastAPI

from shared.settings import CaselogSettings, load_settings

SERVICES = ("intake", "policy", "records", "privacy")
DEFAULT_DATA_DIR = Path("data")
# Told, once the demo is in, whether this start loaded it (not an earlier one) and, per demo
# case, its page (a path) and what it is.
Announce = Callable[[bool, list[tuple[str, str]]], None]


def service_app(name: str, settings: CaselogSettings) -> FastAPI:
    """The app of service `name`, imported by name so a process loads only what it runs."""
    module = importlib.import_module(f"services.{name}.entrypoints.http")
    app: FastAPI = module.create_app(settings)
    return app


def console_app(settings: CaselogSettings, *, beside_services: bool = False) -> FastAPI:
    """The console (web pages for people); it reads its own CASELOG_CONSOLE_* settings.
    `beside_services`: in the services' process, where production without an identity
    provider serves the APIs and refuses console sign-in rather than refusing to start."""
    from services.console.entrypoints.http import create_app
    from services.console.settings import ConsoleSettings

    return create_app(settings, ConsoleSettings(), beside_services=beside_services)


def embedded_app(
    base: CaselogSettings, data_dir: Path | None = None, announce: Announce | None = None
) -> FastAPI:
    """One app mounting every service under /<name> and the console at /, each with settings
    of its own. `data_dir` holds every data file (default ./data); `announce` is told what
    the first start did (the demo consultations), for the person who ran it."""
    shared = _shared_fields(base)
    apps = {
        name: service_app(
            name,
            load_settings(**{**shared, "service_name": name, **_database(name, data_dir)}),
        )
        for name in SERVICES
    }
    console = console_app(
        load_settings(**{**shared, "service_name": "console"}), beside_services=True
    )

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        # Starlette does not run the lifespan of mounted apps; the parent runs them all.
        async with AsyncExitStack() as stack:
            for mounted in (*apps.values(), console):
                await stack.enter_async_context(mounted.router.lifespan_context(mounted))
            # One process, one configuration: the console pins the key records signs with
            # (from the same settings or data dir), unless CASELOG_CONSOLE_LOG_VERIFIER_KEY
            # names one. Never the key a bundle carries.
            if console.state.log_verifier_key is None:
                console.state.log_verifier_key = apps["records"].state.records.identity.verifier_key
            # Privacy checks receipts' log bindings with the same pinned key.
            if apps["privacy"].state.records_log_key is None:
                apps["privacy"].state.records_log_key = console.state.log_verifier_key
            # The public log's /log/keys lists privacy's receipt key beside the log's own.
            published: list[str] = apps["records"].state.published_keys
            receipt_key = apps["privacy"].state.privacy.signer.verifier_key
            if receipt_key not in published:
                published.append(receipt_key)
            app.state.demo_case_ids = []
            if base.demo_seed:
                # Imported here: processes serving one service never load the demo data.
                from services.runtime.demo import DEMOS, seed_demo

                seeded = await seed_demo(apps["intake"].state.intake)
                app.state.demo_case_ids = [accepted.case_id for accepted in seeded]
                if announce is not None:
                    announce(
                        any(not accepted.duplicate for accepted in seeded),
                        [
                            (f"cases/{accepted.case_id}", demo.what)
                            for accepted, demo in zip(seeded, DEMOS, strict=True)
                        ],
                    )
            yield

    # No docs of its own: each service has its /docs, and the console is the page at /.
    root = FastAPI(
        title="caselog (embedded)",
        lifespan=lifespan,
        docs_url=None,
        redoc_url=None,
        openapi_url=None,
    )

    @root.get("/healthz", include_in_schema=False)
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    for name, app in apps.items():
        root.mount(f"/{name}", app)
    root.mount("/", console)  # last: every path the services do not own
    from services.console.entrypoints.http import offers_sign_in

    root.state.console_signs_in = offers_sign_in(console)
    return root


def data_dir_settings(base: CaselogSettings, data_dir: Path) -> CaselogSettings:
    """`base` with every data file that is at its default under ./data/ moved to `data_dir`.

    Read from the settings' defaults, so a data file added to the settings later moves too
    without anyone extending a list here; a file set explicitly stays where it was set.
    """
    moved: dict[str, object] = {}
    for name, field in type(base).model_fields.items():
        default, value = field.default, getattr(base, name)
        if value != default:
            continue
        if isinstance(default, Path) and default.parts[:1] == (DEFAULT_DATA_DIR.name,):
            moved[name] = data_dir.joinpath(*default.parts[1:])
        elif isinstance(default, str) and f":///{DEFAULT_DATA_DIR.name}/" in default:
            prefix, _, rest = default.partition(f":///{DEFAULT_DATA_DIR.name}/")
            moved[name] = f"{prefix}:///{data_dir / rest}"
    return base.model_copy(update=moved)


def _database(name: str, data_dir: Path | None) -> dict[str, object]:
    """Each service's own SQLite file, under `data_dir` when one is given."""
    if data_dir is None:
        return {}
    return {"database_url": f"sqlite+aiosqlite:///{data_dir / f'{name}.sqlite3'}"}


def _shared_fields(base: CaselogSettings) -> dict[str, object]:
    """The settings every embedded service shares; per-service ones (name, database) are derived."""
    fields = base.model_dump(exclude={"service_name", "database_url", "kafka_client_id"})
    fields["bus"] = "embedded"
    return fields
