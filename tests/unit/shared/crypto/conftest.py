"""Fixtures of the crypto unit tests: a fake key source, a codec over it, an event id."""

from uuid import UUID

import pytest

from shared.crypto.codec import FieldCodec
from shared.ids import new_event_id
from tests.unit.shared.crypto.fake_keys import FakeKeys


@pytest.fixture
def keys() -> FakeKeys:
    return FakeKeys()


@pytest.fixture
def codec(keys: FakeKeys) -> FieldCodec:
    return FieldCodec(keys)


@pytest.fixture
def event_id() -> UUID:
    return new_event_id()
