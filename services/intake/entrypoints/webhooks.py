"""Platform webhooks (/v1/webhooks/{platform}): authenticity first, then parse and map."""

from typing import Annotated

from fastapi import APIRouter, HTTPException, Path, Request

from services.intake.adapters.platforms.payload import json_object
from services.intake.domain.consultation import Consultation
from services.intake.domain.contacts import PlatformClosure
from services.intake.entrypoints.routes import AcceptedResponse, CorrelationId, IntakeDep, answer
from services.intake.service_layer.messages import (
    IntakeCommand,
    LogPlatformFollowUp,
    RecordConsultation,
    RequestPlatformClosure,
)
from shared.envelope import utc_now
from shared.web.openapi import problem_responses

router = APIRouter(
    prefix="/v1/webhooks",
    tags=["webhooks"],
    responses=problem_responses(401, 404, 413, 415, 422, 503),
)
PlatformName = Annotated[str, Path(pattern=r"^[a-z]{1,40}$")]


@router.post("/{platform}", status_code=202, response_model=AcceptedResponse)
async def receive_webhook(
    platform: PlatformName, request: Request, intake: IntakeDep, correlation_id: CorrelationId
) -> AcceptedResponse:
    """Authenticated by the platform's signature or credential (docs/webhooks.md), not a token."""
    webhook = intake.webhooks.get(platform)
    if webhook is None:
        raise HTTPException(404, "no webhook for this platform")
    body = await request.body()
    webhook.verify(dict(request.headers), body, utc_now())
    mapped = webhook.normalize(await webhook.enrich(json_object(body)))
    command: IntakeCommand
    if isinstance(mapped, Consultation):
        command = RecordConsultation(mapped, platform, correlation_id, records_changes=True)
    elif isinstance(mapped, PlatformClosure):
        command = RequestPlatformClosure(mapped, correlation_id)
    else:
        command = LogPlatformFollowUp(mapped, correlation_id)
    return answer(await intake.handle(command), closing=isinstance(mapped, PlatformClosure))
