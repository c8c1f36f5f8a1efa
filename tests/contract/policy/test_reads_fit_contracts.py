"""Policy's read models of intake's and privacy's events read everything the contracts allow."""

import pytest

from services.policy.adapters.read_models import POLICY_READS_INTAKE, POLICY_READS_PRIVACY
from shared.contracts.reading import ConsumerReads, check_reads


@pytest.mark.parametrize(
    "reads", [POLICY_READS_INTAKE, POLICY_READS_PRIVACY], ids=["intake", "privacy"]
)
def test_policys_consumers_read_what_the_contracts_allow(reads: ConsumerReads) -> None:
    assert check_reads(reads) == []
