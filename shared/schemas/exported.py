"""The gate against breaking changes: the registry compared with the schemas exported before."""

import json
import re
from pathlib import Path

from shared.schemas.compatibility import check_backward_compatible
from shared.schemas.registry import SchemaRegistry, schema_file_name

SCHEMA_FILE = re.compile(r"^(?P<type>.+)\.v(?P<version>[1-9][0-9]*)\.schema\.json$")


def check_against_exported(registry: SchemaRegistry, directory: Path) -> list[str]:
    """Problems between the current models and the files in `directory`; empty means safe.

    A version already exported may only change compatibly (old documents of that version
    must stay readable); a breaking change needs a new version with an upcaster. Removing
    an exported version, or leaving a registered one unexported, is reported as well.
    """
    problems = []
    exported: set[tuple[str, int]] = set()
    for path in sorted(directory.glob("*.schema.json")):
        match = SCHEMA_FILE.match(path.name)
        if match is None:
            problems.append(f"{path.name}: not named <type>.v<version>.schema.json")
            continue
        key = (match["type"], int(match["version"]))
        exported.add(key)
        if key[1] not in registry.versions(key[0]):
            problems.append(f"{key[0]} v{key[1]}: exported but no longer registered")
            continue
        old_schema = json.loads(path.read_text(encoding="utf-8"))
        new_schema = registry.json_schema(*key)
        problems.extend(
            f"{key[0]} v{key[1]}: {problem}"
            for problem in check_backward_compatible(old_schema, new_schema)
        )
    for event_type in registry.event_types():
        for version in registry.versions(event_type):
            if (event_type, version) not in exported:
                name = schema_file_name(event_type, version)
                problems.append(f"{event_type} v{version}: not exported yet ({name})")
    return problems
