"""FastAPI dependencies of intake's routes, as Annotated aliases."""

from typing import Annotated

from fastapi import Depends, Header, Request

from services.intake.bootstrap import Intake
from shared.web.request_context import request_correlation_id


async def get_intake(request: Request) -> Intake:  # async: no worker-thread hop per request
    intake: Intake = request.app.state.intake
    return intake


IntakeDep = Annotated[Intake, Depends(get_intake)]
CorrelationId = Annotated[str, Depends(request_correlation_id)]
IdempotencyKey = Annotated[
    str | None,
    Header(
        alias="Idempotency-Key",
        max_length=200,
        pattern=r"^[\x21-\x7e]+$",
        description="Retrying with the same key returns the first answer and records nothing new",
    ),
]
