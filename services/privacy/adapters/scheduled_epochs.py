"""Key epochs derived from the clock and the configured epoch length, for as long as the key
store does not keep epochs of its own: epoch n covers [n-1, n) lengths since 1970-01-01 UTC
and wraps under the keyring's current KEK.

It only names epochs; it closes none. Wire the key store's epochs (an `EpochSource` whose
`current_epoch` reads the open epoch) in `services/privacy/bootstrap.py` when they exist.
"""

from datetime import UTC, datetime, timedelta

from services.privacy.service_layer.ports import Clock
from shared.crypto.epochs import Epoch

_ORIGIN = datetime(1970, 1, 1, tzinfo=UTC)


class ScheduledEpochs:
    def __init__(self, kek_id: str, length: timedelta, clock: Clock) -> None:
        self._kek_id, self._length, self._clock = kek_id, length, clock

    async def current_epoch(self) -> Epoch:
        elapsed = self._clock() - _ORIGIN
        index = elapsed // self._length
        opened = _ORIGIN + index * self._length
        return Epoch(
            number=index + 1, kek_id=self._kek_id, opened_at=opened, closes_by=opened + self._length
        )
