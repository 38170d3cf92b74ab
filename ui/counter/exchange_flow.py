"""The exchange's desk actions, as the worker runs them for the exchange panel.

Like ui.counter.return_flow: every function runs off the UI thread on a *clone* of the draft
the screen shows and hands back a frozen `ExchangeState` — a `DraftState` (so the session
swaps the changed clone in as for any other change) with the exchange's outcome, and the
variants of the returned products when they were looked up.
"""

from __future__ import annotations

from dataclasses import dataclass

from counter_app.domain.draft import ReturnDraft
from counter_app.domain.exchange import ExchangeDraft, ExchangeOutcome, Variant
from counter_app.services.returns import ReturnDesk
from ui.counter import return_flow
from ui.counter.return_flow import DraftState


@dataclass(frozen=True)
class ExchangeState(DraftState):
    outcome: ExchangeOutcome | None = None
    variants: tuple[Variant, ...] | None = None  # None: not looked up by this action
    added: int | None = None  # index of the replacement this action added


def state(
    desk: ReturnDesk,
    draft: ReturnDraft,
    *,
    variants: tuple[Variant, ...] | None = None,
    added: int | None = None,
) -> ExchangeState:
    st = return_flow.state(desk, draft)
    return ExchangeState(
        st.draft,
        st.decisions,
        st.summary,
        outcome=desk.exchange_outcome(draft),
        variants=variants,
        added=added,
    )


def all_variants(desk: ReturnDesk, draft: ReturnDraft) -> tuple[Variant, ...]:
    """The variants of every returned line, each product once, in the lines' order."""
    seen: dict[str, Variant] = {}
    for dl in draft.selected():
        for v in desk.variants(draft, dl.line.line_no):
            seen.setdefault(v.sku, v)
    return tuple(seen.values())


def open_exchange(desk: ReturnDesk, draft: ReturnDraft) -> ExchangeState:
    """The cashier chose Exchange: the draft gets its (empty) exchange part."""
    if draft.exchange is None:
        draft.exchange = ExchangeDraft()
    return state(desk, draft, variants=all_variants(desk, draft))


def add(desk: ReturnDesk, draft: ReturnDraft, barcode: str, quantity: int = 1) -> ExchangeState:
    desk.add_replacement(draft, barcode, quantity)
    assert draft.exchange is not None
    return state(desk, draft, added=len(draft.exchange.replacements) - 1)


def remove(desk: ReturnDesk, draft: ReturnDraft, index: int) -> ExchangeState:
    desk.remove_replacement(draft, index)
    return state(desk, draft)


def leave(desk: ReturnDesk, draft: ReturnDraft) -> ExchangeState:
    """Back to a plain refund: the replacements are dropped."""
    draft.exchange = None
    return state(desk, draft)
