"""Return-authorization codes: 10 random Crockford base32 symbols and a check symbol.

Short enough to read over the phone or type from an e-mail (`RA-7K3QD-9MZ2X-F`), 50 random
bits so they cannot be guessed, and a mod-37 check symbol so a mistyped or made-up code is
refused at the counter before anything is looked up. Pure: the caller supplies the random
bytes (head office uses `secrets.token_bytes`).
"""

from __future__ import annotations

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
CHECK_ALPHABET = ALPHABET + "*~$=U"
DATA_LENGTH = 10
RANDOM_BYTES = 7  # 56 bits read, the top 50 used
PREFIX = "RA"
CODE_PATTERN = r"^[0-9A-HJKMNP-TV-Z]{10}[0-9A-HJKMNP-TV-Z*~$=U]$"

# Crockford decoding: case-insensitive, I and L read as 1, O as 0; hyphens and spaces ignored.
_READS_AS = {"I": "1", "L": "1", "O": "0"}


def _check_symbol(data: str) -> str:
    value = 0
    for symbol in data:
        value = value * 32 + ALPHABET.index(symbol)
    return CHECK_ALPHABET[value % 37]


def new_code(random_bytes: bytes) -> str:
    """The canonical code (11 symbols, no prefix or hyphens) made from `random_bytes`."""
    if len(random_bytes) < RANDOM_BYTES:
        raise ValueError(f"need {RANDOM_BYTES} random bytes")
    number = int.from_bytes(random_bytes[:RANDOM_BYTES], "big") >> (RANDOM_BYTES * 8 - 50)
    data = ""
    for _ in range(DATA_LENGTH):
        data = ALPHABET[number % 32] + data
        number //= 32
    return data + _check_symbol(data)


def parse_code(typed: str) -> str | None:
    """The canonical code in what was scanned or typed (`RA-7K3QD-9MZ2X-F`, `ra7k3qd9mz2xf`,
    with O for 0 ...), or None when it is not a well-formed code with a valid check symbol."""
    text = typed.strip().upper().replace("-", "").replace(" ", "")
    if text.startswith(PREFIX) and len(text) == DATA_LENGTH + 1 + len(PREFIX):
        text = text[len(PREFIX) :]
    if len(text) != DATA_LENGTH + 1:
        return None
    text = "".join(_READS_AS.get(symbol, symbol) for symbol in text)
    data, check = text[:DATA_LENGTH], text[DATA_LENGTH]
    if any(symbol not in ALPHABET for symbol in data) or check not in CHECK_ALPHABET:
        return None
    return data + check if _check_symbol(data) == check else None


def display_code(code: str) -> str:
    """How a code is printed, e-mailed and put in its QR: `RA-7K3QD-9MZ2X-F`."""
    return f"{PREFIX}-{code[:5]}-{code[5:10]}-{code[10:]}"
