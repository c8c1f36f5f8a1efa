"""Erasure receipts and completion statements signed with Ed25519 as C2SP signed notes, and
their offline verification.

The key comes from settings (a `PRIVATE+KEY+...` note key, or a file holding one); in
development one is generated into `privacy_dev_signing_key_file` on first use; production
refuses to start without one.
"""

import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from services.privacy.domain.errors import ReceiptVerificationError, SigningKeyError
from services.privacy.domain.log_binding import binding_mismatch
from services.privacy.domain.receipt import (
    CompletionStatement,
    ErasureReceipt,
    ErasureState,
    RecordsCheckpoint,
    SignedCompletion,
    SignedReceipt,
    completion_from_text,
    completion_text,
    receipt_from_text,
    receipt_text,
)
from shared.bundle.log_binding import (
    LogBindingError,
    ProvedEvents,
    parse_log_binding,
    prove_events,
)
from shared.merkle.checkpoint import Checkpoint, open_checkpoint
from shared.merkle.cosignature import CosignatureVerifier
from shared.merkle.errors import NoteError
from shared.merkle.keys import NoteSigner, NoteVerifier
from shared.merkle.note import open_note, parse_note, sign_note
from shared.secret_files import read_private_text
from shared.settings import CaselogSettings
from shared.validation import summarize

KEY_NAME = "caselog-privacy"


class NoteReceiptSigner:
    def __init__(self, signer: NoteSigner) -> None:
        self._signer = signer

    @property
    def verifier_key(self) -> str:
        return self._signer.verifier.key_string()

    def sign(self, receipt: ErasureReceipt) -> SignedReceipt:
        return SignedReceipt(
            receipt=receipt.model_dump(mode="json"),
            signed_note=sign_note(receipt_text(receipt), [self._signer]),
            verifier_key=self.verifier_key,
        )

    def sign_completion(self, statement: CompletionStatement) -> SignedCompletion:
        return SignedCompletion(
            statement=statement.model_dump(mode="json"),
            signed_note=sign_note(completion_text(statement), [self._signer]),
            verifier_key=self.verifier_key,
        )


@dataclass(frozen=True, slots=True)
class VerifiedReceipt:
    receipt: ErasureReceipt
    verifier_key: str
    bundled_key: bool  # verified with the key inside the file: proves integrity, not origin
    completion: CompletionStatement | None = None  # verified with the same key, and names it
    # The size of the records checkpoint the log binding proved every event in, if checked.
    bound_at: int | None = None
    binding_unchecked: bool = False  # the file has one, but no records key was given
    witnesses: tuple[str, ...] = ()  # the trusted witnesses that cosigned the bound checkpoint

    @property
    def state(self) -> ErasureState:
        return ErasureState.COMPLETE if self.completion is not None else ErasureState.PENDING


def verify_receipt(
    document: str | bytes,
    trusted_key: str | None = None,
    records_key: str | None = None,
    *,
    require_binding: bool = False,
    witnesses: Sequence[CosignatureVerifier] = (),
    quorum: int = 0,
) -> VerifiedReceipt:
    """The receipt if its signature verifies and no field differs from what was signed; with
    its completion statement, if the file holds one, verified by the same key and shown to
    complete this receipt (else the whole file fails). A bound records checkpoint must be a
    checkpoint whose tree includes every event position the receipt lists; with
    `records_key` (the log's note verifier key) its signature is checked too.

    A log binding in the file MUST prove, with `records_key` pinned, that every one of the
    receipt's `subject.erased` events is in its checkpoint, and nothing else; without
    `records_key` it is left unchecked (and said so), as the bound checkpoint's signature is.
    With `require_binding` a receipt that has events but no checked binding fails; with
    `witnesses`, so does one whose bound checkpoint fewer than `quorum` of them cosigned."""
    try:
        signed = SignedReceipt.model_validate_json(document)
    except ValidationError as error:
        raise ReceiptVerificationError(f"not an erasure receipt: {summarize(error)}") from None
    key = (trusted_key or signed.verifier_key).strip()
    verifier = _verifier(key)
    receipt = receipt_from_text(_open(signed.signed_note, verifier, "signature"), signed.receipt)
    _check_binding(receipt.records_checkpoint, records_key)
    witnessed = _Witnessed(tuple(witnesses), quorum)
    proved = _check_log_binding(
        receipt, signed.log_binding, records_key, require_binding or bool(witnesses), witnessed
    )
    completion = None
    if signed.completion is not None:
        text = _open(signed.completion.signed_note, verifier, "completion signature")
        completion = completion_from_text(text, signed.completion.statement)
        unmet = completion.completes_receipt(receipt)
        if unmet is not None:
            raise ReceiptVerificationError(f"completion: {unmet}")
    return VerifiedReceipt(
        receipt,
        key,
        trusted_key is None,
        completion,
        bound_at=None if proved is None else proved.checkpoint.size,
        binding_unchecked=proved is None and signed.log_binding is not None,
        witnesses=() if proved is None else proved.witnesses,
    )


