"""The committed JSON Schemas of the contracts: `schemas/<type>/<version>.json` in the repository.

Exported from each producer's payload model (`caselog schemas export`, `make schemas`); the
files are what a consumer may rely on, so they are read here and never generated at run time.
A personal field carries `"x-personal": "<class>"` (shared.crypto.fields), so the paths and
classes of personal data are read from the contract, not copied into every consumer.
"""

import json
from collections.abc import Iterator, Mapping
from functools import cache
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from shared.contracts.catalogue import CATALOGUE, ContractError, EventContract
from shared.contracts.compatibility import check_backward_compatible
from shared.crypto.fields import PERSONAL_SCHEMA_KEY, FieldClass

Schema = dict[str, Any]
SCHEMAS_DIR = Path(__file__).resolve().parents[2] / "schemas"
JSON_SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"


def schema_path(event_type: str, version: int, directory: Path = SCHEMAS_DIR) -> Path:
    return directory / event_type / f"{version}.json"


def schema_of_model(contract: EventContract, model: type[BaseModel]) -> Schema:
    """The JSON Schema (draft 2020-12) a producer's model gives for `contract`."""
    schema = model.model_json_schema(mode="validation")
    return {
        "$schema": JSON_SCHEMA_DIALECT,
        "$comment": f"{contract.name}, produced by {contract.producer} on {contract.topic}",
        **schema,
    }


def schema_text(schema: Schema) -> str:
    """Stable bytes (sorted keys, fixed indentation), so a file can be committed and diffed."""
    return json.dumps(schema, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


@cache
def committed_schema(event_type: str, version: int) -> Schema:
    path = schema_path(event_type, version)
    try:
        loaded: Schema = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ContractError(f"{event_type} v{version}: no committed schema ({path.name})") from None
    return loaded


def check_producer(
    contract: EventContract, model: type[BaseModel], directory: Path = SCHEMAS_DIR
) -> list[str]:
    """What is wrong between a producer's model and the committed schema of `contract`: a
    change after which the model could not read every stored document of that version (a
    breaking change needs a new version and an upcaster), or a compatible change (an optional
    field added, a bound widened) not exported yet."""
    path = schema_path(contract.type, contract.version, directory)
    if not path.exists():
        return [f"{contract.name}: not exported yet ({path.relative_to(directory.parent)})"]
    committed = json.loads(path.read_text(encoding="utf-8"))
    current = schema_of_model(contract, model)
    # Backward: events stored under the committed schema stay readable with the new model.
    problems = [
        f"{contract.name}: {problem}" for problem in check_backward_compatible(committed, current)
    ]
    if not problems and committed != current:
        problems.append(f"{contract.name}: changed compatibly; export it again (make schemas)")
    return problems


def personal_paths(event_type: str, version: int) -> Mapping[str, FieldClass]:
    """Each personal field of the contract's payload by dotted path (`customer.name`; `[]`
    for the items of a list), with its class."""
    schema = committed_schema(event_type, version)
    return dict(_personal(schema, schema, ""))


def _personal(node: Any, root: Schema, path: str) -> Iterator[tuple[str, FieldClass]]:
    if not isinstance(node, dict):
        return
    node = _resolved(node, root)
    if PERSONAL_SCHEMA_KEY in node:
        yield path, FieldClass(node[PERSONAL_SCHEMA_KEY])
        return
    found: dict[str, FieldClass] = {}
    for branch in node.get("anyOf", ()) + node.get("oneOf", ()):
        found.update(_personal(branch, root, path))
    for name, child in node.get("properties", {}).items():
        found.update(_personal(child, root, f"{path}.{name}" if path else name))
    if isinstance(node.get("items"), dict):
        found.update(_personal(node["items"], root, f"{path}[]"))
    yield from found.items()


def _resolved(node: Schema, root: Schema) -> Schema:
    while isinstance(ref := node.get("$ref"), str):
        target: Any = root
        for part in ref.removeprefix("#/").split("/"):
            target = target[part]
        node = {**target, **{k: v for k, v in node.items() if k != "$ref"}}
    return node


def types_with_personal_fields() -> list[str]:
    """The event types whose latest contract has a personal field (their payloads are sealed)."""
    return [
        event_type
        for event_type in CATALOGUE.types()
        if personal_paths(event_type, CATALOGUE.latest(event_type).version)
    ]
