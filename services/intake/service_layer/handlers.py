"""Intake's handlers: record an event for a command, once, encrypted, then publish it.

One table maps each command to its handler; the handlers live by command family.
"""

from collections.abc import Awaitable, Callable

from services.intake.service_layer.case_events import log_platform_follow_up, record_case_event
from services.intake.service_layer.commands import (
    Accepted,
    AttachRecording,
    LogContact,
    LogPlatformFollowUp,
    RecordConsultation,
    RequestClosure,
)
from services.intake.service_layer.consultations import record_consultation
from services.intake.service_layer.dependencies import IntakeDependencies

__all__ = ["HANDLERS", "Handler", "IntakeDependencies"]

Handler = Callable[..., Awaitable[Accepted]]
HANDLERS: dict[type, Handler] = {
    RecordConsultation: record_consultation,
    LogContact: record_case_event,
    RequestClosure: record_case_event,
    AttachRecording: record_case_event,
    LogPlatformFollowUp: log_platform_follow_up,
}
