"""The exchange at the counter: the cashier chose "Exchange" and confirmed — the right side of
the work page shows the exchange panel (ui.counter.exchange_panel) instead of the check and
refund steps, and scans add what the customer takes instead.

`ExchangeScreen` runs the panel's requests as draft changes through the session (off the UI
thread, ui.counter.exchange_flow) and renders the session's draft: the replacements are the
draft's exchange part, the outcome is computed from the draft's refund summary with the pure
domain rule, so what the screen says is what the commit checks. Confirm commits the return
and its exchange in one step (`ReturnSession.commit` with the balance payment).
"""

from __future__ import annotations

import re
from collections.abc import Callable

from PySide6.QtCore import QCoreApplication, QObject, Qt
from PySide6.QtWidgets import QStackedWidget, QWidget

from counter_app.domain.cards import contains_card_number
from counter_app.domain.exchange import ExchangeOutcome, Variant, outcome
from counter_app.services.commit import CommittedReturn
from counter_app.services.errors import BadInput
from ui import i18n
from ui.context import CounterContext
from ui.counter import exchange_flow
from ui.counter.balance_form import card_number_refused
from ui.counter.exchange_flow import ExchangeState
from ui.counter.exchange_panel import ExchangePanel
from ui.counter.refund_panel import RefundPanel
from ui.counter.session import ReturnSession
from ui.errors import friendly_error
from ui.labels import tender_name
from ui.widgets import Banner

_CTX = "ExchangePanel"


def tr(text: str) -> str:
    return QCoreApplication.translate(_CTX, text)


# The service's one-line refusals of a replacement, so they read in the cashier's language.
_REFUSALS: tuple[tuple[re.Pattern[str], Callable[[], str]], ...] = (
    (re.compile(r"^No product with the barcode (?P<code>.*) in this store\.$"),
     lambda: tr("No product with the barcode {code} in this store.")),
    (re.compile(r"^(?P<name>.*) is a gift card: gift cards are not given in exchange\.$"),
     lambda: tr("{name} is a gift card: gift cards are not given in exchange.")),
    (re.compile(r"^(?P<name>.*): only (?P<left>\d+) on the sellable shelf, not (?P<n>\d+)\.$"),
     lambda: tr("{name}: only {left} on the sellable shelf, not {n}.")),
    (re.compile(r"^An exchange takes at most (?P<n>\d+) items\.$"),
     lambda: tr("An exchange takes at most {n} items.")),
)  # fmt: skip


def refusal_text(exc: BaseException, code: str = "") -> str:
    """Why a replacement (or the exchange) was refused: one line for the banner."""
    if isinstance(exc, BadInput) and i18n.current_language() != "en":
        for pattern, text in _REFUSALS:
            found = pattern.match(str(exc))
            if found is not None:
                return text().format(**found.groupdict())
    return friendly_error(exc, code)


