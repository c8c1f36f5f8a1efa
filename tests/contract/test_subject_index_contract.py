"""Subject index contract, on SQLite and PostgreSQL: one subject per person, digests only."""

import asyncio
import os

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from shared.crypto.identities import email_identity, phone_identity
from shared.crypto.secret import SecretBytes
from shared.crypto.subjects import SubjectIndex
from shared.crypto.tables import CryptoTables
from tests.contract.table_scan import found_in, stored_values

# Full-width forms on purpose: that is how they are often typed in Japan.
PHONE_SPELLINGS = ["090-1234-5678", "０９０１２３４５６７８", "+81 90 1234 5678"]  # noqa: RUF001


@pytest.fixture
def pepper() -> SecretBytes:
    return SecretBytes(os.urandom(32))


@pytest.fixture
def index(engine: AsyncEngine, tables: CryptoTables, pepper: SecretBytes) -> SubjectIndex:
    return SubjectIndex(engine, tables, pepper)


async def test_every_spelling_of_a_phone_number_is_one_subject(index: SubjectIndex) -> None:
    subjects = {await index.resolve(phone_identity(spelling)) for spelling in PHONE_SPELLINGS}
    assert len(subjects) == 1


async def test_every_spelling_of_an_email_address_is_one_subject(index: SubjectIndex) -> None:
    spellings = ["Taro@Example.COM", " taro@example.com ", "ｔａｒｏ＠ｅｘａｍｐｌｅ．ｃｏｍ"]  # noqa: RUF001
    subjects = {await index.resolve(email_identity(spelling)) for spelling in spellings}
    assert len(subjects) == 1


async def test_subject_ids_are_random_and_distinct_per_person(index: SubjectIndex) -> None:
    taro = await index.resolve(email_identity("taro@example.com"))
    hanako = await index.resolve(email_identity("hanako@example.com"))

    assert taro != hanako
    assert len(taro) == 32
    int(taro, 16)


async def test_lookup_finds_known_identities_only(index: SubjectIndex) -> None:
    assert await index.lookup(email_identity("taro@example.com")) is None
    subject = await index.resolve(email_identity("taro@example.com"))
    assert await index.lookup(email_identity("TARO@example.com")) == subject


async def test_identities_given_together_link_to_one_subject(index: SubjectIndex) -> None:
    subject = await index.resolve(email_identity("taro@example.com"))

    linked = await index.resolve(
        email_identity("taro@example.com"), phone_identity(PHONE_SPELLINGS[0])
    )

    assert linked == subject
    assert await index.resolve(phone_identity(PHONE_SPELLINGS[2])) == subject


async def test_forgetting_a_subject_unlinks_all_its_identities(index: SubjectIndex) -> None:
    email, phone = email_identity("taro@example.com"), phone_identity(PHONE_SPELLINGS[0])
    subject = await index.resolve(email, phone)
    other = await index.resolve(email_identity("hanako@example.com"))

    assert await index.forget(subject) == 2

    assert await index.lookup(email) is None
    assert await index.lookup(phone) is None
    assert await index.lookup(email_identity("hanako@example.com")) == other
    assert await index.resolve(email) != subject  # a new, unrelated subject


async def test_twenty_concurrent_resolves_on_two_engines_give_one_subject(
    engine: AsyncEngine, other_engine: AsyncEngine, tables: CryptoTables, pepper: SecretBytes
) -> None:
    indexes = [SubjectIndex(engine, tables, pepper), SubjectIndex(other_engine, tables, pepper)]
    spellings = [PHONE_SPELLINGS[i % 3] for i in range(20)]

    subjects = await asyncio.gather(
        *(
            indexes[i % 2].resolve(phone_identity(s), email_identity("t@example.jp"))
            for i, s in enumerate(spellings)
        )
    )

    assert len(set(subjects)) == 1
    async with engine.connect() as connection:
        count = await connection.scalar(select(func.count()).select_from(tables.subjects))
    assert count == 2
    assert await indexes[0].lookup(email_identity("t@example.jp")) == subjects[0]


async def test_the_index_stores_digests_never_identities(
    index: SubjectIndex, engine: AsyncEngine, tables: CryptoTables
) -> None:
    await index.resolve(email_identity("taro@example.com"), phone_identity(PHONE_SPELLINGS[0]))

    values = await stored_values(engine, tables.subjects.name)

    for identity in (b"taro@example.com", b"+819012345678", b"09012345678", b"9012345678"):
        assert found_in(values, identity) == []
    digests = [value for value in values if isinstance(value, bytes)]
    assert len(digests) == 2
    assert all(len(digest) == 32 for digest in digests)


async def test_another_pepper_knows_nobody(
    index: SubjectIndex, engine: AsyncEngine, tables: CryptoTables
) -> None:
    await index.resolve(email_identity("taro@example.com"))

    stranger = SubjectIndex(engine, tables, SecretBytes(os.urandom(32)))

    assert await stranger.lookup(email_identity("taro@example.com")) is None


async def test_identities_of_two_subjects_given_together_link_them(
    index: SubjectIndex, engine: AsyncEngine
) -> None:
    phone, email = phone_identity(PHONE_SPELLINGS[0]), email_identity("taro@example.com")
    by_phone = await index.resolve(phone)
    by_email = await index.resolve(email)
    assert by_phone != by_email

    async with engine.begin() as connection:
        resolution = await index.resolve_linking(connection, email, phone)

    assert (resolution.subject_id, resolution.linked) == (by_email, (by_phone,))
    # The phone's entry now names the linked set's subject, and the set holds both.
    assert await index.lookup(phone) == by_email
    assert set(await index.linked_sets([by_email])) == {by_email, by_phone}


async def test_a_link_of_a_linked_subject_keeps_the_whole_set(index: SubjectIndex) -> None:
    first, second, third = (
        phone_identity(PHONE_SPELLINGS[0]),
        email_identity("taro@example.com"),
        email_identity("taro@work.example.com"),
    )
    a, b, c = [await index.resolve(each) for each in (first, second, third)]
    await index.resolve(second, first)  # a -> b
    await index.resolve(third, second)  # b (with a) -> c

    assert set(await index.linked_sets([c])) == {a, b, c}
    assert {await index.lookup(each) for each in (first, second, third)} == {c}
    assert await index.forget(c) == 3
    assert await index.linked_sets([c]) == (c,)
