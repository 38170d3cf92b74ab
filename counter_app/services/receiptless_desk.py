"""The return desk's use cases for a return without a receipt (a mixin of `ReturnDesk`):
identify the customer, then scan each product with its reason and condition. Deciding,
approving and committing are the desk's own steps, as for any return."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from sqlalchemy import Engine

from counter_app.domain.draft import DraftLine, ReturnDraft
from counter_app.domain.model import User
from counter_app.domain.policy import PolicyHolder
from counter_app.services import receiptless as rless
from counter_app.services.clock import Clock


class ReceiptlessDesk:
    engine: Engine
    clock: Clock
    policies: PolicyHolder
    store_code: str
    # The store's ID-document secret (bootstrap sets it; None: ID documents are refused).
    id_secret: Callable[[], bytes] | None = None

    def start_receiptless(self, customer: rless.ReceiptlessCustomer, cashier: User) -> ReturnDraft:
        """A return without a receipt for the identified customer (services/receiptless.py)."""
        found = rless.identify(self.engine, customer, self.id_secret)
        policy, now = self.policies.current, self.clock.now()
        return rless.start(self.engine, policy, now, self.store_code, found, cashier)

    def add_receiptless_item(
        self,
        draft: ReturnDraft,
        barcode: str,
        *,
        reason_code: str,
        condition: str,
        notes: str = "",
    ) -> DraftLine:
        """One scanned unit, priced at its lowest price of the policy's last N days, with the
        cashier's inspection (checked like any line's)."""
        policy, now = self.policies.current, self.clock.now()
        line = rless.add_product(draft, rless.scanned_product(self.engine, barcode, policy, now))
        try:
            return self.record_inspection(
                draft, line.line.line_no, reason_code=reason_code, condition=condition, notes=notes
            )
        except Exception:
            rless.remove_line(draft, line.line.line_no)  # a refused inspection adds nothing
            raise

    if TYPE_CHECKING:  # ReturnDesk's own step, which this mixin calls

        def record_inspection(
            self,
            draft: ReturnDraft,
            line_no: int,
            *,
            reason_code: str,
            condition: str,
            notes: str = "",
        ) -> DraftLine: ...
