"""The one registry of every event contract, gathered from the producers' declaration modules."""

from shared.contracts import intake, policy, privacy, records
from shared.contracts.declaring import ContractRegistry

CONTRACTS = ContractRegistry(
    [*intake.CONTRACTS, *policy.CONTRACTS, *records.CONTRACTS, *privacy.CONTRACTS],
    upcasters=privacy.UPCASTERS,
    read_as_is=privacy.READ_AS_IS,
)
"""Every contract; the one place an event type or version is declared."""
