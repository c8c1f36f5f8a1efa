"""Header text for stored messages: the one encoding the embedded log and the outboxes share."""

from shared.bus.messages import decode_headers, encode_headers


def test_headers_survive_encoding_with_names_order_and_any_bytes() -> None:
    headers = (("caselog.type", b"consultation.received"), ("raw", b"\x00\xff"), ("raw", b""))
    text = encode_headers(headers)
    assert decode_headers(text) == headers
    assert "AP8=" in text, "values are kept in base64, never as raw bytes"
    assert decode_headers(encode_headers(())) == ()
