"""The console's multipart reader: a file's bytes exactly as a browser (here httpx) sent them,
the text fields beside it, and None for what is not multipart/form-data."""

import httpx

from services.console.entrypoints.uploads import parse_multipart

# Bytes a text reader would change: CRLF and a lone CR, UTF-8 Japanese, a boundary look-alike.
AWKWARD = '{\r\n  "a": "日本語"\r}\n--not-the-boundary\r\n\r\n'.encode() + bytes(range(256))


def _posted(files: dict[str, tuple[str, bytes]], data: dict[str, str]) -> tuple[str, bytes]:
    request = httpx.Request("POST", "http://console/", files=files, data=data)
    return request.headers["content-type"], request.read()


def test_a_file_comes_back_byte_for_byte_with_the_fields_beside_it() -> None:
    content_type, body = _posted({"bundle": ("b.json", AWKWARD)}, {"csrf": "token-1"})
    posted = parse_multipart(content_type, body)
    assert posted is not None
    assert posted.files == {"bundle": AWKWARD}
    assert posted.fields == {"csrf": "token-1"}


def test_what_is_not_multipart_or_is_cut_short_is_not_read() -> None:
    content_type, body = _posted({"bundle": ("b.json", b"{}")}, {"csrf": "t"})
    assert parse_multipart("application/json", body) is None
    assert parse_multipart("multipart/form-data", body) is None  # no boundary
    assert parse_multipart(content_type, body[: len(body) // 2]) is None
    assert parse_multipart(content_type.replace("boundary=", "boundary=x"), body) is None
