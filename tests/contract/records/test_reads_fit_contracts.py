"""Records' read models read everything the contracts allow, and records' consumer reads every
declared type (none ignored: the log keeps them all)."""

from services.records.domain.vocabulary import READ_MODELS, StoredAsIs
from services.records.entrypoints.consumer import RECORDS_READS
from shared.contracts.reading import check_reads
from shared.contracts.registry import CONTRACTS


def test_records_consumer_reads_what_the_contracts_allow() -> None:
    assert check_reads(RECORDS_READS) == []


def test_records_consumer_reads_every_declared_type_and_ignores_none() -> None:
    assert set(RECORDS_READS.reads) == set(CONTRACTS.types())
    assert RECORDS_READS.ignores == frozenset()


def test_each_type_records_reads_meaning_from_has_a_read_model_of_its_own() -> None:
    for event_type, model in READ_MODELS.items():
        assert RECORDS_READS.reads[event_type] is model
        assert model is not StoredAsIs, event_type
        assert model.model_fields, event_type
