"""The return in progress, in memory: what the cashier picked, inspected and got approved.

Nothing here touches the database; `refund_summary` says what the draft would refund and
what still blocks it, so the screen and the commit agree on one answer.
"""

from __future__ import annotations

import dataclasses
import uuid
from dataclasses import dataclass, field

from counter_app.domain.authorization import Authorization
from counter_app.domain.exchange import ExchangeDraft
from counter_app.domain.gift import gift_tenders, gift_view
from counter_app.domain.model import Order, OrderLine, User
from counter_app.domain.model import units_refund as units_refund  # re-exported
from counter_app.domain.money import Money
from counter_app.domain.policy import CustomerHistory, Decision, Inspection
from counter_app.domain.refund import ledger_choices

# Refund tenders in the order the screen offers them.
TENDER_ORDER = ("original", "cash", "store_credit", "exchange")
DEFAULT_TENDERS = frozenset({"original", "store_credit"})


@dataclass(frozen=True)
class OverrideGrant:
    """A manager's approval, bound to one draft and one line, usable once — and to the facts
    the manager saw: the quantity, condition, return reason, the decision's rule codes and
    the refund approved. Any change voids it (`approval_problem`). None: not bound."""

    grant_id: str
    draft_id: str
    line_no: int
    manager: User
    reason: str
    note: str
    rule_codes: tuple[str, ...]
    quantity: int | None = None
    condition: str | None = None
    reason_code: str | None = None
    refund: Money | None = None


# What the cashier reads when an approval no longer covers its line, one message per kind.
APPROVAL_VOID: dict[str, str] = {
    "draft": "The manager's approval belongs to another return",
    "line": "The manager's approval was given for another item, not this one",
    "quantity": "The manager's approval no longer applies: quantity changed",
    "condition": "The manager's approval no longer applies: condition changed",
    "reason": "The manager's approval no longer applies: reason changed",
    "refund": "The manager's approval no longer applies: refund changed",
    "rules": "The manager's approval no longer applies: rules changed",
}


def grant_rule_codes(decision: Decision) -> tuple[str, ...]:
    """The rule codes an approval of `decision` is bound to (every reason a manager may
    override, and the notes that shaped the refund)."""
    return tuple(r.code for r in decision.reasons if not r.hard)


def approved_refund(decision: Decision) -> Money:
    """The refund a manager's approval of `decision` pays out."""
    return decision.override_refund if decision.override_refund is not None else decision.refund


@dataclass
class DraftLine:
    line: OrderLine
    quantity: int = 1
    verified: bool = False
    serial_presented: str | None = None
    inspection: Inspection | None = None
    feedback: str = ""
    photo_path: str | None = None
    photo_sha256: str | None = None
    decision: Decision | None = None
    override: OverrideGrant | None = None
    # A return started online: the reason the customer gave (pre-fills the inspection), and
    # whether the item was checked against the catalog photo because its barcode is missing.
    authorized_reason: str | None = None
    verified_by_photo: bool = False

    @property
    def approved(self) -> bool:
        d = self.decision
        if d is None:
            return False
        if d.outcome in ("approve", "approve_with_fee"):
            return True
        return self.override is not None and d.overridable and self.override_problem() is None

    def override_problem(self, draft_id: str | None = None) -> str | None:
        """Why the manager's approval on this line no longer applies (None: it does, or
        there is none): the first fact that differs from what was approved."""
        g = self.override
        if g is None:
            return None
        insp, d = self.inspection, self.decision
        condition = insp.condition if insp else None
        reason = insp.reason_code if insp else None
        checks = (
            ("draft", draft_id is not None and g.draft_id != draft_id),
            ("line", g.line_no != self.line.line_no),
            ("quantity", g.quantity is not None and g.quantity != self.quantity),
            ("condition", g.condition is not None and condition != g.condition),
            ("reason", g.reason_code is not None and reason != g.reason_code),
            ("refund", g.refund is not None and d is not None and approved_refund(d) != g.refund),
            ("rules", d is not None and d.overridable and grant_rule_codes(d) != g.rule_codes),
        )
        return next((APPROVAL_VOID[kind] for kind, differs in checks if differs), None)

    @property
    def fee(self) -> Money:
        """The fee charged: an overridden denial still pays the fee the policy would charge."""
        d = self.decision
        zero = Money.zero(self.line.paid.currency)
        if d is None or not self.approved:
            return zero
        if d.outcome in ("approve", "approve_with_fee"):
            return d.fee
        return d.override_fee if d.override_fee is not None else d.fee

    @property
    def refund(self) -> Money:
        """Paid for these units, minus the fee; zero unless approved."""
        if not self.approved:
            return Money.zero(self.line.paid.currency)
        gross = self.line.refund_for(self.quantity)
        return (gross - self.fee).max(Money.zero(gross.currency))


