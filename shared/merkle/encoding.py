"""Standard base64 (RFC 4648 §4) as the C2SP formats use it, decoded strictly."""

import base64
import binascii


def encode(raw: bytes) -> str:
    return base64.b64encode(raw).decode("ascii")


def decode(text: str) -> bytes:
    """Decodes canonical base64 only, raising ValueError otherwise.

    Lenient decoders ignore the unused low bits of the last character, so two different
    strings would carry the same signature; a tamper check must see every changed byte.
    """
    try:
        raw = base64.b64decode(text.encode("ascii"), validate=True)
    except (UnicodeEncodeError, binascii.Error) as error:
        raise ValueError("not standard base64") from error
    if encode(raw) != text:
        raise ValueError("not canonical base64")
    return raw
