"""Key epochs (/v1/keys/epochs): the open epoch, and closing it now (admin only)."""

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends
from pydantic import BaseModel

from services.privacy.domain.errors import ConflictError
from services.privacy.entrypoints.deps import CorrelationId, PrivacyDep
from services.privacy.service_layer.messages import CloseKeyEpoch
from shared.auth.roles import Principal, Role
from shared.crypto.epochs import Epoch
from shared.web.auth import require_roles
from shared.web.openapi import problem_responses

router = APIRouter(
    prefix="/v1/keys", tags=["keys"], responses=problem_responses(401, 403, 422, 503)
)
Admin = Annotated[Principal, Depends(require_roles(Role.ADMIN))]
KeyAuditor = Annotated[Principal, Depends(require_roles(Role.ADMIN, Role.PRIVACY_OFFICER))]


class EpochOut(BaseModel):
    number: int
    kek_id: str
    opened_at: datetime
    closes_by: datetime

    @classmethod
    def of(cls, epoch: Epoch) -> "EpochOut":
        return cls(
            number=epoch.number,
            kek_id=epoch.kek_id,
            opened_at=epoch.opened_at,
            closes_by=epoch.closes_by,
        )


class EpochClosureOut(BaseModel):
    closed: EpochOut
    opened: EpochOut
    destroyed_kek_id: str
    rewrapped_keys: int
    closed_at: datetime


@router.get("/epochs/current", response_model=EpochOut)
async def current_epoch(privacy: PrivacyDep, _principal: KeyAuditor) -> EpochOut:
    """The open key epoch: the KEK that wraps every data key now, and when it closes at the
    latest (erasures made now are complete for every copy from then on)."""
    return EpochOut.of(await privacy.personal.keys.current_epoch())


@router.post("/epochs/close", response_model=EpochClosureOut, responses=problem_responses(409))
async def close_epoch(
    privacy: PrivacyDep, principal: Admin, correlation_id: CorrelationId
) -> EpochClosureOut:
    """Close the open key epoch now: every live data key re-wrapped under a fresh KEK, then the
    old KEK destroyed in its keyring, and `keys.epoch_closed` published. 409 while another
    close runs."""
    closure = await privacy.handle(CloseKeyEpoch(principal.subject, correlation_id))
    if closure is None:  # only a scheduled close (if_open) can find nothing to do
        raise ConflictError("the key epoch was closed by another close meanwhile")
    return EpochClosureOut(
        closed=EpochOut.of(closure.closed),
        opened=EpochOut.of(closure.opened),
        destroyed_kek_id=closure.destroyed_kek_id,
        rewrapped_keys=closure.rewrapped_keys,
        closed_at=closure.closed_at,
    )
