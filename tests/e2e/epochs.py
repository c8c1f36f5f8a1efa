"""Key epochs in the distributed runtime, for tests: close one through privacy's admin route, and
check afterwards that every live case still decrypts (each key unwrapped from the key store as a
cold process would, and a sample revealed through records)."""

import asyncio
import json
import subprocess
import sys
import time
from dataclasses import dataclass
from typing import Any

import httpx

from shared.auth.development import development_issuer
from shared.auth.roles import Role
from shared.crypto.epoch_rows import LEASE_S
from tests.e2e.distributed import REPO_ROOT, Distributed
from tests.e2e.tally import rows

CLOSE_ROUTE = "/v1/keys/epochs/close"
CLOSER = Role.ADMIN
CLOSE_S = 240.0  # a close re-wraps every live key, while the stream flows
# A close killed mid-way holds its lease until it expires (shared.crypto.epoch_rows.LEASE_S):
# until then a new close answers 409; then it finishes the interrupted one.
LEASE_PATIENCE_S = LEASE_S + 60.0
UNWRAP_S = 300.0
REVEAL_CONCURRENCY = 8
PURPOSE = "e2e check that an epoch close kept every key"


@dataclass(frozen=True, slots=True)
class Closure:
    """What privacy answered for one close, and how long it took."""

    answer: dict[str, Any]
    seconds: float

    @property
    def closed_epoch(self) -> int:
        return int(self.answer["closed"]["number"])

    @property
    def rewrapped_keys(self) -> int:
        return int(self.answer["rewrapped_keys"])


def bearer(deployment: Distributed, role: Role) -> dict[str, str]:
    """A token of the development issuer the deployment trusts (its JWKS in `folder`/auth)."""
    issuer = development_issuer(deployment.folder / "auth")
    return {"Authorization": f"Bearer {issuer.token(f'e2e-{role.value}', [role], 'caselog')}"}


async def close_epoch(deployment: Distributed, patience_s: float = 0.0) -> Closure:
    """Closes the current epoch through privacy; fails unless privacy answers 200 (within
    `patience_s`, 409 "another close runs" is asked again)."""
    started = time.monotonic()
    async with httpx.AsyncClient(timeout=CLOSE_S) as http:
        while True:
            answer = await http.post(
                f"{deployment.urls.privacy}{CLOSE_ROUTE}", headers=bearer(deployment, CLOSER)
            )
            if answer.status_code != 409 or time.monotonic() - started > patience_s:
                break
            await asyncio.sleep(1.0)
    assert answer.status_code == 200, f"epoch close: {answer.status_code} {answer.text}"
    return Closure(answer.json(), time.monotonic() - started)


async def every_case(deployment: Distributed) -> list[str]:
    """Every case intake ever opened in the deployment."""
    found = await rows(deployment.databases["intake"], "SELECT case_id FROM intake_cases")
    return sorted(str(case_id) for (case_id,) in found)


async def unwrap_every_key(deployment: Distributed, case_ids: list[str]) -> dict[str, Any]:
    """Each case's data key unwrapped from the key store by a fresh process with records'
    settings (its KEKs, its keyring): {"unwrapped": n, "failed": {case: error}}."""
    result = await asyncio.to_thread(
        subprocess.run,
        [sys.executable, "-m", "tests.e2e.unwrap_keys"],
        input="\n".join(case_ids),
        env={**deployment.environments["records"], "PYTHONPATH": str(REPO_ROOT)},
        cwd=deployment.folder,  # where the services run: their keyring is data/keyring there
        capture_output=True,
        text=True,
        timeout=UNWRAP_S,
        check=False,
    )
    assert result.returncode == 0, f"unwrap_keys failed:\n{result.stderr[-3000:]}"
    report: dict[str, Any] = json.loads(result.stdout.strip().splitlines()[-1])
    return report


async def reveal(deployment: Distributed, case_ids: list[str]) -> list[str]:
    """Reveals each case's timeline through records as legal; the cases that did not come
    back in plaintext (an answer other than 200, or a payload shown `[erased]`)."""
    headers = bearer(deployment, Role.LEGAL)
    limit = asyncio.Semaphore(REVEAL_CONCURRENCY)
    async with httpx.AsyncClient(timeout=30.0) as http:

        async def revealed(case_id: str) -> bool:
            async with limit:
                answer = await http.get(
                    f"{deployment.urls.records}/v1/cases/{case_id}/timeline",
                    params={"reveal": "true", "purpose": PURPOSE},
                    headers=headers,
                )
            return answer.status_code == 200 and "[erased]" not in answer.text

        results = await asyncio.gather(*map(revealed, case_ids))
    return [case_id for case_id, ok in zip(case_ids, results, strict=True) if not ok]


async def events_of_type(deployment: Distributed, event_type: str) -> int:
    """How many events of `event_type` records holds."""
    ((count,),) = await rows(
        deployment.databases["records"],
        "SELECT count(*) FROM events WHERE event_type = :type",
        type=event_type,
    )
    return int(count)


async def kek_ids_in_use(deployment: Distributed) -> dict[str, int]:
    """Live data keys in the key store, by the KEK that wraps them."""
    found = await rows(
        deployment.databases["keystore"],
        "SELECT kek_id, count(*) FROM caselog_data_keys WHERE wrapped IS NOT NULL GROUP BY kek_id",
    )
    return {str(kek_id): int(count) for kek_id, count in found}
