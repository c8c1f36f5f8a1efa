"""Privacy's read models of intake's, policy's, records' and its own events read everything
the contracts allow (SourceView.platform was required while the contract leaves it optional)."""

import pytest

from services.privacy.entrypoints.consumer import (
    INTAKE_READS,
    OWN_READS,
    POLICY_READS,
    RECORDS_READS,
)
from shared.contracts.reading import ConsumerReads, check_reads


@pytest.mark.parametrize(
    "reads",
    [INTAKE_READS, POLICY_READS, RECORDS_READS, OWN_READS],
    ids=["intake", "policy", "records", "privacy"],
)
def test_privacys_consumer_reads_what_the_contracts_allow(reads: ConsumerReads) -> None:
    assert check_reads(reads) == []
