"""A file posted to the console (multipart/form-data, as a browser's file input sends it): read
up to a size limit, its text fields and files by name, and its CSRF token checked as any
form's is, before route code runs.

No multipart library is a dependency (Starlette's form parser needs python-multipart, which
is not in the lock), and the format is small (RFC 7578 on RFC 2046's boundaries): parts
between `--boundary` lines, each with a Content-Disposition header naming it. A file's bytes
are kept exactly as sent: a bundle's verification depends on every one of them.
"""

from dataclasses import dataclass
from email.message import Message
from email.parser import BytesHeaderParser
from email.policy import HTTP
from typing import Annotated

from fastapi import Depends, Request

from services.console.entrypoints.visits import Visit, read_body, visit
from services.console.service_layer.errors import ConsoleError

MAX_UPLOAD_BYTES = 16 * 1024 * 1024  # the bundle of a case of several thousand events
MAX_PARTS = 8  # the console's upload form has a token and a file
FORM_OVERHEAD_BYTES = 16 * 1024  # boundaries, part headers and the CSRF field
MAX_FIELD_CHARS = 1024


class UploadTooLargeError(ConsoleError):
    """A posted file larger than the console accepts; `limit_bytes` is said on the page."""

    def __init__(self, limit_bytes: int) -> None:
        super().__init__(f"an upload larger than {limit_bytes} bytes")
        self.limit_bytes = limit_bytes


@dataclass(frozen=True)
class Multipart:
    fields: dict[str, str]
    files: dict[str, bytes]


def parse_multipart(content_type: str, body: bytes) -> Multipart | None:
    """The form's fields and files by name (the first of each), or None if the body is not
    multipart/form-data with the boundary its Content-Type names."""
    header = Message(policy=HTTP)
    header["Content-Type"] = content_type
    boundary = header.get_param("boundary")
    if header.get_content_type() != "multipart/form-data" or not isinstance(boundary, str):
        return None
    delimiter = b"\r\n--" + boundary.encode("latin-1")
    sections = (b"\r\n" + body).split(delimiter)
    if len(sections) < 2 or not sections[-1].startswith(b"--"):
        return None  # no closing delimiter: cut short, or not this boundary
    found = Multipart({}, {})
    for section in sections[1:-1][:MAX_PARTS]:
        head, separator, content = section.partition(b"\r\n\r\n")
        if not separator:
            return None
        part = BytesHeaderParser(policy=HTTP).parsebytes(head.lstrip(b" \t\r\n") + b"\r\n\r\n")
        name = part.get_param("name", header="content-disposition")
        if not isinstance(name, str):
            return None
        if part.get_param("filename", header="content-disposition") is not None:
            found.files.setdefault(name, content)
        elif len(content) <= MAX_FIELD_CHARS:
            found.fields.setdefault(name, content.decode("utf-8", errors="replace"))
    return found


async def upload_visit(request: Request) -> Visit:
    """A visit posting a file: a body over the limit is refused (413, the limit said) before
    anything else; the CSRF token is checked as `form_visit` checks it."""
    current = await visit(request)
    body = await read_body(request, MAX_UPLOAD_BYTES + FORM_OVERHEAD_BYTES)
    if body is None:
        raise UploadTooLargeError(MAX_UPLOAD_BYTES)
    posted = parse_multipart(request.headers.get("content-type", ""), body)
    if posted is not None and any(len(f) > MAX_UPLOAD_BYTES for f in posted.files.values()):
        raise UploadTooLargeError(MAX_UPLOAD_BYTES)
    if posted is not None:
        current.form, current.files = posted.fields, posted.files
    current.check_csrf()
    return current


UploadVisitDep = Annotated[Visit, Depends(upload_visit)]
