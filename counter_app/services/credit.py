"""A store-credit voucher looked up at the counter: its value, what was spent, what is left,
and whether its check value is genuine (`domain.voucher`).

The cashier scans the voucher's barcode (``S001C1000042-USD2500-8H4KQ2ZT``, check value
last) or types the store-credit number (``SC-S001-C1-000042``). Only the voucher code has a
check value: a forged or altered one is named as such and nothing else is shown of it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Engine, select

from counter_app.adapters.db import tables as t
from counter_app.config import Settings
from counter_app.domain.money import Money
from counter_app.domain.voucher import (
    VoucherRejected,
    make_voucher_code,
    verify_voucher_code,
)
from counter_app.services.errors import BadInput, NotFound
from counter_app.services.receipts import _saved_secret, voucher_serial
from counter_app.services.unit_of_work import UnitOfWork
from counter_app.services.validation import printable

_CREDIT_NUMBER = re.compile(r"^SC-[0-9A-Z-]{1,60}$")
NO_CHECK_VALUE = (
    "A store-credit number has no check value: scan the voucher's barcode to check it."
)
GENUINE = "Genuine: the check value matches this company's voucher."
NOT_HERE = (
    "Genuine, but not in this store's records (issued at another store, or not synced yet)."
)
NO_SECRET = "This counter has not issued a voucher yet, so it cannot check one."


@dataclass(frozen=True)
class CreditStatus:
    looked_up: str
    genuine: bool | None  # None: a store-credit number was typed (no check value to check)
    check_text: str
    store_credit_code: str | None = None
    voucher_code: str | None = None
    value: Money | None = None
    spent: Money | None = None
    left: Money | None = None
    return_ref: str | None = None
    issued_at: datetime | None = None


def _secret(settings: Settings) -> str:
    return settings.voucher_secret or _saved_secret(settings.config_file)


def credit_status(engine: Engine, settings: Settings, text: str) -> CreditStatus:
    """What the voucher or store-credit number `text` is worth and whether it is genuine."""
    code = re.sub(r"\s+", "", text or "").upper()
    if not code or len(code) > 80:
        raise BadInput("Scan the voucher's barcode or type its code.")
    secret = _secret(settings)
    if _CREDIT_NUMBER.match(code):
        row = _credit_row(engine, code=code)
        if row is None:
            raise NotFound(f"No store credit {printable(code)} in this store's records.")
        return _status(code, row, secret, None, NO_CHECK_VALUE)
    if not secret:
        return CreditStatus(code, False, NO_SECRET)
    try:
        info = verify_voucher_code(code, secret.encode("utf-8"))
    except VoucherRejected as exc:
        return CreditStatus(code, False, str(exc))
    row = _credit_row(engine, serial=info.serial, amount=info.amount)
    if row is None:
        return CreditStatus(code, True, NOT_HERE, voucher_code=code, value=info.amount)
    return _status(code, row, secret, True, GENUINE)


def _status(
    code: str, row: dict[str, object], secret: str, genuine: bool | None, text: str
) -> CreditStatus:
    currency = str(row["currency"])
    value = Money(int(str(row["amount_minor"])), currency)
    left = Money(int(str(row["balance_minor"])), currency)
    voucher = make_voucher_code(voucher_serial(str(row["code"])), value, secret.encode()) if (
        secret and value.minor > 0
    ) else None
    issued = row["issued_at"]
    return CreditStatus(
        looked_up=code,
        genuine=genuine,
        check_text=text,
        store_credit_code=str(row["code"]),
        voucher_code=voucher,
        value=value,
        spent=value - left,
        left=left,
        return_ref=str(row["ref"]),
        issued_at=issued if isinstance(issued, datetime) else None,
    )


def _credit_row(
    engine: Engine, *, code: str | None = None, serial: str | None = None,
    amount: Money | None = None,
) -> dict[str, object] | None:  # fmt: skip
    """The store-credit row by its number, or by voucher serial and amount."""
    sc, r = t.store_credits.c, t.returns.c
    query = select(sc.code, sc.amount_minor, sc.balance_minor, sc.currency, sc.issued_at, r.ref)
    query = query.join(t.returns, r.id == sc.return_id)
    if code is not None:
        query = query.where(sc.code == code)
    elif amount is not None:
        query = query.where(sc.amount_minor == amount.minor, sc.currency == amount.currency)
    with UnitOfWork(engine) as uow:
        for row in uow.conn.execute(query).mappings():
            if code is not None or voucher_serial(row["code"]) == serial:
                return dict(row)
    return None
