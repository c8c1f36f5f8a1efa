"""Faults in the distributed runtime (issue 8): 2,000 consultations streamed while each service
in turn is SIGKILLed and restarted, and while the broker is stopped and restarted, end with
records holding each exactly once, decided exactly once, and a log that verifies; poison on
every topic lands in its DLQ and the services keep going. And key epochs (issue 13): an epoch
closed while the stream flows, and privacy SIGKILLed in the middle of the next close, lose no
key: every live case still decrypts.

The module runs its own broker (the shared one serves every other test, and this one is
stopped), so its topics and consumer groups hold this module's messages only."""

import asyncio
import contextlib
import time
import uuid
from collections.abc import AsyncIterator, Iterator

import httpx
import pytest
from aiokafka import AIOKafkaProducer

from services.runtime.embedded import SERVICES
from shared.auth.development import development_issuer
from shared.bus.policy import DLQ_SUFFIX
from shared.bus.topics import load_topic_specs
from tests.e2e.broker import OwnBroker, own_broker
from tests.e2e.distributed import TOPICS_FILE, Distributed, distributed_services
from tests.e2e.epochs import (
    LEASE_PATIENCE_S,
    Closure,
    close_epoch,
    events_of_type,
    every_case,
    kek_ids_in_use,
    reveal,
    unwrap_every_key,
)
from tests.e2e.load import Stream
from tests.e2e.poison import DeadLetter, Poison, consumer_groups, dead_letters
from tests.e2e.tally import Progress, Tally, until_held, verify_log
from tests.support.infra import InfrastructureUnavailableError
from tests.unavailable import missing_infrastructure

pytestmark = [pytest.mark.infra, pytest.mark.timeout(900)]

STREAM = 2_000
RATE = 50.0  # consultations per second at most
WINDOW = 300  # sent but not yet decided in records, at most: in flight when a fault strikes
KILLED_S = 1.0  # how long a killed service stays down
AFTER_POISON = 50
PATIENCE_S = 120.0  # without progress, before a stream counts as stalled
DLQ_PATIENCE_S = 60.0
REVEALED = 100  # cases of the stream revealed through records after the closes
EPOCH_CLOSED = "keys.epoch_closed"


@pytest.fixture(scope="module")
def broker(tmp_path_factory: pytest.TempPathFactory) -> Iterator[OwnBroker]:
    folder = tmp_path_factory.mktemp("kafka")
    try:
        with own_broker(folder) as started:
            yield started
    except InfrastructureUnavailableError as error:
        missing_infrastructure(f"a Kafka broker of the fault tests' own: {error}")


