"""Test support for the crash test: the intake events that flow, and the policy consumer as a
separate process that can be killed and started again."""

import asyncio
import os
import subprocess
import sys
from collections.abc import AsyncIterator
from pathlib import Path
from typing import IO

from shared.crypto.codec import FieldCodec
from shared.envelope import Envelope
from tests.integration.policy.conftest import REPO_ROOT, PolicyOnKafka
from tests.unit.policy.intake_envelopes import THREAT, consultation, contact, sealed

SUBJECTS, CASES_PER_SUBJECT = 100, 10  # 1,000 consultations, one case each
FOLLOWED_UP = 50  # subjects whose first case gets a final answer, then two repeats
ANSWERED_AT = "2026-11-03T10:00:00+09:00"
REPEATED_AT = ("2026-11-04T10:00:00+09:00", "2026-11-05T10:00:00+09:00")


class Flow:
    """Intake events in publishing order, and what each should yield."""

    def __init__(self) -> None:
        self.events: list[Envelope] = []
        self.repeats: dict[str, int] = {}  # a repeated contact's event id -> its repeat number
        self.followed_cases: set[str] = set()

    @property
    def decidable(self) -> set[str]:
        """Every consultation and every repeat is decided; agent responses are not."""
        consultations = {str(e.event_id) for e in self.events if e.type == "consultation.received"}
        return consultations | set(self.repeats)

    async def stream(self, codec: FieldCodec, run: str) -> AsyncIterator[list[Envelope]]:
        """Encrypts as intake would, ten subjects at a time (cases in parallel, a case's events
        in order), yielding each batch as soon as it is made; `events` grows with them."""
        for first in range(0, SUBJECTS, 10):
            cases = [
                self._case(codec, run, subject, case)
                for subject in range(first, first + 10)
                for case in range(CASES_PER_SUBJECT)
            ]
            batch = [envelope for made in await asyncio.gather(*cases) for envelope in made]
            self.events += batch
            yield batch

    async def _case(self, codec: FieldCodec, run: str, subject: int, case: int) -> list[Envelope]:
        subject_id, case_id = f"{run}-s{subject}", f"{run}-s{subject}-c{case}"
        body = THREAT if case % 5 == 0 else "ケトルから水が漏れます。交換してください。"
        models = [consultation(body)]
        if case == 0 and subject < FOLLOWED_UP:
            self.followed_cases.add(case_id)
            answer = {"kind": "agent_response", "final_answer": True}
            models.append(contact("交換はできません。", ANSWERED_AT, **answer))
            models += [contact("まだ納得できません", at) for at in REPEATED_AT]
        made = [
            await sealed(codec, model, case_id=case_id, subject_id=subject_id) for model in models
        ]
        for number, repeat in enumerate(made[2:], start=1):
            self.repeats[str(repeat.event_id)] = number
        return made


def start_policy(setup: PolicyOnKafka, log: IO[str]) -> subprocess.Popen[bytes]:
    """`policy_process` on the test's databases and topics, under one stable instance id."""
    settings = setup.settings
    environment = {
        **os.environ,
        "CASELOG_BUS": "kafka",
        "KAFKA_BOOTSTRAP_SERVERS": settings.kafka_bootstrap_servers,
        "DATABASE_URL": settings.database_url,
        "CASELOG_KEYSTORE_URL": settings.keystore_url,
        "CASELOG_TOPICS_FILE": str(settings.topics_file),
        "CASELOG_LOG_LEVEL": "INFO",
    }
    prefix = setup.topics.intake.removesuffix("caselog.intake")
    command = [sys.executable, "-m", "tests.integration.policy.policy_process", prefix, "crash"]
    return subprocess.Popen(command, cwd=REPO_ROOT, env=environment, stdout=log, stderr=log)


def log_file(tmp_path: Path) -> IO[str]:
    return (tmp_path / "policy.log").open("w", encoding="utf-8")
