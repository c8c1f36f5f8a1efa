"""Where each event type keeps its personal fields, and their classes: the contracts' payload
models (shared/contracts/), which the codec reads to reveal them. Derived, never copied."""

from pydantic import BaseModel

from shared.contracts.registry import CONTRACTS

PERSONAL_FIELDS: dict[str, type[BaseModel]] = {
    contract.type: contract.payload
    for contract in CONTRACTS.latest_contracts()
    if contract.personal_fields
}
"""By event type; a type missing here carries no personal field that records could reveal."""
