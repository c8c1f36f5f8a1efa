"""Liveness and readiness: /healthz says the process runs, /readyz that its dependencies answer."""

import asyncio
from collections.abc import Awaitable, Callable, Mapping

import structlog
from fastapi import APIRouter
from fastapi.responses import JSONResponse

from shared.bus.delivery import describe_error

log = structlog.get_logger(__name__)

ReadinessCheck = Callable[[], Awaitable[None]]
"""Returns when a dependency can serve requests, raises when it cannot."""

OK = "ok"


async def _run_check(name: str, check: ReadinessCheck, timeout_s: float) -> str:
    try:
        async with asyncio.timeout(timeout_s):
            await check()
    except TimeoutError:
        log.warning("readiness check timed out", check=name, timeout_s=timeout_s)
        return "timed out"
    except Exception as error:  # noqa: BLE001 - whatever a check raises means "not ready"
        log.warning("readiness check failed", check=name, error=describe_error(error))
        return "failed"
    return OK


def health_router(checks: Mapping[str, ReadinessCheck], timeout_s: float) -> APIRouter:
    """The two probe routes; `checks` run concurrently, each bounded by `timeout_s`."""
    router = APIRouter(tags=["health"])

    @router.get("/healthz")
    async def healthz() -> dict[str, str]:
        return {"status": "alive"}

    @router.get("/readyz")
    async def readyz() -> JSONResponse:
        names = list(checks)
        outcomes = await asyncio.gather(
            *(_run_check(name, checks[name], timeout_s) for name in names)
        )
        results = dict(zip(names, outcomes, strict=True))
        failed = sorted(name for name, outcome in results.items() if outcome != OK)
        if failed:
            body = {"status": "unavailable", "failed": failed, "checks": results}
            return JSONResponse(body, status_code=503)
        return JSONResponse({"status": "ready", "checks": results})

    return router
