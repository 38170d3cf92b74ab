"""Checking what a store claims against head office's own records, before accepting it.

A store's disk can be edited and its software can have a bug, so every fact is checked here:
a return's lines against what each order line sold and was paid (minus what was already
returned and refunded anywhere), its refunds against the order's payments (tender, card brand
and last four, what each payment has left), SKUs against the catalog, staff against the staff
head office published, quantities against plausible bounds. A failed check raises `Reject`
with a reason code; the message is rejected and the store records a sync exception.

The checks work on plain records loaded for the whole batch (`LineFacts`, `PaymentFacts`), so
a batch costs a few queries, not a few per message. No I/O here.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass

from pydantic import BaseModel

from counter_app import sync_protocol as proto

# A store moves at most this many units in one stock movement (a pallet, not 10^9).
MAX_STOCK_QUANTITY = 10_000
OPEN_BOX_SUFFIX = "-OB"
MANAGER_ROLES = frozenset({"manager", "admin"})


class Reject(Exception):
    """A message head office will not accept; `code` is the machine-readable reason."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code


@dataclass
class LineFacts:
    """An order line as head office knows it, updated as the batch's returns are accepted."""

    sku: str
    quantity: int
    paid_minor: int
    online_returned: int
    store_returned: int
    refunded_minor: int
    gift_code: str | None = None

    def refundable(self) -> int:
        """What is left to refund: paid, minus returns accepted from stores, minus (at most)
        the online refunds' share of the units head office refunded itself."""
        online_share = self.paid_minor * self.online_returned // self.quantity
        return self.paid_minor - online_share - self.refunded_minor


@dataclass
class PaymentFacts:
    payment_no: int
    tender: str
    amount_minor: int
    card_brand: str | None
    card_last4: str | None
    refunded_minor: int

    def left(self) -> int:
        return self.amount_minor - self.refunded_minor


@dataclass(frozen=True)
class ReturnClaim:
    """What an accepted return takes: per line (units, refund), per payment an amount."""

    lines: dict[int, tuple[int, int]]
    payments: dict[int, int]


def check_return(
    payload: proto.ReturnCommittedPayload,
    currency: str,
    lines: Mapping[tuple[str, int], LineFacts],
    payments: Sequence[PaymentFacts],
) -> ReturnClaim:
    """Every line and refund of an order or gift return against the order; raises Reject."""
    number = payload.order_number
    if number is None:
        why = f"return {payload.ref}: a {payload.kind} return names its order"
        raise Reject("unknown_order", why)
    if payload.currency != currency:
        raise Reject(
            "currency_mismatch", f"order {number} is in {currency}, not {payload.currency}"
        )
    claimed = _check_lines(payload, lines)
    total = sum(refund for _, refund in claimed.values())
    refunded = sum(r.amount_minor for r in payload.refunds)
    if refunded != total:
        raise Reject(
            "refund_total_mismatch",
            f"return {payload.ref}: refunds add up to {refunded}, its lines to {total}",
        )
    return ReturnClaim(lines=claimed, payments=allocate_refunds(number, payload.refunds, payments))


def _check_lines(
    payload: proto.ReturnCommittedPayload, lines: Mapping[tuple[str, int], LineFacts]
) -> dict[int, tuple[int, int]]:
    number = payload.order_number or ""
    wanted: dict[int, tuple[int, int]] = {}
    for item in payload.lines:
        line = lines.get((number, item.line_no))
        if line is None:
            raise Reject("unknown_line", f"order {number} has no line {item.line_no}")
        if line.sku != item.sku:
            raise Reject(
                "sku_mismatch", f"order {number} line {item.line_no} is {line.sku}, not {item.sku}"
            )
        units, refund = wanted.get(item.line_no, (0, 0))
        wanted[item.line_no] = (units + item.quantity, refund + item.refund_minor)
    for line_no, (quantity, refund) in wanted.items():
        line = lines[(number, line_no)]
        already = line.online_returned + line.store_returned
        if already + quantity > line.quantity:
            raise Reject(
                "over_return",
                f"order {number} line {line_no} ({line.sku}): returning "
                f"{quantity} but {already} of {line.quantity} sold were already returned "
                f"(online refund or another store)",
            )
        if refund > line.refundable():
            raise Reject(
                "over_refund",
                f"order {number} line {line_no} ({line.sku}): refunding {refund} but "
                f"{max(line.refundable(), 0)} of the {line.paid_minor} paid is left to refund",
            )
    return wanted


