"""Checks for the ways a customer returns beyond "with the order": a gift receipt, no receipt
at all, and an exchange (the sale a return pays for).

Like `facts`, these work on plain records loaded for the whole batch (`KindFacts`) and raise
`Reject` with a reason code. Head office relies on its own data only: the gift code it has for
the order line, its own price history (the lowest price over the policy's look-back), its own
count of the customer's accepted receiptless returns at every store, its catalog's prices.
No I/O here.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from counter_app import sync_protocol as proto
from counter_app.central.service.facts import LineFacts, Reject, base_sku

# A gift or receiptless return never pays money out: store credit, or value for an exchange.
CREDIT_TENDERS = frozenset({"store_credit", "exchange"})
GIFT_CARD_CATEGORY = "gift_card"


@dataclass(frozen=True)
class Product:
    category: str
    price_minor: int
    style: str | None


@dataclass(frozen=True)
class ReceiptlessRules:
    """The published policy's `[receiptless]` table, in minor units."""

    allowed: bool
    lookback_days: int
    period_days: int
    max_count: int
    max_value_minor: int
    currency: str


@dataclass
class KindFacts:
    products: dict[str, Product] = field(default_factory=dict)
    prices: dict[str, list[tuple[datetime, int]]] = field(default_factory=dict)  # oldest first
    receiptless: ReceiptlessRules | None = None
    policy_problem: str = "head office has published no policy"
    like_for_like: bool = False  # the policy's exchange.like_for_like_at_paid_price
    gift_used: set[str] = field(default_factory=set)  # codes accepted returns used
    gift_owners: dict[str, tuple[str, int]] = field(default_factory=dict)  # code -> line
    customers: dict[str, list[tuple[datetime, int]]] = field(default_factory=dict)
    sale_refs: set[str] = field(default_factory=set)  # returns with an exchange sale
    order_numbers: set[str] = field(default_factory=set)  # sale numbers already taken
    paid_units: dict[tuple[str, int], tuple[int, int]] = field(default_factory=dict)
    categories: dict[str, str] = field(default_factory=dict)  # base SKU -> catalog category

    def lowest_price(self, sku: str, at: datetime, days: int) -> int | None:
        """The lowest price in force at any time in the `days` before `at`: the price at the
        window's start and every later change; the catalog price if there is no history."""
        since = at - timedelta(days=days)
        points = self.prices.get(sku, [])
        before = [price for when, price in points if when <= since]
        candidates = before[-1:] + [price for when, price in points if since < when <= at]
        if candidates:
            return min(candidates)
        product = self.products.get(sku)
        return product.price_minor if product else None

    def price_at(self, sku: str, at: datetime) -> int | None:
        before = [price for when, price in self.prices.get(sku, []) if when <= at]
        return before[-1] if before else None


def check_gift(
    payload: proto.ReturnCommittedPayload,
    lines: Mapping[tuple[str, int], LineFacts],
    facts: KindFacts,
) -> set[str]:
    """A gift return: each line's code is head office's code for that line, unused; the
    refund is store credit or an exchange. Returns the codes it uses."""
    number = payload.order_number or ""
    for refund in payload.refunds:
        if refund.tender not in CREDIT_TENDERS:
            raise Reject(
                "gift_refund_tender",
                f"return {payload.ref}: a gift return is refunded as store credit or an "
                f"exchange, never {refund.tender} (the buyer's payment)",
            )
    codes: set[str] = set()
    for item in payload.lines:
        line = lines.get((number, item.line_no))
        if line is None:
            raise Reject("unknown_line", f"order {number} has no line {item.line_no}")
        if not item.gift_code or item.gift_code != line.gift_code:
            raise Reject(
                "gift_code_mismatch",
                f"order {number} line {item.line_no}: {item.gift_code or 'no code'} is not "
                f"the code of its gift receipt",
            )
        codes.add(item.gift_code)
    if used := sorted(codes & facts.gift_used):
        raise Reject("gift_code_used", f"gift code {used[0]} was already used by a return")
    return codes