@pytest.fixture(scope="module")
async def deployment(
    broker: OwnBroker, postgres_url: str, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[Distributed]:
    folder = tmp_path_factory.mktemp("faults")
    development_issuer(folder / "auth")  # the JWKS the services trust; no token is needed
    jwks = folder / "auth" / "dev-jwks.json"
    async with distributed_services(broker.bootstrap, postgres_url, folder, jwks) as running:
        yield running


async def test_poison_on_every_topic_is_dead_lettered(
    broker: OwnBroker, deployment: Distributed
) -> None:
    """Every consumer of a topic dead-letters what it cannot read, with its origin and the
    reason in headers, and goes on: consultations sent after the poison are all decided.
    Every topic has a consumer: `caselog.records` is read by privacy (acknowledgements)."""
    started = time.monotonic()
    groups = consumer_groups()
    specs = load_topic_specs(TOPICS_FILE)
    topics = [spec.name for spec in specs if not spec.name.endswith(DLQ_SUFFIX)]
    unread = [topic for topic in topics if topic not in groups]
    assert not unread, f"no service consumes {unread}: poison there could not be dead-lettered"
    poisons = [poison for topic in topics for poison in Poison.for_topic(topic)]
    producer = AIOKafkaProducer(bootstrap_servers=broker.bootstrap, acks="all")
    await producer.start()
    try:
        origins = {poison.marker: await poison.send(producer) for poison in poisons}
    finally:
        await producer.stop()
    run = _run()
    await Stream(broker.bootstrap, run, AFTER_POISON, RATE).produce()
    await until_held(deployment, run, AFTER_POISON, PATIENCE_S)

    deadline = time.monotonic() + DLQ_PATIENCE_S
    for poison in poisons:
        expected = poison.groups
        origin = origins[poison.marker]
        found = await dead_letters(broker.bootstrap, poison, origin)
        while {letter.group for letter in found} != expected and time.monotonic() < deadline:
            await asyncio.sleep(1.0)
            found = await dead_letters(broker.bootstrap, poison, origin)
        where = f"{poison.kind} on {poison.topic}"
        # A set: dead-lettering is at-least-once too (a commit lost to a rebalance repeats it).
        assert {letter.group for letter in found} == expected, (where, found)
        for letter in found:
            assert letter.origin_topic == poison.topic, (where, letter)
            assert letter.error, (where, letter)
        if poison.kind == "not a consultation":
            assert _all_say(found, "invalid consultation"), (where, found)
    await _all_serving(deployment)
    took = time.monotonic() - started
    print(
        f"poison: {len(poisons)} messages on {len(topics)} topics, all dead-lettered: {took:.1f} s"
    )


async def test_each_service_killed_mid_stream(broker: OwnBroker, deployment: Distributed) -> None:
    """SIGKILL intake, policy, records and privacy in turn while the stream flows, each with
    consultations in flight, and start each again: nothing lost, nothing doubled."""
    started = time.monotonic()
    stream = Stream(broker.bootstrap, _run(), STREAM, RATE)
    async with _streaming(deployment, stream, WINDOW) as progress:
        for turn, name in enumerate(SERVICES, start=1):
            before = await progress.reach(STREAM * turn // (len(SERVICES) + 1))
            deployment.kill(name)
            in_flight = _in_flight(stream, before)
            await asyncio.sleep(KILLED_S)  # the stream goes on without it
            restarted = time.monotonic()
            await deployment.restart(name)
            print(f"killed {name} with {in_flight}; ready again in {_since(restarted)}")
    await _held_and_verified(deployment, stream, started)


async def test_broker_restarted_mid_stream(broker: OwnBroker, deployment: Distributed) -> None:
    """Stop the broker while the stream flows (what fails to send is sent again, as a
    platform's bridge would) and start it again, its data kept: nothing lost, nothing doubled."""
    started = time.monotonic()
    stream = Stream(broker.bootstrap, _run(), STREAM, RATE)
    # Unbounded: the stream goes on at its rate while the broker is down, as platforms would.
    async with _streaming(deployment, stream, window=None) as progress:
        while stream.sent < STREAM // 3:  # noqa: ASYNC110 - the stream's own counter
            await asyncio.sleep(0.05)
        before = progress.latest
        stopped = await asyncio.to_thread(broker.stop)
        in_flight = _in_flight(stream, before)
        back = await asyncio.to_thread(broker.start)
        print(f"broker stopped in {stopped:.1f} s with {in_flight}; answering after {back:.1f} s")
    assert stream.resends, "the stream sent nothing while the broker was down"
    await _held_and_verified(deployment, stream, started)


async def test_epoch_closed_mid_stream_and_privacy_killed_mid_close(
    broker: OwnBroker, deployment: Distributed
) -> None:
    """Close a key epoch while the stream flows; then SIGKILL privacy in the middle of the next
    close, start it again and close again. Nothing is lost: the stream is held and decided
    once, `verify-log` is clean, every case's key unwraps in a cold process, and the cases
    revealed through records (restarted: no key in its cache) come back in plaintext."""
    started = time.monotonic()
    stream = Stream(broker.bootstrap, _run(), STREAM, RATE)
    async with _streaming(deployment, stream, WINDOW) as progress:
        before = await progress.reach(STREAM // 4)
        first = await close_epoch(deployment)
        print(f"closed in {first.seconds:.1f} s with {_in_flight(stream, before)}: {first.answer}")
        assert first.rewrapped_keys >= before.decided, first.answer
        before = await progress.reach(STREAM // 2)
        interrupted = asyncio.create_task(close_epoch(deployment))
        keys = await _two_keks_in_use(deployment, interrupted)
        deployment.kill("privacy")  # the close is under way: the old KEK is not destroyed yet
        in_flight = _in_flight(stream, before)
        await asyncio.gather(interrupted, return_exceptions=True)
        print(f"privacy killed mid-close with {in_flight}; live keys by KEK: {keys}")
        await deployment.restart("privacy")
        again = await close_epoch(deployment, patience_s=LEASE_PATIENCE_S)
        print(f"closed again after the restart in {again.seconds:.1f} s: {again.answer}")
        assert again.closed_epoch > first.closed_epoch, (first.answer, again.answer)
    await _held_and_verified(deployment, stream, started)
    assert len(await kek_ids_in_use(deployment)) == 1, "a close left keys under an old KEK"
    cases = await every_case(deployment)
    unwrapped = await unwrap_every_key(deployment, cases)
    assert unwrapped == {"unwrapped": len(cases), "failed": {}}, unwrapped
    assert await events_of_type(deployment, EPOCH_CLOSED) >= 2, "records keeps every close"
    deployment.kill("records")
    await deployment.restart("records")
    held = await until_held(deployment, stream.run, stream.count, PATIENCE_S)
    sample = sorted(held.cases.values())[:: max(1, STREAM // REVEALED)]
    assert await reveal(deployment, sample) == [], "cases that no longer decrypt"
    print(
        f"epoch closes under load: {len(cases)} keys unwrap, {len(sample)} cases revealed;"
        f" {_since(started)} in all"
    )


async def _two_keks_in_use(deployment: Distributed, close: asyncio.Task[Closure]) -> dict[str, int]:
    """Returns once live keys are wrapped under two KEKs: the close has opened the next epoch
    (new keys, and the re-wrapped ones, go under its KEK) and not yet destroyed the old KEK.
    Fails if the close ended first."""
    while not close.done():
        keys = await kek_ids_in_use(deployment)
        if len(keys) >= 2:
            return keys
        await asyncio.sleep(0.02)
    raise AssertionError(f"the close ended before privacy could be killed mid-way: {close}")


@contextlib.asynccontextmanager
async def _streaming(
    deployment: Distributed, stream: Stream, window: int | None
) -> AsyncIterator[Progress]:
    """The stream, running in the background, held to `window` ahead of records; the block's
    faults strike while it flows, and it is all sent when the block ends."""
    progress = Progress(deployment, stream, window)
    following = asyncio.create_task(progress.follow())
    producing = asyncio.create_task(stream.produce())
    try:
        yield progress
        await producing
    finally:
        producing.cancel()
        following.cancel()
        await asyncio.gather(producing, following, return_exceptions=True)


def _in_flight(stream: Stream, before: Tally) -> str:
    """What was under way at the fault; fails if nothing was (the fault would prove nothing)."""
    at_intake = len(before.cases)
    assert stream.sent > before.decided, f"nothing in flight: {stream.sent} sent and decided"
    return f"{stream.sent} sent, {at_intake} at intake, {before.decided} decided in records"


async def _held_and_verified(deployment: Distributed, stream: Stream, started: float) -> None:
    sent_by = time.monotonic()
    held = await until_held(deployment, stream.run, stream.count, PATIENCE_S)
    held_by = time.monotonic()
    report = await verify_log(deployment)
    assert "the log is intact" in report, report
    await _all_serving(deployment)
    print(
        f"{stream.count} consultations ({stream.resends} resends) sent in"
        f" {sent_by - started:.1f} s, all held and decided once"
        f" {held_by - sent_by:.1f} s later ({len(held.cases)} cases);"
        f" verify-log {time.monotonic() - held_by:.1f} s: {report}"
    )


async def _all_serving(deployment: Distributed) -> None:
    async with httpx.AsyncClient(timeout=5.0) as http:
        for name in SERVICES:
            process = deployment.processes[name]
            assert process.poll() is None, f"{name} exited with {process.returncode}"
            answer = await http.get(f"{getattr(deployment.urls, name)}/readyz")
            assert answer.status_code == 200, f"{name} not ready: {answer.text}"


def _since(started: float) -> str:
    return f"{time.monotonic() - started:.1f} s"


def _all_say(letters: list[DeadLetter], reason: str) -> bool:
    return bool(letters) and all(reason in letter.error for letter in letters)


def _run() -> str:
    return uuid.uuid4().hex[:10]