def allocate_refunds(
    number: str, refunds: Sequence[proto.RefundPayload], payments: Sequence[PaymentFacts]
) -> dict[int, int]:
    """Charge each refund to payments of the order it can come from; what each payment
    takes, by payment number. A card refund goes to the card it names, only."""
    taken: dict[int, int] = {}
    for refund in refunds:
        candidates = _payments_for(number, refund, payments)
        left = refund.amount_minor
        for pay in candidates:
            take = min(left, pay.left() - taken.get(pay.payment_no, 0))
            if take > 0:
                taken[pay.payment_no] = taken.get(pay.payment_no, 0) + take
                left -= take
        if left:
            raise Reject(
                "payment_overdrawn",
                f"order {number}: a {refund.tender} refund of {refund.amount_minor} is more "
                f"than its payments have left ({left} over)",
            )
    return taken


def _payments_for(
    number: str, refund: proto.RefundPayload, payments: Sequence[PaymentFacts]
) -> list[PaymentFacts]:
    charged = refund.charged_tender
    if refund.tender == "card":
        if charged not in (None, "card") or not refund.card_brand or not refund.card_last4:
            raise Reject("card_mismatch", f"order {number}: a card refund must name its card")
        cards = [
            p
            for p in payments
            if p.tender == "card"
            and (p.card_brand or "").upper() == refund.card_brand.upper()
            and p.card_last4 == refund.card_last4
        ]
        if not cards:
            raise Reject(
                "card_mismatch",
                f"order {number} was not paid with {refund.card_brand} {refund.card_last4}",
            )
        return cards
    if refund.card_brand or refund.card_last4:
        raise Reject("card_mismatch", f"order {number}: a {refund.tender} refund names a card")
    if charged is not None:
        same = [p for p in payments if p.tender == charged]
        if not same:
            raise Reject("unknown_payment", f"order {number} has no {charged} payment")
        return same
    # An older store names no charged tender: its own tender first, then any payment.
    return sorted(payments, key=lambda p: p.tender != refund.tender)


def base_sku(sku: str) -> str:
    """An open-box unit is kept under `<sku>-OB`; it is the catalog's `<sku>`."""
    return sku[: -len(OPEN_BOX_SUFFIX)] if sku.endswith(OPEN_BOX_SUFFIX) else sku


def check_stock(payload: proto.StockMovementPayload, skus: Collection[str]) -> None:
    if not 0 < abs(payload.quantity) <= MAX_STOCK_QUANTITY:
        raise Reject(
            "implausible_quantity",
            f"a stock movement of {payload.quantity} units (at most {MAX_STOCK_QUANTITY})",
        )
    if payload.sku not in skus and base_sku(payload.sku) not in skus:
        raise Reject("unknown_sku", f"{payload.sku} is not in head office's catalog")


def check_staff(username: str, staff: Mapping[str, str], manager: bool = False) -> None:
    """`staff` maps the usernames that may act at this store to their role."""
    role = staff.get(username)
    if role is None:
        raise Reject("unknown_staff", f"{username} is not active staff of this store")
    if manager and role not in MANAGER_ROLES:
        raise Reject("not_a_manager", f"{username} is a {role}, not a manager")


def check_member(
    kind: str,
    payload: BaseModel,
    ret: proto.ReturnCommittedPayload,
    skus: Collection[str],
    staff: Mapping[str, str],
) -> None:
    """A stock movement, override, store credit or exchange sale of a return, against it."""
    if isinstance(payload, proto.StockMovementPayload):
        check_stock(payload, skus)
        if payload.cause == "exchange":
            return  # replacement stock leaving: checked against the exchange sale (kinds)
        units: dict[str, int] = {}
        for line in ret.lines:
            units[line.sku] = units.get(line.sku, 0) + line.quantity
        if payload.quantity > units.get(base_sku(payload.sku), 0):
            raise Reject(
                "stock_mismatch",
                f"return {ret.ref} did not take back {payload.quantity} of {payload.sku}",
            )
    elif isinstance(payload, proto.OverrideGrantedPayload):
        check_staff(payload.manager, staff, manager=True)
        if payload.line_no not in {line.line_no for line in ret.lines}:
            raise Reject("unknown_line", f"return {ret.ref} has no line {payload.line_no}")
    elif isinstance(payload, proto.StoreCreditIssuedPayload):
        _check_credit(payload, ret)
    elif isinstance(payload, proto.ExchangeSalePayload):
        return  # checked with the return's exchange refunds (kinds.check_sale)
    else:  # pragma: no cover - only the kinds above belong to a return
        raise Reject("bad_group", f"a {kind} message does not belong to a return")


def _check_credit(
    payload: proto.StoreCreditIssuedPayload, ret: proto.ReturnCommittedPayload
) -> None:
    bonus = (payload.model_extra or {}).get("bonus_minor", 0)
    base = sum(r.amount_minor for r in ret.refunds if r.tender == "store_credit")
    if (
        payload.currency != ret.currency
        or not isinstance(bonus, int)
        or not 0 <= bonus <= base
        or payload.amount_minor != base + bonus
    ):
        raise Reject(
            "credit_mismatch",
            f"store credit of {payload.amount_minor} does not match the {base} refunded "
            f"as store credit by return {ret.ref}",
        )
