"""A file posted to the console (multipart/form-data, as a browser's file input sends it): read
up to a size limit, its text fields and files by name, and its CSRF token checked as any
form's is, before route code runs.

The parts are read by python-multipart (the parser Starlette uses), here on the bytes already
read within the limit, so that the CSRF token is checked as any form's is. A file's bytes are
kept exactly as sent: a bundle's verification depends on every one of them.
"""

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request
from python_multipart import FormParser
from python_multipart.exceptions import FormParserError
from python_multipart.multipart import Field, File, parse_options_header

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
    """The form's fields and files by name (the first of each, at most MAX_PARTS parts), or
    None if the body is not complete multipart/form-data with the boundary its type names."""
    media_type, params = parse_options_header(content_type)
    boundary = params.get(b"boundary")
    if media_type != b"multipart/form-data" or not boundary:
        return None
    found = Multipart({}, {})
    parts = 0

    def on_field(field: Field) -> None:
        nonlocal parts
        parts += 1
        value = field.value or b""
        if parts <= MAX_PARTS and field.field_name is not None and len(value) <= MAX_FIELD_CHARS:
            found.fields.setdefault(field.field_name.decode(), value.decode("utf-8", "replace"))

    def on_file(file: File) -> None:
        nonlocal parts
        parts += 1
        file.file_object.seek(0)
        if parts <= MAX_PARTS and file.field_name is not None:
            found.files.setdefault(file.field_name.decode(), file.file_object.read())

    ended = False

    def on_end() -> None:
        nonlocal ended
        ended = True

    # Kept in memory: the body is already within the limit, and nothing is written to disk.
    config = {"MAX_MEMORY_FILE_SIZE": len(body) + 1, "MAX_BODY_SIZE": len(body) + 1}
    parser = FormParser("multipart/form-data", on_field, on_file, on_end, boundary, config=config)
    try:
        parser.write(body)
        parser.finalize()
    except FormParserError:
        return None
    return found if ended else None  # no closing delimiter: cut short, or not this boundary


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