class ExchangeScreen(QObject):
    """The exchange page of the work page's right-hand stack, and what it does."""

    def __init__(
        self,
        ctx: CounterContext,
        session: ReturnSession,
        right: QStackedWidget,
        banner: Banner,
        refund: RefundPanel,
    ) -> None:
        super().__init__(session)
        self.ctx, self.session, self.right, self.banner = ctx, session, right, banner
        self.refund = refund
        self.tender = refund.tender  # leaving "exchange" there drops the items taken
        self.panel = ExchangePanel()
        right.addWidget(self.panel)
        self._variants: tuple[Variant, ...] = ()
        self._paid: str | None = None  # the balance's tender of the commit under way
        p = self.panel
        p.typed.connect(self.scan)
        p.variant_chosen.connect(self._variant_chosen)
        p.remove_requested.connect(self.remove)
        p.back_requested.connect(self.back)
        p.confirm_requested.connect(self.confirm)
        p.balance.refused.connect(lambda text: self.banner.show_message(text, "error"))
        p.balance.changed.connect(self.render)
        session.draft_changed.connect(self.render)
        session.cleared.connect(self._cleared)
        session.return_committed.connect(self._committed)
        session.commit_failed.connect(lambda _exc: self.render())
        self.tender.currentIndexChanged.connect(self._tender_changed)

    @property
    def active(self) -> bool:
        return self.right.currentWidget() is self.panel

    def retranslate(self) -> None:
        self.panel.retranslate()
        self.render()

    # ------------------------------------------------------------------ opening and leaving
    def start(self) -> None:
        """The cashier confirmed the return with "Exchange": show the exchange page."""
        desk = self.ctx.desk
        self.session.change_draft(
            lambda d: exchange_flow.open_exchange(desk, d), self._opened, self._failed
        )

    def _opened(self, st: ExchangeState) -> None:
        self._variants = st.variants or ()
        self.panel.show_variants(self._variants)
        self._show_page(True)
        self.render()
        self.panel.focus_scan()

    def back(self) -> None:
        """Back to the check and refund steps; the items taken stay while "Exchange" does."""
        self._show_page(False)
        self.tender.setFocus()

    def _show_page(self, exchange: bool) -> None:
        """The exchange page, or back to the one it replaced. The stack is as tall as its
        tallest page: the replaced page's panels are hidden meanwhile, so the exchange's own
        height decides and its totals and Confirm fit a 1366x768 screen."""
        self._hide_return_page(exchange)
        if exchange:
            self.right.setCurrentWidget(self.panel)
        else:
            self.right.setCurrentIndex(0)

    def _hide_return_page(self, hide: bool) -> None:
        page = self.right.widget(0)
        if page is None:
            return
        for part in page.findChildren(QWidget, options=Qt.FindChildOption.FindDirectChildrenOnly):
            part.setVisible(not hide)

    def _tender_changed(self) -> None:
        self._label_confirm()
        draft = self.session.draft
        if self.tender.currentData() == "exchange" or draft is None or draft.exchange is None:
            return
        desk = self.ctx.desk
        self.session.change_draft(lambda d: exchange_flow.leave(desk, d), lambda _st: None)

    def _cleared(self) -> None:
        self._hide_return_page(False)  # the page stack is the work page's again
        self._variants = ()
        self.panel.show_variants(())
        self.panel.balance.clear()
        self.panel.show_hint("")

    # ------------------------------------------------------------------ replacements
    def scan(self, code: str) -> None:
        """A scanned or typed barcode: the customer takes this item."""
        code = code.strip()
        if not code:
            self.banner.show_message(tr("Nothing was scanned. Scan the barcode or type it."))
            return
        if contains_card_number(code):  # typed in the wrong field: never echoed, never sent
            self.panel.scan_input.clear()
            self.banner.show_message(card_number_refused(), "error")
            return
        self._add(code)

    def _variant_chosen(self, variant: Variant) -> None:
        if variant.barcode is None:
            self.banner.show_message(tr("This product has no barcode: scan the item itself."))
            return
        self._add(variant.barcode)

    def _add(self, code: str) -> None:
        desk = self.ctx.desk
        self.session.change_draft(
            lambda d: exchange_flow.add(desk, d, code),
            self._added,
            lambda exc: self._refused(exc, code),
        )

    def _added(self, st: ExchangeState) -> None:
        self.banner.clear()
        self.panel.scan_input.clear()
        if st.added is not None:
            self.panel.taken_view.setCurrentIndex(self.panel.taken.index(st.added, 0))

    def _refused(self, exc: BaseException, code: str) -> None:
        self.banner.show_message(refusal_text(exc, code), "error")
        self.panel.scan_input.setText(code if len(code) <= 64 else "")
        self.panel.focus_scan()

    def remove(self, index: int) -> None:
        desk = self.ctx.desk
        self.session.change_draft(lambda d: exchange_flow.remove(desk, d, index), self._removed)

    def _removed(self, _st: ExchangeState) -> None:
        count = self.panel.taken.rowCount()
        if count:
            self.panel.taken_view.setCurrentIndex(self.panel.taken.index(count - 1, 0))
        else:
            self.panel.focus_scan()

    def _failed(self, exc: BaseException) -> None:
        self.banner.show_message(refusal_text(exc), "error")

    # ------------------------------------------------------------------ outcome and confirm
    def outcome(self) -> ExchangeOutcome | None:
        s = self.session
        if s.summary is None or s.draft is None:
            return None
        return outcome(s.summary.total, s.draft.exchange)

    def _label_confirm(self) -> None:
        """With "Exchange" chosen, the refund's confirm button opens the exchange."""
        button = self.refund.confirm_button
        text = tr("Exchange: what does the customer take?")
        if self.tender.currentData() == "exchange":
            if button.text() != text:
                button.setText(text)
                button.setToolTip(tr("Choose the items the customer takes instead (F9)"))
        elif button.text() == text:
            self.refund.retranslate()

    def render(self) -> None:
        """The panel from the session's draft (only while it is on screen: a plain return
        pays nothing for it)."""
        self._label_confirm()
        if not self.active:
            return
        s, result = self.session, self.outcome()
        exchange = s.draft.exchange if s.draft is not None else None
        replacements = list(exchange.replacements) if exchange is not None else []
        tenders = s.summary.tenders_allowed if s.summary is not None else ()
        problem = self._problem(result)
        self.panel.show_state(result, replacements, tenders, problem is None)
        self.panel.show_hint(problem or "")

    def _problem(self, result: ExchangeOutcome | None) -> str | None:
        """What still stops the exchange being confirmed, in the cashier's words; None: go."""
        s = self.session
        if s.committed is not None or result is None or s.summary is None:
            return ""
        if s.summary.blocked:
            return tr("Go back to the return: it cannot be confirmed yet.")
        if result.kind == "none":
            return tr("Scan at least one item the customer takes instead.")
        if result.kind == "refundable" and self.panel.balance.refund_tender_code() is None:
            return tr("These items allow no tender for the difference: refund them instead.")
        if result.kind == "balance_owed":
            paid = self.panel.balance.settlement()
            if isinstance(paid, str):
                return paid
        return None

    def confirm(self) -> None:
        result = self.outcome()
        problem = self._problem(result)
        if problem is not None or result is None:
            if problem:
                self.banner.show_message(problem, "warning")
            return
        tender = "exchange"
        if result.kind == "refundable":
            tender = self.panel.balance.refund_tender_code() or tender
        paid = self.panel.balance.settlement() if result.kind == "balance_owed" else None
        balance = paid if not isinstance(paid, str) else None
        self._paid = balance.tender if balance is not None else None
        self.panel.confirm_button.setEnabled(False)
        self.session.commit(tender, balance)

    def _committed(self, result: CommittedReturn) -> None:
        """Says, after the page's own words, what the exchange sale is and how it settled."""
        self._hide_return_page(False)  # the work page shows the confirmed return now
        self.panel.balance.clear()
        if result.exchange is None:
            return
        words = tr("Exchange {ref} confirmed: sale {number}.").format(
            ref=result.ref, number=result.exchange_number or "—"
        )
        self.banner.show_message(words + " " + settled_text(result, self._paid), "info")


def settled_text(result: CommittedReturn, paid: str | None) -> str:
    """How the exchange settled, in one sentence; `paid`: the balance's tender."""
    done = result.exchange
    if done is None:
        return ""
    if done.kind == "refundable":
        return tr("{amount} refunded to {tender}.").format(
            amount=i18n.money(done.refundable), tender=tender_name(result.tender)
        )
    if done.kind == "balance_owed":
        if paid == "card":
            text = tr("The customer paid {amount} by card.")
        else:
            text = tr("The customer paid {amount} in cash.")
        return text.format(amount=i18n.money(done.balance_owed))
    return tr("Even: nothing changed hands.")
