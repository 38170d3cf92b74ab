"""Applying what issue 14 added to a return's unit: the exchange sale (recorded as a
head-office order of its own, linked to the return, so it can itself be returned at any store
and is bounded by its own payments), replacement stock leaving, gift codes used, and the
lone `gift_receipt.issued` (codes a store printed, then published with the order).

The checks are `kinds`; this module turns accepted facts into the rows `batch` writes and
updates the batch's facts so later messages of the same batch see them.
"""

from __future__ import annotations

from datetime import datetime

from counter_app import sync_protocol as proto
from counter_app.central.service.batch import BatchState, Member, Unit
from counter_app.central.service.facts import LineFacts, PaymentFacts, Reject
from counter_app.central.service.kinds import check_exchange_stock, check_sale


def sale_of(members: list[Member]) -> Member | None:
    """The exchange sale among a return's members; a second one is refused."""
    sales = [m for m in members if isinstance(m.payload, proto.ExchangeSalePayload)]
    if len(sales) > 1:
        raise Reject("duplicate_exchange_sale", "a return has at most one exchange sale")
    return sales[0] if sales else None


def check_exchange_members(
    ret: proto.ReturnCommittedPayload, members: list[Member], at: datetime, state: BatchState
) -> None:
    """The exchange sale and replacement stock of a return, against the return."""
    sale = sale_of(members)
    sale_payload = sale.payload if sale is not None else None
    assert sale_payload is None or isinstance(sale_payload, proto.ExchangeSalePayload)
    if sale is not None and sale_payload is not None:
        check_sale(sale_payload, sale.created_at or at, ret, state.kinds)
    for member in members:
        payload = member.payload
        if isinstance(payload, proto.StockMovementPayload) and payload.cause == "exchange":
            check_exchange_stock(payload, sale_payload)


def add_sale(unit: Unit, sale: proto.ExchangeSalePayload, at: datetime, state: BatchState) -> None:
    """Record the exchange sale as an order of this store, linked to its return."""
    number = sale.order_number
    payments = [
        {
            "tender": p.tender,
            "amount_minor": p.amount_minor,
            "card_brand": p.card_brand,
            "card_last4": p.card_last4,
        }
        for p in sale.payments
    ]
    unit.orders.add(number)
    unit.new_orders.append(
        {
            "number": number,
            "store": state.store,
            "channel": "store",
            "placed_at": at,
            "currency": sale.currency,
            "barcode": number,
            "customer": None,
            "payments": payments,
            "seq": 0,  # renumbered with the orders the batch touched
            "return_ref": sale.ref,
        }
    )
    _add_sale_lines(unit, sale, state)
    for payment_no, pay in enumerate(payments, start=1):
        unit.new_payments.append(
            dict(pay, order_number=number, payment_no=payment_no, refunded_minor=0)
        )
    state.orders[number] = sale.currency
    state.payments[number] = [
        PaymentFacts(n, p.tender, p.amount_minor, p.card_brand, p.card_last4, 0)
        for n, p in enumerate(sale.payments, start=1)
    ]
    state.kinds.sale_refs.add(sale.ref)
    state.kinds.order_numbers.add(number)


def _add_sale_lines(unit: Unit, sale: proto.ExchangeSalePayload, state: BatchState) -> None:
    number = sale.order_number
    for line in sale.lines:
        unit.new_lines.append(
            {
                "order_number": number,
                "line_no": line.line_no,
                "sku": line.sku,
                "quantity": line.quantity,
                "unit_price_minor": line.unit_price_minor,
                "discount_minor": 0,
                "tax_minor": 0,
                "paid_minor": line.paid_minor,
                "serial": None,
                "final_sale": False,
                "online_returned_quantity": 0,
                "store_returned_quantity": 0,
                "refunded_minor": 0,
                "gift_code": None,
            }
        )
        state.lines[(number, line.line_no)] = LineFacts(
            sku=line.sku,
            quantity=line.quantity,
            paid_minor=line.paid_minor,
            online_returned=0,
            store_returned=0,
            refunded_minor=0,
        )


def use_gift_codes(unit: Unit, ref: str, codes: set[str], state: BatchState) -> None:
    for code in sorted(codes):
        unit.gift_uses.append({"gift_code": code, "return_ref": ref, "store": state.store})
    state.kinds.gift_used |= codes


def apply_gift_receipt(
    message: proto.BaseMessage, payload: proto.GiftReceiptIssuedPayload, state: BatchState
) -> None:
    """Codes a store printed on gift receipts: each names one order line company-wide."""
    number = payload.order_number
    if number not in state.orders:
        raise Reject("unknown_order", f"order {number} is not known to head office")
    owners = state.kinds.gift_owners
    seen: dict[str, int] = {}
    for item in payload.lines:
        line = state.lines.get((number, item.line_no))
        if line is None:
            raise Reject("unknown_line", f"order {number} has no line {item.line_no}")
        owner = owners.get(item.gift_code, (number, item.line_no))
        if owner != (number, item.line_no) or seen.setdefault(item.gift_code, item.line_no) != (
            item.line_no
        ):
            raise Reject("gift_code_taken", f"gift code {item.gift_code} is on another line")
        if line.gift_code not in (None, item.gift_code):
            raise Reject(
                "gift_code_conflict",
                f"order {number} line {item.line_no} already has gift code {line.gift_code}",
            )
    unit = Unit(ids=[message.id], orders={number})
    for item in payload.lines:
        unit.gift_codes.append({"o": number, "n": item.line_no, "g": item.gift_code})
        state.lines[(number, item.line_no)].gift_code = item.gift_code
        owners[item.gift_code] = (number, item.line_no)
    state.units.append(unit)
