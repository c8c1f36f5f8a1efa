"""Structured logging: console in development, JSON in production, personal data redacted."""

import functools
import logging
import re
import sys
from collections.abc import Mapping
from typing import Any, TextIO

import structlog
from pydantic import BaseModel
from structlog.typing import EventDict, Processor, WrappedLogger

from shared.personal_data import REDACTED, is_personal_field, scrub_text
from shared.settings import CaselogSettings

# Deeper than any event we log; guards against self-referencing structures.
MAX_DEPTH = 16

# Keys that structlog itself fills in: their values are still scrubbed, but a log
# message or logger name is never dropped whole.
STRUCTURAL_KEYS = frozenset({"event", "level", "logger", "logger_name", "timestamp"})

# Values our own processors write over whatever a caller passed: a level name, a logger
# name from the code, the clock. Nothing personal can reach them, so they are not scanned.
GENERATED_KEYS = frozenset({"level", "logger", "timestamp"})

# A canonical UUID (request and correlation ids, event ids) is 32 hex digits in dashed
# groups: no '@', and no run of 9 digits free of letters on both sides, so neither the
# e-mail nor the phone pattern can match inside it (tests/unit/shared/test_logs_redaction.py
# holds scrub_text to that). Scanning one cost more than the rest of a log line.
_UUID = re.compile(r"[0-9a-fA-F]{8}-(?:[0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}")

# Log keys come from code and repeat on every line; the answer per name never changes.
_is_personal_key = functools.lru_cache(maxsize=4096)(is_personal_field)


def redact_personal_data(
    logger: WrappedLogger, method_name: str, event_dict: EventDict
) -> EventDict:
    """Replace values under personal keys, and e-mail addresses or phone numbers anywhere.

    A processor, so that redaction never depends on the discipline of whoever logs.
    """
    return {
        key: value if key in GENERATED_KEYS else _redact_item(key, value, 0)
        for key, value in event_dict.items()
    }


def _redact_item(key: object, value: Any, depth: int) -> Any:
    if isinstance(key, str) and key not in STRUCTURAL_KEYS and _is_personal_key(key):
        return REDACTED
    return _redact_value(value, depth)


def _redact_value(value: Any, depth: int) -> Any:
    if depth > MAX_DEPTH:
        return REDACTED
    if isinstance(value, str):
        return value if len(value) == 36 and _UUID.fullmatch(value) else scrub_text(value)
    if isinstance(value, BaseModel):
        value = value.model_dump(mode="json")
    if isinstance(value, Mapping):
        return {key: _redact_item(key, item, depth + 1) for key, item in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [_redact_value(item, depth + 1) for item in value]
    return value


def _processors() -> list[Processor]:
    """The chain for our own events and, as pre-chain, for records of foreign libraries."""
    return [
        structlog.contextvars.merge_contextvars,
        structlog.stdlib.add_log_level,
        structlog.stdlib.add_logger_name,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
        structlog.processors.StackInfoRenderer(),
        # Plain text tracebacks: the rich and dict formatters would print local
        # variables, which hold personal data. The text passes through redaction next.
        structlog.processors.format_exc_info,
        redact_personal_data,
    ]


def configure_logging(settings: CaselogSettings, *, stream: TextIO | None = None) -> None:
    """Route structlog and the standard library (uvicorn, SQLAlchemy, aiokafka) through one chain.

    Call once at start-up; calling again replaces the previous configuration.
    """
    output = stream if stream is not None else sys.stderr
    renderer: Processor
    if settings.environment == "production":
        renderer = structlog.processors.JSONRenderer(sort_keys=True)
    else:
        renderer = structlog.dev.ConsoleRenderer(
            colors=output.isatty(), exception_formatter=structlog.dev.plain_traceback
        )
    handler = logging.StreamHandler(output)
    handler.setFormatter(
        structlog.stdlib.ProcessorFormatter(
            foreign_pre_chain=_processors(),
            processors=[structlog.stdlib.ProcessorFormatter.remove_processors_meta, renderer],
        )
    )
    root = logging.getLogger()
    root.handlers = [handler]
    root.setLevel(settings.log_level)
    structlog.configure(
        processors=[*_processors(), structlog.stdlib.ProcessorFormatter.wrap_for_formatter],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        # The chain is the same in every environment (only the handler differs), so
        # loggers cached before a reconfiguration stay correct.
        cache_logger_on_first_use=True,
    )