def check_receiptless(payload: proto.ReturnCommittedPayload, at: datetime, facts: KindFacts) -> int:
    """A return without an order: a known customer, store credit only, each line at most the
    lowest recent price, within the customer's company-wide caps. Returns the total."""
    ref = payload.ref
    rules = facts.receiptless
    if payload.order_number is not None:
        raise Reject("kind_mismatch", f"return {ref}: a receiptless return names no order")
    if not payload.customer_key:
        raise Reject("customer_required", f"return {ref}: a receiptless return needs a customer")
    if rules is None:
        raise Reject("policy_unavailable", facts.policy_problem)
    if not rules.allowed:
        raise Reject("receiptless_not_allowed", "the policy allows no receiptless returns")
    if payload.currency != rules.currency:
        raise Reject("currency_mismatch", f"the policy is in {rules.currency}")
    if sorted(line.line_no for line in payload.lines) != list(range(1, len(payload.lines) + 1)):
        raise Reject("bad_line_numbers", f"return {ref}: lines must be numbered 1..n")
    for line in payload.lines:
        sku = base_sku(line.sku)
        lowest = facts.lowest_price(sku, at, rules.lookback_days)
        if sku not in facts.products or lowest is None:
            raise Reject("unknown_sku", f"{line.sku} is not in head office's catalog")
        unit = line.unit_price_minor
        if line.refund_minor > line.quantity * lowest or (unit is not None and unit > lowest):
            raise Reject(
                "over_lowest_price",
                f"return {ref} line {line.line_no} ({line.sku}): refunding "
                f"{line.refund_minor} for {line.quantity} but the lowest price in the last "
                f"{rules.lookback_days} days was {lowest} each",
            )
    total = sum(line.refund_minor for line in payload.lines)
    refunded = sum(r.amount_minor for r in payload.refunds)
    if refunded != total:
        raise Reject(
            "refund_total_mismatch",
            f"return {ref}: refunds add up to {refunded}, its lines to {total}",
        )
    for refund in payload.refunds:
        if refund.tender not in CREDIT_TENDERS:
            raise Reject(
                "receiptless_refund_tender",
                f"return {ref}: a receiptless return is refunded as store credit or an "
                f"exchange, never {refund.tender}",
            )
    _check_caps(payload.customer_key, ref, at, total, rules, facts)
    return total


def _check_caps(
    key: str, ref: str, at: datetime, total: int, rules: ReceiptlessRules, facts: KindFacts
) -> None:
    # Every accepted return since the period began counts, even one dated after this one:
    # a store cannot step past the cap by dating its message back.
    since = at - timedelta(days=rules.period_days)
    past = [value for when, value in facts.customers.get(key, []) if since <= when]
    count, value = len(past) + 1, sum(past) + total
    if count > rules.max_count or value > rules.max_value_minor:
        raise Reject(
            "receiptless_cap",
            f"return {ref}: the customer's receiptless returns in {rules.period_days} days "
            f"would be {count} worth {value} (at most {rules.max_count} worth "
            f"{rules.max_value_minor}, at every store)",
        )


def check_sale(
    sale: proto.ExchangeSalePayload,
    at: datetime,
    ret: proto.ReturnCommittedPayload,
    facts: KindFacts,
) -> None:
    """The exchange sale a return pays for: it adds up, is priced at head office's price (or
    the like-for-like paid price the policy allows), and carries exactly the return's
    exchange refunds."""
    number = sale.order_number
    if sale.currency != ret.currency:
        raise Reject("currency_mismatch", f"exchange sale {number} is not in {ret.currency}")
    if sale.ref in facts.sale_refs:
        raise Reject("duplicate_exchange_sale", f"return {sale.ref} already has an exchange sale")
    if number in facts.order_numbers:
        raise Reject("duplicate_order", f"order {number} already exists at head office")
    if sorted(line.line_no for line in sale.lines) != list(range(1, len(sale.lines) + 1)):
        raise Reject("bad_line_numbers", f"exchange sale {number}: lines must be numbered 1..n")
    like_used: dict[int, int] = {}
    for line in sale.lines:
        if line.paid_minor != line.quantity * line.unit_price_minor:
            raise Reject(
                "exchange_unbalanced",
                f"exchange sale {number} line {line.line_no}: {line.quantity} x "
                f"{line.unit_price_minor} is not {line.paid_minor}",
            )
        product = facts.products.get(base_sku(line.sku))
        if product is None:
            raise Reject("unknown_sku", f"{line.sku} is not in head office's catalog")
        if product.category == GIFT_CARD_CATEGORY:
            raise Reject("not_sellable", f"{line.sku} is a gift card, not an exchange item")
        _check_price(sale, line, product, at, ret, facts, like_used)
    _check_payments(sale, ret)


