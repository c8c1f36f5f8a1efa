"""The consume loop both Kafka consumer kinds share: start, poll, process a batch, close."""

import asyncio
import contextlib
from abc import abstractmethod
from collections.abc import Sequence

import structlog
from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.errors import KafkaError

from shared.bus.errors import BusError
from shared.bus.interface import Consumer
from shared.bus.interface import TopicPartition as BusPartition
from shared.bus.kafka.records import Batch
from shared.bus.policy import DeliveryPolicy

log = structlog.get_logger(__name__)
POLL_TIMEOUT_MS = 200
REWIND_BACKOFF_S = 1.0


class KafkaMember(Consumer):
    """A consumer-group member; subclasses decide how a polled batch is handled and committed."""

    def __init__(
        self,
        bootstrap_servers: str,
        client_id: str,
        group: str,
        topics: Sequence[str],
        policy: DeliveryPolicy,
    ) -> None:
        self.group = group
        self.policy = policy
        self._topics = list(topics)
        self._stop = asyncio.Event()
        self._assigned = asyncio.Event()
        self._bootstrap = bootstrap_servers
        self._client_id = client_id
        self._consumer: AIOKafkaConsumer | None = None

    @property
    def consumer(self) -> AIOKafkaConsumer:
        """The aiokafka consumer; it exists while `run()` runs (it needs the event loop)."""
        if self._consumer is None:
            raise BusError("the consumer is not running")
        return self._consumer

    @property
    def assignment(self) -> frozenset[BusPartition]:
        if self._consumer is None:
            return frozenset()
        return frozenset((tp.topic, tp.partition) for tp in self._consumer.assignment())

    async def wait_assigned(self, timeout_s: float) -> frozenset[BusPartition]:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._assigned.wait(), timeout_s)
        return self.assignment

    def request_stop(self) -> None:
        self._stop.set()

    def stopping(self) -> bool:
        return self._stop.is_set()

    async def run(self) -> None:
        await self._open()
        self.consumer.subscribe(self._topics, listener=self._listener())
        clean = False
        try:
            while not self._stop.is_set():
                batch = await self.consumer.getmany(
                    timeout_ms=POLL_TIMEOUT_MS, max_records=self.policy.batch_size
                )
                if self.consumer.assignment():
                    self._assigned.set()
                if batch:
                    await self._process_or_rewind(await self._lingered(batch))
            clean = True
        except Exception:
            clean = True  # a broker failure is not a crash: keep what was handled
            raise
        finally:
            # A crash (SimulatedCrash, cancellation) must look like a killed process:
            # nothing more is committed, the group notices the member is gone.
            await asyncio.shield(self._close(commit=clean))

    async def _lingered(self, batch: Batch) -> Batch:
        """`batch` topped up with what arrives within the policy's linger, up to its size."""
        count = sum(len(records) for records in batch.values())
        deadline = asyncio.get_running_loop().time() + self.policy.batch_linger_ms / 1000
        while count < self.policy.batch_size and not self._stop.is_set():
            left_ms = int((deadline - asyncio.get_running_loop().time()) * 1000)
            if left_ms <= 0:
                break
            more = await self.consumer.getmany(
                timeout_ms=left_ms, max_records=self.policy.batch_size - count
            )
            for tp, records in more.items():
                batch.setdefault(tp, []).extend(records)
                count += len(records)
        return batch

    async def _process_or_rewind(self, batch: Batch) -> None:
        """A broker error mid-batch (a dead-letter publish failing, say) must not end the
        member: rewind to the committed offsets, back off, and let the batch come again."""
        try:
            await self.process(batch)
        except KafkaError as error:
            log.warning("batch failed; rewinding", group=self.group, error=type(error).__name__)
            await self.rewind(batch)
            await asyncio.sleep(REWIND_BACKOFF_S)

    async def rewind(self, batch: Batch) -> None:
        """Seek the batch's partitions back to their committed offsets (delivered again)."""
        for tp in batch:
            if tp not in self.consumer.assignment():
                continue
            committed = await self.consumer.committed(tp)
            if committed is None:
                await self.consumer.seek_to_beginning(tp)
            else:
                self.consumer.seek(tp, committed)

    async def _open(self) -> None:
        self._consumer = AIOKafkaConsumer(
            bootstrap_servers=self._bootstrap,
            client_id=self._client_id,
            group_id=self.group,
            enable_auto_commit=False,
            auto_offset_reset="earliest",
            isolation_level="read_committed",
            session_timeout_ms=6000,
            heartbeat_interval_ms=500,
            max_poll_interval_ms=300_000,
        )
        await self._consumer.start()

    async def _close(self, commit: bool) -> None:
        try:
            if commit:
                await self.commit_handled()
        finally:
            await self.consumer.stop()
            log.info("consumer stopped", group=self.group, committed=commit)

    @abstractmethod
    def _listener(self) -> object:
        """The rebalance listener of this member."""

    @abstractmethod
    async def process(self, batch: Batch) -> None:
        """Handle one polled batch and commit it."""

    @abstractmethod
    async def commit_handled(self, partitions: Sequence[TopicPartition] | None = None) -> None:
        """Commit what was handled (on `partitions`, or all) and not yet committed."""