@dataclass
class ReturnDraft:
    order: Order
    cashier: User
    id: str = field(default_factory=lambda: str(uuid.uuid4()))
    lines: dict[int, DraftLine] = field(default_factory=dict)
    customer_history: CustomerHistory = field(default_factory=CustomerHistory)
    # How the return started: "order" (an order or receipt), "receiptless" or "gift".
    kind: str = "order"
    # Receiptless: `proto.customer_key` of the phone or e-mail the customer was identified by.
    customer_key: str | None = None
    # What the customer takes instead (an exchange); None or empty: a plain refund.
    exchange: ExchangeDraft | None = None
    # Started from a return authorization (its code is consumed by this return, once).
    authorization: Authorization | None = None

    def selected(self) -> list[DraftLine]:
        return [self.lines[n] for n in sorted(self.lines)]

    def gift_lines(self) -> tuple[int, ...]:
        """The order lines a gift return shows: those of its gift view (domain.gift)."""
        return tuple(ln.line_no for ln in self.order.lines)

    def clone(self) -> ReturnDraft:
        """A copy whose lines can be changed without touching this one: a background action
        works on a clone and hands it back, so the screen never reads a draft being changed."""
        lines = {no: dataclasses.replace(line) for no, line in self.lines.items()}
        exchange = self.exchange.clone() if self.exchange is not None else None
        return dataclasses.replace(self, lines=lines, exchange=exchange)

    def with_order(self, order: Order) -> ReturnDraft:
        """A clone on the order as it is now (another counter returned some of it): the same
        picks, inspections and approvals, its decisions to be made again."""
        clone = self.clone()
        clone.order = gift_view(order, self.gift_lines()) if self.kind == "gift" else order
        for no, dl in clone.lines.items():
            dl.line = order.line(no)
            dl.decision = None
        return clone


@dataclass(frozen=True)
class RefundSummary:
    lines: tuple[tuple[int, Money, Money], ...]  # line_no, refund, fee
    total: Money
    fees: Money
    tenders_allowed: tuple[str, ...]
    blocked: tuple[str, ...]  # plain-words reasons the return cannot be confirmed yet


def _blocker(dl: DraftLine) -> str | None:
    """Why this line stops the return from being confirmed, or None."""
    name = dl.line.name
    if dl.authorized_reason is not None and not dl.verified:  # started online: check it
        return f"{name}: scan the item (or check it against the catalog photo) first."
    if dl.inspection is None:
        return f"{name}: pick a reason and a condition."
    if dl.decision is None:
        return f"{name}: not checked against the policy yet."
    if not dl.approved:
        problem = dl.override_problem()
        if problem is not None and dl.decision.overridable:
            return f"{name}: {problem}."
        if dl.decision.overridable:
            return f"{name}: needs a manager's approval."
        return f"{name}: cannot be returned — remove it from the return."
    return None


def refund_summary(draft: ReturnDraft) -> RefundSummary:
    """What the draft refunds line by line, the tenders for the whole return, and what blocks
    it. Tenders: those every line's decision allows that the order's per-tender ledger can
    honour for the return's total (cash only as far as the cash left covers it)."""
    currency = draft.order.currency
    blocked: list[str] = []
    if not draft.lines:
        blocked.append("Scan or pick at least one item to return.")
    tenders: set[str] | None = None
    rows = []
    for dl in draft.selected():
        reason = _blocker(dl)
        if reason is not None:
            blocked.append(reason)
            continue
        assert dl.decision is not None
        allowed = set(dl.decision.tenders_allowed) or set(DEFAULT_TENDERS)
        tenders = allowed if tenders is None else tenders & allowed
        rows.append((dl.line.line_no, dl.refund, dl.fee))
    total = sum((r[1] for r in rows), Money.zero(currency))
    fees = sum((r[2] for r in rows), Money.zero(currency))
    tenders = gift_tenders(draft.kind, tenders or set())
    if draft.kind != "receiptless":  # no order, no payments: the policy's tenders alone
        tenders &= ledger_choices(total, draft.order.payments)
    order_tenders = tuple(x for x in TENDER_ORDER if x in tenders)
    if rows and not order_tenders:
        blocked.append("The items allow no common refund tender: return them separately.")
    return RefundSummary(tuple(rows), total, fees, order_tenders, tuple(blocked))
