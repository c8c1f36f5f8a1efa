"""CI's guard on the committed JSON Schemas (`schemas/<type>/<version>.json`): the current
models must stay backward compatible with them, and the files must say what the code does.
The tests below the first show the guard can fail."""

import json
import shutil
from datetime import datetime
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field

from shared.contracts import intake
from shared.contracts.declaring import ContractRegistry, EventContract
from shared.contracts.schemas import (
    SCHEMAS_DIR,
    check_exported,
    export_schemas,
    schema_of,
    schema_path,
)
from shared.crypto.fields import PERSONAL_SCHEMA_KEY


def test_the_committed_schemas_match_the_contracts() -> None:
    problems = check_exported()
    # A breaking change needs a new version and an upcaster; a compatible one, `make schemas`.
    assert problems == [], "\n".join(problems)


def test_the_committed_schema_marks_each_personal_field_with_its_class() -> None:
    committed = json.loads(schema_path("contact.logged", 1).read_text(encoding="utf-8"))
    assert committed["properties"]["body"][PERSONAL_SCHEMA_KEY] == "content"


class LinkedV1Changed(BaseModel):
    """subject.linked v1 as a careless change would leave it."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    subject_id: str
    linked_subject_ids: tuple[str, ...] = Field(min_length=1)
    linked_at: int  # was a date-time
    merged_by: str  # newly required: old events do not have it


class LinkedV1Extended(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    subject_id: str
    linked_subject_ids: tuple[str, ...] = Field(min_length=1)
    linked_at: datetime
    merged_by: str | None = None  # optional: old events stay readable


def committed_copy(tmp_path: Path) -> Path:
    directory = tmp_path / "schemas"
    shutil.copytree(SCHEMAS_DIR / "subject.linked", directory / "subject.linked")
    return directory


def one(model: type[BaseModel]) -> ContractRegistry:
    linked = intake.SUBJECT_LINKED
    return ContractRegistry([EventContract(linked.type, 1, "intake", model, linked.description)])


def test_a_breaking_change_to_a_committed_version_fails_the_check(tmp_path: Path) -> None:
    directory = committed_copy(tmp_path)
    assert check_exported(one(intake.SubjectLinked), directory) == []

    problems = check_exported(one(LinkedV1Changed), directory)

    assert "subject.linked v1: $.merged_by: newly required" in problems
    assert any(p.startswith("subject.linked v1: $.linked_at: ") for p in problems)


def test_a_compatible_change_not_exported_yet_fails_until_it_is(tmp_path: Path) -> None:
    directory = committed_copy(tmp_path)
    registry = one(LinkedV1Extended)
    assert check_exported(registry, directory) == [
        "subject.linked v1: changed compatibly; export it again (make schemas)"
    ]
    export_schemas(registry, directory)
    assert check_exported(registry, directory) == []


def test_a_missing_file_and_a_file_no_contract_declares_are_reported(tmp_path: Path) -> None:
    directory = committed_copy(tmp_path)
    registry = ContractRegistry([intake.SUBJECT_LINKED, intake.CLOSURE_REQUESTED])
    (directory / "case.closed").mkdir()
    (directory / "case.closed" / "1.json").write_text("{}", encoding="utf-8")

    assert check_exported(registry, directory) == [
        "closure.requested v1: not exported yet (schemas/closure.requested/1.json)",
        "schemas/case.closed/1.json: no contract declares it",
    ]


def test_the_export_is_stable_bytes() -> None:
    first = schema_of(intake.CONSULTATION_RECEIVED)
    again = schema_of(intake.CONSULTATION_RECEIVED)
    assert json.dumps(first, sort_keys=True) == json.dumps(again, sort_keys=True)
    path = schema_path("consultation.received", 1)
    assert path.read_text(encoding="utf-8").endswith("}\n")
