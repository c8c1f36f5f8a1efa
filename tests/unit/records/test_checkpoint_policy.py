"""When a checkpoint is due: after N new events or T seconds, never for a size already signed."""

from datetime import UTC, datetime, timedelta

import pytest

from services.records.domain.checkpoints import CheckpointPolicy
from services.records.domain.errors import InvalidPolicyError

T0 = datetime(2025, 4, 1, tzinfo=UTC)
POLICY = CheckpointPolicy(every_events=100, every_seconds=30)


def test_the_first_events_are_signed_at_once_but_an_empty_log_is_not() -> None:
    assert POLICY.due(0, None, 1, T0)
    assert not POLICY.due(0, None, 0, T0)


def test_a_checkpoint_is_due_after_n_new_events() -> None:
    assert not POLICY.due(50, T0, 149, T0 + timedelta(seconds=1))
    assert POLICY.due(50, T0, 150, T0 + timedelta(seconds=1))


def test_a_checkpoint_is_due_t_seconds_after_the_last_if_events_came() -> None:
    assert not POLICY.due(50, T0, 51, T0 + timedelta(seconds=29.9))
    assert POLICY.due(50, T0, 51, T0 + timedelta(seconds=30))


def test_nothing_new_means_nothing_due_however_long_ago() -> None:
    assert not POLICY.due(50, T0, 50, T0 + timedelta(days=1))


@pytest.mark.parametrize(("events", "seconds"), [(0, 1.0), (1, 0.0), (1, -1.0)])
def test_intervals_must_be_positive(events: int, seconds: float) -> None:
    with pytest.raises(InvalidPolicyError):
        CheckpointPolicy(every_events=events, every_seconds=seconds)
