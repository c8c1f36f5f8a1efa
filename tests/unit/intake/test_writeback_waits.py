"""How long a write-back waits when a platform rate-limits it, and which language its note is
in: the parts of the write-back the local platform servers do not reach."""

import pytest

from services.intake.adapters.platforms.resilience import RetryPolicy, rate_limit_wait
from services.intake.domain.writeback import NoteLanguage


@pytest.mark.parametrize(
    ("headers", "wait"),
    [
        ({"retry-after": "7"}, 7.0),  # Zendesk, Freshdesk
        ({"ratelimit-reset": "12"}, 12.0),  # Zendesk's newer endpoints
        ({"x-ratelimit-reset": "1000060"}, 60.0),  # Intercom: a Unix time
        ({"x-ratelimit-reset": "999000"}, 0.0),  # already past
        ({}, None),
    ],
)
def test_the_wait_the_platform_asks_for(headers: dict[str, str], wait: float | None) -> None:
    assert rate_limit_wait(headers, now=1_000_000.0) == wait


def test_a_retry_after_date_in_the_past_means_now() -> None:
    assert rate_limit_wait({"retry-after": "Wed, 21 Oct 2015 07:28:00 GMT"}) == 0.0


def test_backoff_doubles_up_to_the_cap() -> None:
    policy = RetryPolicy(max_attempts=6, backoff_s=0.5, max_wait_s=3.0)
    assert [policy.backoff(n) for n in range(1, 6)] == [0.5, 1.0, 2.0, 3.0, 3.0]


@pytest.mark.parametrize(
    ("language", "note"),
    [("ja", NoteLanguage.JA), ("ja-JP", NoteLanguage.JA), ("JA", NoteLanguage.JA),
     ("en", NoteLanguage.EN), ("fr", NoteLanguage.EN), (None, NoteLanguage.EN)],
)  # fmt: skip
def test_the_note_is_in_japanese_only_for_a_japanese_ticket(
    language: str | None, note: NoteLanguage
) -> None:
    assert NoteLanguage.of_ticket(language) is note
