"""Intake's read models of privacy's events read everything the contracts allow."""

from services.intake.entrypoints.erasure import INTAKE_READS_PRIVACY
from shared.contracts.reading import check_reads


def test_intakes_privacy_consumer_reads_fit_the_contracts() -> None:
    assert check_reads(INTAKE_READS_PRIVACY) == []
