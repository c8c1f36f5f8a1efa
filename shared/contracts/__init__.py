"""The event contracts: one declaration per event type and version, one registry, one way to
produce and one way to consume. docs/decisions/0018-event-contracts.md says why.

Declaring (one module per producer: `intake.py`, `policy.py`, `records.py`, `privacy.py`)::

    CONSULTATION_RECEIVED = EventContract(
        "consultation.received", 1, "intake", Consultation, "a consultation opened a case"
    )

`EventContract(type, version, producer, payload, description, key=MessageKey.SUBJECT)`;
`payload` is the producer's pydantic wire model, living in that module; `.personal_fields`
(path -> identity/content/recording) is derived from its `Identity[...]`/`Content[...]`/
`Recording[...]` annotations. Upcasters: `UPCASTERS[(type, from_version)] = fn(payload) ->
payload` in the declaration module; `READ_AS_IS`: older versions a reader takes as they are.

Registry: `shared.contracts.registry.CONTRACTS` (`ContractRegistry`): `types()`,
`versions(t)`, `knows(t, v)`, `get(t, v)`, `latest(t)`, `latest_contracts()`,
`produced_by(p)`, `upcast(t, v, payload)`, `check_complete()`.

Producing: `CONTRACT.envelope(model, case_id=, subject_id=, occurred_at=, correlation_id=,
causation_id=None, event_id=None, recorded_at=None)` and `CONTRACT.follow_up(cause, model)`:
type, version and producer from the contract, payload dumped in JSON mode.

Consuming (`shared.contracts.reading`): declare once per consumer::

    READS = ConsumerReads("privacy", reads={"consultation.received": ConsultationView},
                          ignores=frozenset({"access.recorded"}))

`READS.decode(envelope)` -> the read model (upcast to the latest version first), or None for
a declared ignore; `model_for(envelope)` + `payload(envelope)` for a consumer that opens sealed
fields first, then `decode(envelope, opened)`. An undeclared type or version, or a type the
consumer neither reads nor ignores, raises `UnknownEventError` (a PermanentHandlingError whose
text names type, version and consumer, never a value): the bus dead-letters it with that
reason in the `error` header. A payload its read model rejects: `UnreadablePayloadError`.
`check_reads(READS)` -> problems (a field the contract lacks, a narrower type, a field
required that is optional, another personal class); each consumer's contract test asserts [].

Schemas (`shared.contracts.schemas`): `schemas/<type>/<version>.json` exported by `make
schemas`; `check_exported()` is CI's backward-compatibility and staleness guard.
"""