@dataclass(frozen=True, slots=True)
class _Witnessed:
    """The witnesses of which `quorum` must have cosigned the bound checkpoint."""

    witnesses: tuple[CosignatureVerifier, ...]
    quorum: int


def _check_log_binding(
    receipt: ErasureReceipt,
    document: dict[str, Any] | None,
    records_key: str | None,
    required: bool,
    witnessed: _Witnessed,
) -> ProvedEvents | None:
    """What the binding proved of every event of the receipt, None if there is none."""
    if document is None:
        if required and receipt.event_ids:
            raise ReceiptVerificationError(
                "log binding: the file has none (GET /records/v1/proofs/erasures with the"
                " receipt's event_ids, put into the file as log_binding)"
            )
        return None
    if records_key is None:
        if required:
            raise ReceiptVerificationError("log binding: pass the records log key to check it")
        return None
    try:
        proved = prove_events(
            parse_log_binding(document),
            [_verifier(records_key.strip())],
            witnessed.witnesses,
            witnessed.quorum,
        )
    except LogBindingError as error:
        raise ReceiptVerificationError(f"log binding: {error}") from None
    unmet = binding_mismatch(receipt, proved.events)
    if unmet is not None:
        raise ReceiptVerificationError(f"log binding: {unmet}")
    return proved


def _check_binding(bound: RecordsCheckpoint, records_key: str | None) -> None:
    if not bound.bound:
        return
    if bound.note is None or not bound.event_positions:
        raise ReceiptVerificationError("records checkpoint: bound without a note or positions")
    try:
        if records_key is None:
            checkpoint = Checkpoint.parse(parse_note(bound.note).text)
        else:
            checkpoint = open_checkpoint(bound.note, [_verifier(records_key.strip())])
    except NoteError as error:
        raise ReceiptVerificationError(f"records checkpoint: {error}") from None
    if checkpoint.size != bound.checkpoint_size or checkpoint.size <= max(bound.event_positions):
        raise ReceiptVerificationError(
            "records checkpoint: its tree does not include every event of the receipt"
        )


def _verifier(key: str) -> NoteVerifier:
    try:
        return NoteVerifier.parse(key)
    except NoteError as error:
        raise ReceiptVerificationError(f"verifier key: {error}") from None


def _open(note: str, verifier: NoteVerifier, what: str) -> str:
    try:
        return open_note(note, [verifier]).text
    except NoteError as error:
        raise ReceiptVerificationError(f"{what}: {error}") from None


def load_receipt_signer(settings: CaselogSettings) -> NoteReceiptSigner:
    secret = settings.privacy_signing_key.get_secret_value().strip()
    if secret:
        return NoteReceiptSigner(_parse(secret, "privacy_signing_key"))
    if settings.privacy_signing_key_file is not None:
        path = settings.privacy_signing_key_file
        return NoteReceiptSigner(_parse(_read(path), f"key file {path}"))
    if settings.environment == "production":
        raise SigningKeyError(
            "production needs a receipt signing key: set CASELOG_PRIVACY_SIGNING_KEY or"
            " CASELOG_PRIVACY_SIGNING_KEY_FILE (`caselog receipt-key` makes one)"
        )
    return NoteReceiptSigner(_development_key(settings.privacy_dev_signing_key_file))


def _development_key(path: Path) -> NoteSigner:
    path.parent.mkdir(parents=True, exist_ok=True)
    signer = NoteSigner.generate(KEY_NAME)
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:  # another process of this deployment made it first
        return _parse(_read(path), f"key file {path}")
    with os.fdopen(descriptor, "w", encoding="ascii") as file:
        file.write(signer.key_string() + "\n")
    path.with_suffix(".pub").write_text(signer.verifier.key_string() + "\n", encoding="ascii")
    return signer


def _read(path: Path) -> str:
    try:
        return read_private_text(path).strip()
    except (OSError, UnicodeDecodeError) as error:
        raise SigningKeyError(f"cannot read key file {path}: {type(error).__name__}") from None


def _parse(text: str, source: str) -> NoteSigner:
    try:
        return NoteSigner.parse(text)
    except NoteError:
        raise SigningKeyError(f"{source} is not a PRIVATE+KEY+ note signer key") from None
