"""What records publishes today (`access.recorded`, `records.acknowledged`) is what its
contracts in shared/contracts/records.py declare: the contract model reads every payload."""

from datetime import UTC, datetime

from services.records.domain.access import Reveal, access_event
from services.records.domain.acknowledgements import acknowledgements
from services.records.domain.checkpoints import StoredCheckpoint
from services.records.domain.events import Appended, ReceivedEvent
from services.records.domain.timeline import Window
from shared.auth.roles import Role
from shared.contracts import records
from shared.envelope import Envelope

T0 = datetime(2026, 12, 1, 9, 30, tzinfo=UTC)


def test_an_access_event_fits_the_access_recorded_contract() -> None:
    reveal = Reveal("legal-1", Role.LEGAL, "令和8年(ワ)第123号", None)
    made = access_event(
        reveal,
        case_id="case-1",
        subject_id="s-1",
        view="timeline",
        window=Window(as_of=T0),
        fields={"e-1": ["customer.name"], "e-2": []},
        correlation_id="c-1",
        now=T0,
    )
    contract = records.ACCESS_RECORDED
    assert (made.type, made.schema_version, made.producer) == (
        contract.type,
        contract.version,
        contract.producer,
    )
    read = contract.payload.model_validate(made.payload)
    assert isinstance(read, records.AccessRecorded)
    assert read.revealed == (records.RevealedFields(event_id="e-1", fields=("customer.name",)),)
    assert read.as_of == T0


def test_an_acknowledgement_fits_the_records_acknowledged_contract() -> None:
    opened = Envelope(
        type="consultation.received",
        schema_version=1,
        case_id="case-1",
        occurred_at=T0,
        producer="intake",
        correlation_id="c-1",
    )
    checkpoint = StoredCheckpoint(size=4, root_hash=b"\0" * 32, note="note\n", issued_at=T0)
    [made] = acknowledgements(
        [ReceivedEvent(opened)],
        [Appended(str(opened.event_id), 3, 0, True)],
        tree_size=4,
        checkpoint=checkpoint,
        now=T0,
    )
    contract = records.RECORDS_ACKNOWLEDGED
    assert (made.type, made.schema_version) == (contract.type, contract.version)
    read = contract.payload.model_validate(made.payload)
    assert isinstance(read, records.RecordsAcknowledged)
    assert (read.position, read.checkpoint_size) == (3, 4)
