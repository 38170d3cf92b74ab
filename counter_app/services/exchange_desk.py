"""The return desk's use cases for an exchange (a mixin of `ReturnDesk`): the returned
product's variants, the items the customer takes instead, and the outcome. Committing is the
desk's own step (`commit_return(draft, tender, balance)`), as for any return."""

from __future__ import annotations

from sqlalchemy import Engine

from counter_app.domain.draft import ReturnDraft
from counter_app.domain.exchange import ExchangeOutcome, Replacement, Variant
from counter_app.domain.policy import PolicyHolder
from counter_app.services import exchanges as ex


class ExchangeDesk:
    engine: Engine
    policies: PolicyHolder

    def variants(self, draft: ReturnDraft, line_no: int) -> list[Variant]:
        """The returned line's product in its other sizes/colours, with sellable stock."""
        return ex.variants(self.engine, draft, line_no)

    def add_replacement(self, draft: ReturnDraft, barcode: str, quantity: int = 1) -> Replacement:
        """Add an item the customer takes instead (checked: sellable stock, not a gift card)."""
        return ex.add_replacement(self.engine, self.policies.current, draft, barcode, quantity)

    def remove_replacement(self, draft: ReturnDraft, index: int) -> None:
        ex.remove_replacement(draft, index)

    def exchange_outcome(self, draft: ReturnDraft) -> ExchangeOutcome:
        """Even, refundable or balance owed, with the amounts."""
        return ex.exchange_outcome(draft)