def _check_payments(sale: proto.ExchangeSalePayload, ret: proto.ReturnCommittedPayload) -> None:
    number = sale.order_number
    total = sum(line.paid_minor for line in sale.lines)
    paid = sum(p.amount_minor for p in sale.payments)
    if paid != total:
        raise Reject(
            "exchange_unbalanced",
            f"exchange sale {number}: its lines add up to {total}, its payments to {paid}",
        )
    carried = sum(p.amount_minor for p in sale.payments if p.tender == "exchange")
    refunded = sum(r.amount_minor for r in ret.refunds if r.tender == "exchange")
    if carried != refunded:
        raise Reject(
            "exchange_payment_mismatch",
            f"exchange sale {number} carries {carried} from return {ret.ref}, which "
            f"refunded {refunded} as an exchange",
        )
    for pay in sale.payments:
        card = (pay.card_brand, pay.card_last4, pay.approval_code)
        if pay.tender == "card" and not all(card):
            raise Reject(
                "card_details_missing",
                f"exchange sale {number}: a card payment needs brand, last 4 and approval code",
            )
        if pay.tender != "card" and any(card):
            raise Reject("card_mismatch", f"exchange sale {number}: a {pay.tender} names a card")


def _check_price(
    sale: proto.ExchangeSalePayload,
    line: proto.ExchangeLinePayload,
    product: Product,
    at: datetime,
    ret: proto.ReturnCommittedPayload,
    facts: KindFacts,
    like_used: dict[int, int],
) -> None:
    sku = base_sku(line.sku)
    if line.unit_price_minor in (product.price_minor, facts.price_at(sku, at)):
        return
    if line.like_for_like_of is not None and facts.like_for_like:
        of = line.like_for_like_of
        returned = [item for item in ret.lines if item.line_no == of]
        units = sum(item.quantity for item in returned)
        like_used[of] = like_used.get(of, 0) + line.quantity
        if returned and like_used[of] <= units:
            old_sku = base_sku(returned[0].sku)
            old = facts.products.get(old_sku)
            same = old_sku == sku or (
                old is not None and product.style is not None and old.style == product.style
            )
            if same and line.unit_price_minor in _paid_unit(ret, of, old_sku, at, facts):
                return
    raise Reject(
        "exchange_price_mismatch",
        f"exchange sale {sale.order_number} line {line.line_no}: {line.unit_price_minor} is "
        f"not the price of {line.sku} ({product.price_minor}) nor a like-for-like paid price",
    )


def _paid_unit(
    ret: proto.ReturnCommittedPayload, line_no: int, sku: str, at: datetime, facts: KindFacts
) -> set[int]:
    """What the returned line was paid per unit, as head office knows it (rounded either way):
    the order line's paid amount, or for a receiptless return the lowest recent price."""
    if ret.order_number is None:
        rules = facts.receiptless
        lowest = facts.lowest_price(sku, at, rules.lookback_days) if rules else None
        return set() if lowest is None else {lowest}
    paid, quantity = facts.paid_units.get((ret.order_number, line_no), (0, 0))
    if quantity <= 0:
        return set()
    return {paid // quantity, -(-paid // quantity)}


def check_exchange_stock(
    payload: proto.StockMovementPayload, sale: proto.ExchangeSalePayload | None
) -> None:
    """Replacement stock leaves (negative units), no more of a SKU than the sale took."""
    if payload.quantity >= 0:
        raise Reject(
            "stock_mismatch", f"exchange stock for {payload.ref} must leave (negative units)"
        )
    if sale is not None:
        taken = sum(line.quantity for line in sale.lines if line.sku == payload.sku)
        if -payload.quantity > taken:
            raise Reject(
                "stock_mismatch",
                f"exchange sale {sale.order_number} took {taken} of {payload.sku}, "
                f"not {-payload.quantity}",
            )
