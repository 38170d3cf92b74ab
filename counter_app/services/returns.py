"""The return desk: one method per thing the cashier or manager does, in the order of §2.

A `ReturnDraft` (counter_app.domain.draft) holds the return in progress in memory; nothing is
written until `commit_return`, which writes everything in ONE transaction.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import datetime, timedelta

from sqlalchemy import Engine
from sqlalchemy.exc import IntegrityError

from counter_app.adapters.db import repository as repo
from counter_app.domain.cards import redact_card_numbers
from counter_app.domain.draft import (
    DraftLine,
    OverrideGrant,
    RefundSummary,
    ReturnDraft,
    approved_refund,
    grant_rule_codes,
    refund_summary,
)
from counter_app.domain.exchange import BalancePayment
from counter_app.domain.gift import GIFT_TENDER_ONLY
from counter_app.domain.model import Order, User
from counter_app.domain.money import Money
from counter_app.domain.policy import (
    CustomerHistory,
    Decision,
    Inspection,
    LineFacts,
    PastReturn,
    PolicyHolder,
    evaluate,
)
from counter_app.services import auth
from counter_app.services import exchanges as ex
from counter_app.services import receiptless as rless
from counter_app.services.authorization_desk import AuthorizationDesk
from counter_app.services.clock import Clock
from counter_app.services.commit import CommittedReturn, CounterIdentity, write_return
from counter_app.services.errors import (
    AlreadyCommitted,
    AlreadyReturned,
    AuthorizationRefused,
    BadInput,
    GiftCodeUsed,
    ItemNotOnOrder,
    NotRefundable,
    OrderNotFound,
    OverrideRefused,
)
from counter_app.services.exchange_desk import ExchangeDesk
from counter_app.services.receiptless_desk import ReceiptlessDesk
from counter_app.services.unit_of_work import UnitOfWork
from counter_app.services.validation import clean_code, clean_text, printable

HISTORY_DAYS = 365
GIFT_USED_NOW = (
    "This gift receipt was just used for a return at another counter; it cannot be used again."
)
AUTHORIZATION_USED_NOW = "This return code was just used at another counter of this store."


class ReturnDesk(ReceiptlessDesk, ExchangeDesk, AuthorizationDesk):
    """The use cases of one counter, wired by bootstrap() (returns without a receipt:
    services/receiptless_desk.py; exchanges: services/exchange_desk.py; returns started
    online: services/authorization_desk.py)."""

    def __init__(
        self,
        engine: Engine,
        clock: Clock,
        policies: PolicyHolder,
        *,
        store_code: str,
        counter_code: str,
        live_lookup: Callable[[str], Order | None] | None = None,
        email_language: str | None = None,
    ) -> None:
        self.engine = engine
        self.email_language = email_language  # None: customer e-mails are not configured
        self.live_lookup = live_lookup
        self.clock = clock
        self.policies = policies
        self.store_code = store_code
        self.counter_code = counter_code

    # ------------------------------------------------------------ 1. identify
    def find_order(self, code: str) -> Order:
        number = clean_code(code, "order number")
        with UnitOfWork(self.engine) as uow:
            order = repo.load_order_by_number(uow.conn, number)
            if order is None and number.upper() != number:
                order = repo.load_order_by_number(uow.conn, number.upper())
        if order is None and self.live_lookup is not None:
            # Bought an hour ago online: head office may know it already.
            try:
                order = self.live_lookup(number)
            except (ConnectionError, RuntimeError):
                order = None
        if order is None:
            raise OrderNotFound(
                f"No order {printable(number)} in this store's records. Check the number, or "
                "search by phone, e-mail or card."
            )
        return order

    def search_orders(
        self,
        *,
        phone: str | None = None,
        email: str | None = None,
        card_last4: str | None = None,
        on_date: datetime | None = None,
        name: str | None = None,
        limit: int = 50,
    ) -> list[Order]:
        name = _check_search_terms(phone, email, card_last4, on_date, name)
        day_end = on_date + timedelta(days=1) if on_date else None
        with UnitOfWork(self.engine) as uow:
            ids = repo.search_order_ids(
                uow.conn,
                phone=phone.strip() if phone else None,
                email=email.strip() if email else None,
                card_last4=card_last4,
                placed_from=on_date,
                placed_to=day_end,
                name=name,
                limit=limit,
            )
            return [o for o in (repo.load_order(uow.conn, i) for i in ids) if o is not None]

    # ------------------------------------------------------------ 2. verify
    def start_return(self, order: Order, cashier: User) -> ReturnDraft:
        draft = ReturnDraft(order=order, cashier=cashier)
        if order.customer is not None:
            draft.customer_history = self._history(order.customer.id, order.customer.loyalty_tier)
        return draft

    def _history(self, customer_id: int, tier: str | None) -> CustomerHistory:
        since = self.clock.now() - timedelta(days=HISTORY_DAYS)
        with UnitOfWork(self.engine) as uow:
            rows = repo.past_returns(uow.conn, customer_id, since)
        currency = self.policies.current.currency
        past = tuple(PastReturn(at, Money(minor, currency), False) for at, minor in rows)
        return CustomerHistory(loyalty_tier=tier, past_returns=past)

    def select_line(self, draft: ReturnDraft, line_no: int, quantity: int = 1) -> DraftLine:
        try:
            line = draft.order.line(line_no)
        except KeyError:
            raise ItemNotOnOrder(f"Order {draft.order.number} has no line {line_no}.") from None
        if quantity <= 0:
            raise BadInput("The quantity to return must be at least 1.")
        if line.returnable_quantity <= 0:
            raise AlreadyReturned(
                f"{line.name} was already returned in full ({line.returned_quantity} of "
                f"{line.quantity})."
            )
        if quantity > line.returnable_quantity:
            raise BadInput(f"Only {line.returnable_quantity} of {line.name} can still be returned.")
        authorized = draft.authorization.line(line_no) if draft.authorization else None
        if authorized is not None and quantity > authorized.quantity:
            raise BadInput(
                f"The return code covers {authorized.quantity} of {line.name}: "
                "return any more without the code."
            )
        current = draft.lines.get(line_no)
        if current is None:
            current = DraftLine(line=line, quantity=quantity)
            current.authorized_reason = authorized.reason if authorized else None
            draft.lines[line_no] = current
        else:
            current.quantity = quantity
        current.decision = None
        return current

    def verify_item(self, draft: ReturnDraft, barcode: str, serial: str | None = None) -> DraftLine:
        """The scanned product must be on the order; it selects (or adds one unit to) its line."""
        code = clean_code(barcode, "product barcode")
        candidates = [ln for ln in draft.order.lines if code in ln.barcodes or code == ln.sku]
        if not candidates:
            with UnitOfWork(self.engine) as uow:
                sku = repo.sku_for_barcode(uow.conn, code)
            candidates = [ln for ln in draft.order.lines if sku is not None and ln.sku == sku]
        if not candidates:
            raise ItemNotOnOrder(
                f"The item {printable(code)} is not on order {draft.order.number}. "
                "Check you scanned the right item or the right order."
            )
        open_lines = [ln for ln in candidates if ln.returnable_quantity > 0]
        if not open_lines:
            raise AlreadyReturned(f"{candidates[0].name} on this order was already returned.")
        line = open_lines[0]
        draft_line = draft.lines.get(line.line_no)
        if draft_line is None:
            draft_line = self.select_line(draft, line.line_no, 1)
        elif (
            draft_line.verified
            and draft_line.authorized_reason is None  # authorized: the scan only verifies
            and draft_line.quantity < line.returnable_quantity
        ):
            draft_line.quantity += 1
        draft_line.verified = True
        if serial is not None:
            draft_line.serial_presented = clean_code(serial, "serial number")
        draft_line.decision = None
        return draft_line

    def remove_line(self, draft: ReturnDraft, line_no: int) -> None:
        """Take a line out of the return in progress (nothing is written)."""
        if draft.kind == "receiptless":
            rless.remove_line(draft, line_no)
            return
        draft.lines.pop(line_no, None)

    def eligibility(self, draft: ReturnDraft) -> dict[int, Decision]:
        """What the policy says of each open line as it stands — one unit, unopened, the
        customer changed their mind — so the cashier sees badges before inspecting anything.

        Evaluated on a scratch draft: the return in progress is not touched.
        """
        policy = self.policies.current
        reasons = [code for code, _ in policy.reason_codes]
        conditions = [code for code, _ in policy.conditions]
        if not reasons or not conditions:
            return {}
        reason = "changed_mind" if "changed_mind" in reasons else reasons[0]
        condition = "new" if "new" in conditions else conditions[0]
        scratch = ReturnDraft(
            order=draft.order, cashier=draft.cashier, customer_history=draft.customer_history
        )
        for line in draft.order.lines:
            if line.returnable_quantity <= 0:
                continue
            self.select_line(scratch, line.line_no, 1)
            if line.serialised and line.serial:
                scratch.lines[line.line_no].serial_presented = line.serial
            self.record_inspection(scratch, line.line_no, reason_code=reason, condition=condition)
        return self._decide(scratch, whole_return=False)

    def set_serial(self, draft: ReturnDraft, line_no: int, serial: str) -> None:
        draft_line = self._draft_line(draft, line_no)
        draft_line.serial_presented = clean_code(serial, "serial number")
        draft_line.decision = None

    # ------------------------------------------------------------ 3. inspect
    def record_inspection(
        self,
        draft: ReturnDraft,
        line_no: int,
        *,
        reason_code: str,
        condition: str,
        notes: str = "",
        feedback: str = "",
        photo_path: str | None = None,
        photo_sha256: str | None = None,
    ) -> DraftLine:
        policy = self.policies.current
        reasons = {code for code, _ in policy.reason_codes}
        conditions = {code for code, _ in policy.conditions}
        if reason_code not in reasons:
            raise BadInput("Pick a return reason from the list.")
        if condition not in conditions:
            raise BadInput("Pick the item's condition from the list.")
        draft_line = self._draft_line(draft, line_no)
        draft_line.inspection = Inspection(
            reason_code=reason_code,
            condition=condition,
            notes=redact_card_numbers(clean_text(notes, "note")),
        )
        draft_line.feedback = redact_card_numbers(clean_text(feedback, "feedback"))
        draft_line.photo_path = photo_path
        draft_line.photo_sha256 = photo_sha256
        draft_line.decision = None
        return draft_line

    def _draft_line(self, draft: ReturnDraft, line_no: int) -> DraftLine:
        if line_no not in draft.lines:
            raise ItemNotOnOrder(f"Line {line_no} is not part of this return yet. Scan the item.")
        return draft.lines[line_no]

    # ------------------------------------------------------------ 4. decide
    def evaluate(self, draft: ReturnDraft) -> dict[int, Decision]:
        """Decide every inspected line, the whole return's limits included."""
        return self._decide(draft, whole_return=True)

    def _decide(self, draft: ReturnDraft, *, whole_return: bool) -> dict[int, Decision]:
        """Each line on its own first; then, with more than one line, again with the whole
        return's refund (what every line would pay out if approved), so value thresholds and
        the cash limit apply to the return's total as well as to each line."""
        policy = self.policies.current
        now = self.clock.now()
        inspected = [dl for dl in draft.selected() if dl.inspection is not None]
        total: Money | None = None
        for rnd in range(2 if whole_return and len(inspected) > 1 else 1):
            for dl in inspected:
                assert dl.inspection is not None
                facts = self._facts(draft, dl, total)
                dl.decision = evaluate(facts, dl.inspection, draft.customer_history, now, policy)
            if rnd == 0:
                refunds = [approved_refund(dl.decision) for dl in inspected if dl.decision]
                total = sum(refunds, Money.zero(draft.order.currency))
        return {n: d.decision for n, d in draft.lines.items() if d.decision is not None}

    def _facts(
        self, draft: ReturnDraft, draft_line: DraftLine, return_refund: Money | None = None
    ) -> LineFacts:
        line, order = draft_line.line, draft.order
        qty = draft_line.quantity
        return LineFacts(
            sku=line.sku,
            category=line.category,
            channel=order.channel,
            purchased_at=order.purchased_at,
            unit_paid=line.unit_paid(),
            quantity_sold=line.quantity,
            quantity_already_returned=line.returned_quantity,
            quantity_requested=draft_line.quantity,
            serialised=line.serialised,
            serial_sold=line.serial,
            serial_presented=draft_line.serial_presented,
            has_receipt=draft.kind != "receiptless",
            tenders_paid=order.tenders,
            cash_paid=order.cash_left,
            final_sale=line.final_sale,
            lowest_recent_price=line.unit_price if draft.kind == "receiptless" else None,
            gross=line.refund_for(qty) if 0 < qty <= line.returnable_quantity else None,
            return_refund=return_refund,
        )

    # ------------------------------------------------------------ 5. override
    def authorize_override(
        self,
        draft: ReturnDraft,
        line_no: int,
        *,
        manager_username: str,
        pin: str,
        reason: str,
        note: str = "",
    ) -> OverrideGrant:
        draft_line = self._draft_line(draft, line_no)
        decision = draft_line.decision
        if decision is None:
            raise OverrideRefused("Check the item first; there is nothing to approve yet.")
        if decision.outcome in ("approve", "approve_with_fee"):
            raise OverrideRefused("This item is already approved; no override is needed.")
        if not decision.overridable:
            raise OverrideRefused(
                "This cannot be overridden by anyone: " + _reason_text(decision, hard_only=True)
            )
        reason = clean_text(reason, "override reason", 64, multiline=False)
        if not reason:
            raise BadInput("The manager must give a reason for the override.")
        if manager_username == draft.cashier.username:
            raise OverrideRefused(
                "You cannot approve your own return. Ask another manager to sign in here."
            )
        manager = auth.authenticate(self.engine, self.clock, manager_username, pin)
        if manager.id == draft.cashier.id:
            raise OverrideRefused(
                "You cannot approve your own return. Ask another manager to sign in here."
            )
        if not manager.can_approve:
            raise OverrideRefused(f"{manager.display_name} is not a manager and cannot approve.")
        grant = OverrideGrant(
            grant_id=str(uuid.uuid4()),
            draft_id=draft.id,
            line_no=line_no,
            manager=manager,
            reason=reason,
            note=redact_card_numbers(clean_text(note, "note")),
            rule_codes=grant_rule_codes(decision),
            quantity=draft_line.quantity,
            condition=draft_line.inspection.condition if draft_line.inspection else None,
            reason_code=draft_line.inspection.reason_code if draft_line.inspection else None,
            refund=approved_refund(decision),
        )
        draft_line.override = grant
        return grant

    # ------------------------------------------------------------ 6. refund
    def refund_summary(self, draft: ReturnDraft) -> RefundSummary:
        """What the draft refunds and what still blocks it (pure: see domain.draft)."""
        return refund_summary(draft)

    # ------------------------------------------------------------ 7. commit
    def commit_return(
        self, draft: ReturnDraft, tender: str, balance: BalancePayment | None = None
    ) -> CommittedReturn:
        """Write the whole return in one transaction; afterwards nothing of it can be lost.

        The draft is decided again first (on a clone): what is committed is what the policy
        says now of these facts, and it must be what the cashier was shown. With an exchange,
        `tender` refunds only a refundable difference and `balance` says how a balance owed
        was paid (cash, or card brand + last 4 + approval code)."""
        shown = self.refund_summary(draft)
        draft = self._recheck(draft, shown)
        summary = self.refund_summary(draft)
        if summary.blocked:
            raise NotRefundable(" ".join(summary.blocked))
        if draft.kind == "gift" and tender not in summary.tenders_allowed:
            raise BadInput(GIFT_TENDER_ONLY)
        tender, balance = ex.check_settlement(draft, summary, tender, balance)
        policy = self.policies.current
        now = self.clock.now()
        try:
            with UnitOfWork(self.engine, write=True) as uow:
                if draft.kind == "receiptless":  # the customer's limits, under a row lock
                    rless.recheck_limits(uow.conn, draft, summary, self.evaluate, policy, now)
                result = write_return(
                    uow.conn,
                    draft,
                    summary,
                    tender,
                    counter=CounterIdentity(
                        self.store_code, self.counter_code, self.email_language
                    ),
                    policy_version=policy.version,
                    now=now,
                    balance=balance,
                )
                self.claim_online(uow.conn, draft, result.ref)
                uow.commit()
        except IntegrityError as exc:
            text = str(exc.orig) if exc.orig else str(exc)
            if "draft_id" in text or "grant_id" in text:
                raise AlreadyCommitted("This return was already confirmed.") from None
            if "gift_code" in text:  # the return lines' unique gift code: used once only
                raise GiftCodeUsed(GIFT_USED_NOW) from None
            if "authorization_code" in text:  # consumed once: another counter just did
                raise AuthorizationRefused(AUTHORIZATION_USED_NOW) from None
            raise
        return result


    def _recheck(self, draft: ReturnDraft, shown: RefundSummary) -> ReturnDraft:
        """The draft decided again; refuses a voided approval with its reason, and a draft
        whose refund differs from what its own decisions showed (changed or tampered with)."""
        fresh = draft.clone()
        self.evaluate(fresh)
        for dl in fresh.selected():
            if dl.decision is not None and dl.decision.outcome in ("approve", "approve_with_fee"):
                dl.override = None  # approved on its own now: no approval is recorded
                continue
            problem = dl.override_problem(draft.id)
            if problem is not None:
                raise OverrideRefused(f"{dl.line.name}: {problem}.")
        if shown.blocked:
            raise NotRefundable(" ".join(shown.blocked))
        again = refund_summary(fresh)
        if (again.lines, again.total) != (shown.lines, shown.total):
            raise NotRefundable(
                "The return changed since it was checked against the policy: check the items "
                "again and confirm."
            )
        return fresh


def _check_search_terms(
    phone: str | None,
    email: str | None,
    card_last4: str | None,
    on_date: datetime | None,
    name: str | None,
) -> str | None:
    """Refuses search terms that cannot match (one line each); the name, spaces collapsed."""
    if not any([phone, email, card_last4, on_date, name]):
        raise BadInput(
            "Enter a name, a phone number, an e-mail, the card's last 4 digits or a date."
        )
    name = " ".join(name.split()) if name else None
    if name is not None and not 2 <= len(name) <= 100:
        raise BadInput("Enter at least 2 letters of the customer's name.")
    if card_last4 is not None and not (card_last4.isdigit() and len(card_last4) == 4):
        raise BadInput("Enter exactly the last 4 digits of the card.")
    if email is not None and (len(email) > 254 or "@" not in email):
        raise BadInput("That e-mail address does not look right.")
    if phone is not None and (len(phone) > 40 or not phone.strip()):
        raise BadInput("That phone number does not look right.")
    return name


def _reason_text(decision: Decision, hard_only: bool = False) -> str:
    reasons = [r for r in decision.reasons if r.hard or not hard_only]
    return " ".join(r.message for r in reasons) or "policy"
