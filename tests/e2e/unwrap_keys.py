"""`python -m tests.e2e.unwrap_keys` with a service's environment, case ids on stdin (one a line):
unwraps each case's data key from the key store as a service starting cold would (no cache),
and prints, as JSON, how many unwrapped and which did not (with the error's class)."""

import asyncio
import json
import sys

from shared.crypto.runtime import build_personal_data
from shared.errors import CaselogError
from shared.settings import load_settings


async def unwrap_all(case_ids: list[str]) -> dict[str, object]:
    personal = build_personal_data(load_settings(service_name="e2e-unwrap"))
    failed: dict[str, str] = {}
    try:
        for case_id in case_ids:
            try:
                await personal.keys.get(case_id)
            except CaselogError as error:
                failed[case_id] = type(error).__name__
            personal.keys.evict(case_id)
    finally:
        await personal.close()
    return {"unwrapped": len(case_ids) - len(failed), "failed": failed}


if __name__ == "__main__":
    cases = [line.strip() for line in sys.stdin if line.strip()]
    print(json.dumps(asyncio.run(unwrap_all(cases))))
