"""The company's PIN policy and the minimum cost of a PIN hash, in one place.

A PIN is digits only; managers and admins (who approve overrides and refunds) need at least
6, cashiers at least 4. Used where PINs are set: the store's own user commands and head
office's `publish-staff`. A PIN hash that arrives by sync cannot show its PIN's length, so
its argon2id cost is checked instead: at least OWASP's minimum (19 MiB, 2 passes) and at
most what a counter can afford to compute at sign-in. Pure.
"""

from __future__ import annotations

import re

from counter_app.domain.model import ROLES

MIN_PIN_LENGTH = {"cashier": 4, "manager": 6, "admin": 6}
MAX_PIN_LENGTH = 12

# argon2id cost bounds: memory in KiB, time in passes, lanes.
MIN_MEMORY_KIB = 19 * 1024
MAX_MEMORY_KIB = 1024 * 1024
MIN_TIME_COST = 2
MAX_TIME_COST = 20
MAX_PARALLELISM = 64

_ARGON2ID = re.compile(
    r"\$argon2id\$v=19\$m=(?P<m>[0-9]{1,10}),t=(?P<t>[0-9]{1,10}),p=(?P<p>[0-9]{1,10})"
    r"\$[A-Za-z0-9+/]{11,128}\$[A-Za-z0-9+/]{16,128}"
)


def pin_problem(pin: str, role: str) -> str | None:
    """Why `pin` is not allowed for `role`, or None."""
    if role not in MIN_PIN_LENGTH:
        return f"Role must be one of: {', '.join(ROLES)}."
    shortest = MIN_PIN_LENGTH[role]
    if not (pin.isascii() and pin.isdigit() and shortest <= len(pin) <= MAX_PIN_LENGTH):
        article = "An" if role[0] in "aeiou" else "A"
        return f"{article} {role}'s PIN is {shortest} to {MAX_PIN_LENGTH} digits."
    return None


def pin_hash_problem(pin_hash: str) -> str | None:
    """Why a PIN hash from elsewhere is not acceptable (weak, costly or not argon2id), or None."""
    found = _ARGON2ID.fullmatch(pin_hash)
    if found is None:
        return "the PIN hash is not an argon2id (v19) hash"
    memory, time, lanes = int(found["m"]), int(found["t"]), int(found["p"])
    if memory < MIN_MEMORY_KIB or time < MIN_TIME_COST:
        return (
            f"the PIN hash is too cheap to compute (m={memory} KiB, t={time}); at least "
            f"m={MIN_MEMORY_KIB} KiB and t={MIN_TIME_COST} are required"
        )
    if memory > MAX_MEMORY_KIB or time > MAX_TIME_COST or not 1 <= lanes <= MAX_PARALLELISM:
        return f"the PIN hash's cost (m={memory} KiB, t={time}, p={lanes}) is out of range"
    return None
