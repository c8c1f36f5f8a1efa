"""The JSON Schemas of the contracts, committed as `schemas/<type>/<version>.json`.

Exported from each contract's payload model (`make schemas`); CI (`check_exported`) fails when
a model is no longer backward compatible with its committed file, or a file is missing, stale
or left over. A personal field carries `"x-personal": "<class>"` (shared/crypto/fields.py).

    python -m shared.contracts.schemas export   # write every file
    python -m shared.contracts.schemas check    # list what is wrong, exit 1 if anything
"""

import json
import sys
from pathlib import Path
from typing import Any

from shared.contracts.compatibility import check_backward_compatible
from shared.contracts.declaring import ContractRegistry, EventContract
from shared.contracts.registry import CONTRACTS

Schema = dict[str, Any]
SCHEMAS_DIR = Path(__file__).resolve().parents[2] / "schemas"
JSON_SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"


def schema_path(event_type: str, version: int, directory: Path = SCHEMAS_DIR) -> Path:
    return directory / event_type / f"{version}.json"


def schema_of(contract: EventContract) -> Schema:
    """The JSON Schema (draft 2020-12) of the contract's payload model."""
    schema = contract.payload.model_json_schema(mode="validation")
    return {
        "$schema": JSON_SCHEMA_DIALECT,
        "$comment": f"{contract.name}, produced by {contract.producer}: {contract.description}",
        **schema,
    }


def schema_text(schema: Schema) -> str:
    """Stable bytes (sorted keys, fixed indentation), so a file can be committed and diffed."""
    return json.dumps(schema, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def export_schemas(
    registry: ContractRegistry = CONTRACTS, directory: Path = SCHEMAS_DIR
) -> list[Path]:
    """Write every contract's schema file; returns the paths written."""
    written = []
    for contract in registry:
        path = schema_path(contract.type, contract.version, directory)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(schema_text(schema_of(contract)), encoding="utf-8")
        written.append(path)
    return written


def check_exported(
    registry: ContractRegistry = CONTRACTS, directory: Path = SCHEMAS_DIR
) -> list[str]:
    """Problems between the current models and the committed files; empty means safe.

    A committed version may only change compatibly (every stored document of that version
    stays readable by the model); a breaking change needs a new version and an upcaster.
    A compatible change not exported yet, a contract without a file and a file without a
    contract are reported too, so the files always say what the code does.
    """
    problems = []
    declared = set()
    for contract in registry:
        path = schema_path(contract.type, contract.version, directory)
        declared.add(path)
        if not path.exists():
            problems.append(f"{contract.name}: not exported yet ({_shown(path, directory)})")
            continue
        committed = json.loads(path.read_text(encoding="utf-8"))
        current = schema_of(contract)
        found = check_backward_compatible(committed, current)
        problems += [f"{contract.name}: {problem}" for problem in found]
        if not found and schema_text(committed) != schema_text(current):
            problems.append(f"{contract.name}: changed compatibly; export it again (make schemas)")
    for path in sorted(directory.glob("*/*.json")):
        if path not in declared:
            problems.append(f"{_shown(path, directory)}: no contract declares it")
    return problems


def _shown(path: Path, directory: Path) -> str:
    return str(path.relative_to(directory.parent))


def main(argv: list[str]) -> int:
    if argv == ["export"]:
        for path in export_schemas():
            print(_shown(path, SCHEMAS_DIR))
        return 0
    if argv == ["check"]:
        problems = check_exported()
        for problem in problems:
            print(problem, file=sys.stderr)
        return 1 if problems else 0
    print("usage: python -m shared.contracts.schemas export|check", file=sys.stderr)
    return 2


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
