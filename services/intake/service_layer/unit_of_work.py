"""Intake's unit of work: the ledger's transaction, and the key store's when a case is opened.

A consultation's write spans two databases (the ledger claims the ticket, the key store makes
the case's subject links and data key). One unit of work holds both transactions and commits
the key store first, so every recorded event has its key; leaving without `commit()` — a
repeat of a recorded ticket, even one racing it, or any error — rolls both back, so no key or
link is left for a case never kept.
"""

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Self

from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from services.intake.service_layer.messages import Accepted
from services.intake.service_layer.ports import CaseKeys, Ledger, LedgerEntry, WriteBacks
from shared.group_commit import GroupCommit, Kept, Withdrawn
from shared.handling import SqlUnitOfWork


@dataclass(frozen=True, slots=True)
class IntakeStores:
    """Intake's two databases and the repositories built on a transaction of each."""

    ledger_engine: AsyncEngine
    key_store_engine: AsyncEngine
    ledger_on: Callable[[AsyncConnection], Ledger]
    cases_on: Callable[[AsyncConnection], CaseKeys]
    # The write-back table lives in the ledger's database (None: a service without write-back).
    writebacks_on: Callable[[AsyncConnection], WriteBacks] | None = None

    def ledger_work(self) -> "IntakeUnitOfWork":
        """A unit of work on the ledger alone (follow-ups, the outbox, erasures)."""
        return IntakeUnitOfWork(self, opening_case=False)

    def case_opening(self) -> "IntakeUnitOfWork":
        """A unit of work on the key store and the ledger, committed in that order."""
        return IntakeUnitOfWork(self, opening_case=True)


class IntakeUnitOfWork(SqlUnitOfWork):
    """`ledger` always; `cases` only in a unit of work that opens a case."""

    ledger: Ledger
    writebacks: WriteBacks

    def __init__(self, stores: IntakeStores, *, opening_case: bool) -> None:
        engines = (stores.key_store_engine,) if opening_case else ()
        super().__init__(*engines, stores.ledger_engine)
        self._stores = stores
        self._opening_case = opening_case
        self._cases: CaseKeys | None = None

    async def __aenter__(self) -> Self:
        await super().__aenter__()
        stores = self._stores
        self.ledger = stores.ledger_on(self.connection(stores.ledger_engine))
        if stores.writebacks_on is not None:
            self.writebacks = stores.writebacks_on(self.connection(stores.ledger_engine))
        if self._opening_case:
            self._cases = stores.cases_on(self.connection(stores.key_store_engine))
        return self

    @property
    def cases(self) -> CaseKeys:
        if self._cases is None:
            raise RuntimeError("only a case-opening unit of work reaches the key store")
        return self._cases


@dataclass(frozen=True, slots=True)
class CaseOpening:
    """One consultation's part of a group commit: its ledger entry (the case and its first
    event) and the subjects its identities linked in the key store."""

    entry: LedgerEntry
    linked_subjects: tuple[str, ...] = ()


CaseOpenings = GroupCommit[IntakeUnitOfWork, CaseOpening, Accepted]
"""Consultations opening cases, grouped: one case-opening unit of work per group."""


def case_openings(
    stores: IntakeStores, *, window_s: float, max_size: int, concurrency: int
) -> CaseOpenings:
    """Each member opens its case on the key store itself (its subject links, its data key);
    the group's ledger rows go in together, and a ticket recorded before withdraws its
    member, whose key and links then roll back with the try it was in."""

    async def settle(
        uow: IntakeUnitOfWork, openings: Sequence[CaseOpening]
    ) -> list[Kept | Withdrawn[Accepted]]:
        answers = await uow.ledger.record_many([opening.entry for opening in openings])
        return [
            Kept() if isinstance(answer, Accepted) and not answer.duplicate else Withdrawn(answer)
            for answer in answers
        ]

    return GroupCommit(
        stores.case_opening, settle, window_s=window_s, max_size=max_size, concurrency=concurrency
    )
