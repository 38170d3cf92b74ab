"""The wire protocol's value types: strict and bounded, checked before anything is stored.

Strict: an integer is a JSON integer (never "5", 2.0 or true), a time is ISO-8601 text with a
zone (never unix seconds). Bounded: every integer fits the column that holds it (PostgreSQL
BIGINT or INTEGER), every string has a maximum length and no control characters. Pure.
"""

from __future__ import annotations

import base64
import binascii
import re
import uuid
from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, AwareDatetime, BeforeValidator, Field, StrictInt, StrictStr

# What a PostgreSQL BIGINT holds: change numbers, cursors and audit sequence numbers.
MAX_BIGINT = 2**63 - 1
MAX_INT = 2**31 - 1
# Deeper JSON than this is refused before parsing (a recursive parser would overflow).
MAX_JSON_DEPTH = 32
# A cursor is the decimal change number last seen: ASCII digits only, 0..MAX_BIGINT.
CURSOR_PATTERN = r"^[0-9]{1,19}$"
STORE_CODE_PATTERN = r"^[A-Za-z0-9_-]{1,32}$"
TIMESTAMP_PATTERN = r"^[0-9]{1,12}$"
SIGNATURE_PATTERN = r"^[0-9a-fA-F]{64}$"

# Single-line text: no C0/C1 control characters (NUL, ESC, CR, LF...).
LINE_PATTERN = r"^[^\x00-\x1F\x7F-\x9F]*$"
# Multi-line text: tab, LF and CR allowed, no other control character.
LINES_PATTERN = r"^[^\x00-\x08\x0B\x0C\x0E-\x1F\x7F-\x9F]*$"
UUID_PATTERN = r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$"
_ISO_8601 = re.compile(
    r"[0-9]{4}-[0-9]{2}-[0-9]{2}[Tt ][0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]{1,9})?"
    r"([Zz]|[+-][0-9]{2}:[0-9]{2})"
)


def _iso_8601(value: object) -> object:
    """Only an ISO-8601 text with a zone is a time on the wire (never unix seconds)."""
    if isinstance(value, datetime) or (isinstance(value, str) and _ISO_8601.fullmatch(value)):
        return value
    raise ValueError("expected an ISO-8601 date and time with a zone, e.g. 2026-11-26T10:00:00Z")


def _canonical_uuid(value: str) -> str:
    return str(uuid.UUID(value))


Timestamp = Annotated[AwareDatetime, BeforeValidator(_iso_8601)]
MessageId = Annotated[StrictStr, Field(pattern=UUID_PATTERN), AfterValidator(_canonical_uuid)]
StoreCode = Annotated[StrictStr, Field(min_length=1, max_length=32, pattern=STORE_CODE_PATTERN)]
Text = Annotated[StrictStr, Field(max_length=200, pattern=LINE_PATTERN)]
LongText = Annotated[StrictStr, Field(max_length=2000, pattern=LINES_PATTERN)]
Minor = Annotated[StrictInt, Field(ge=0, le=10**12)]
Count = Annotated[StrictInt, Field(ge=0, le=MAX_BIGINT)]
LineNo = Annotated[StrictInt, Field(ge=1, le=MAX_INT)]
Last4 = Annotated[StrictStr, Field(pattern=r"^[0-9]{4}$")]
Currency = Annotated[StrictStr, Field(pattern=r"^[A-Z]{3}$")]
Hash = Annotated[StrictStr, Field(pattern=r"^[0-9a-fA-F]{16,128}$")]
Cursor = Annotated[StrictStr, Field(pattern=CURSOR_PATTERN)]
AuthorizationCode = Annotated[
    StrictStr, Field(pattern=r"^[0-9A-HJKMNP-TV-Z]{10}[0-9A-HJKMNP-TV-Z*~$=U]$")
]  # canonical form, see counter_app.domain.auth_code (check symbol verified there)
StatusToken = Annotated[StrictStr, Field(pattern=r"^[A-Za-z0-9_-]{22}$")]  # 16 random bytes
Tender = Literal["card", "cash", "store_credit", "gift_card", "exchange"]


def matches(pattern: str, value: str) -> bool:
    # fullmatch: "$" alone would let a trailing newline through.
    return re.fullmatch(pattern.strip("^$"), value, flags=re.ASCII) is not None


def valid_store_code(value: str) -> bool:
    return matches(STORE_CODE_PATTERN, value)


def parse_cursor(cursor: str | None) -> int:
    """Cursors are opaque to stores; here they are the last change number seen."""
    if cursor is None or cursor == "":
        return 0
    if not matches(CURSOR_PATTERN, cursor) or int(cursor) > MAX_BIGINT:
        raise ValueError("invalid cursor")
    return int(cursor)


_JSON_TOKENS = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"|[\[\]{}]')


def json_too_deep(body: bytes, limit: int = MAX_JSON_DEPTH) -> bool:
    """Whether arrays and objects nest deeper than `limit` (brackets in strings not counted).

    Checked before `json.loads`, whose recursion would otherwise end in RecursionError."""
    depth = 0
    for token in _JSON_TOKENS.finditer(body):
        char = token.group()[:1]
        if char in (b"[", b"{"):
            depth += 1
            if depth > limit:
                return True
        elif char in (b"]", b"}"):
            depth -= 1
    return False


EXTRA_NAME_PATTERN = r"^[A-Za-z_][A-Za-z0-9_]{0,63}$"
# What an extra payload field may hold: a scalar, bounded like the declared ones.
EXTRA_VALUE_SCHEMA: dict[str, Any] = {
    "anyOf": [
        {"type": "string", "maxLength": 2000, "pattern": LINES_PATTERN},
        {"type": "integer", "minimum": -MAX_BIGINT, "maximum": MAX_BIGINT},
        {"type": "boolean"},
        {"type": "null"},
    ]
}


def check_extra(name: str, value: object) -> None:
    if not matches(EXTRA_NAME_PATTERN, name):
        raise ValueError(f"extra field name {name[:70]!r} is not an identifier")
    if value is None or isinstance(value, bool):
        return
    if isinstance(value, int) and -MAX_BIGINT <= value <= MAX_BIGINT:
        return
    if isinstance(value, str) and len(value) <= 2000 and matches(LINES_PATTERN, value):
        return
    raise ValueError(f"extra field {name}: a bounded string, integer, boolean or null")


# A catalog picture: PNG or JPEG, base64, at most ~300 kB (the store re-checks it with Pillow).
MAX_IMAGE_BASE64 = 400_000
_IMAGE_MAGIC = (b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff")


def _png_or_jpeg(value: str) -> str:
    if len(value) % 4:
        raise ValueError("the image is not base64")
    try:
        head = base64.b64decode(value[:64], validate=True)
    except binascii.Error:
        raise ValueError("the image is not base64") from None
    if not head.startswith(_IMAGE_MAGIC):
        raise ValueError("the image must be a PNG or a JPEG")
    return value


ImageBase64 = Annotated[
    StrictStr,
    Field(min_length=8, max_length=MAX_IMAGE_BASE64, pattern=r"^[A-Za-z0-9+/]+={0,2}$"),
    AfterValidator(_png_or_jpeg),
]
