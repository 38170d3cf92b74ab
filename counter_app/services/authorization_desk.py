"""The return desk's use cases for a return started online (a mixin of `ReturnDesk`): open a
return code, verify its items (by barcode with `verify_item`, or against the catalog photo
when the barcode is missing), and consume the code at commit.

Head office decides when it can be asked (a live fetch with a short timeout, a claim at
commit); offline, the copy the store pulled decides and head office checks again at sync.
A "Doesn't match" photo check takes the line out of the return: the customer keeps that item
and the rest goes ahead (it can still be scanned back in if the photo was misjudged).
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from datetime import datetime
from typing import TYPE_CHECKING, Any, Protocol

from sqlalchemy import Connection, Engine

from counter_app.adapters.central_errors import (
    AuthorizationConflict,
    CentralRefused,
    CentralUnavailable,
)
from counter_app.adapters.db import authorizations as store
from counter_app.domain.auth_code import display_code, parse_code
from counter_app.domain.authorization import Authorization, AuthorizedLine
from counter_app.domain.draft import DraftLine, ReturnDraft
from counter_app.domain.model import Order, User
from counter_app.domain.policy import PolicyHolder
from counter_app.services.clock import Clock
from counter_app.services.errors import (
    AuthorizationRefused,
    BadInput,
    CounterError,
    ItemNotOnOrder,
)
from counter_app.services.unit_of_work import UnitOfWork

if TYPE_CHECKING:
    from counter_app.sync_protocol import ReturnAuthorization

NOT_A_CODE = "That is not a valid return code: check it and scan or type it again."
NOT_HERE_YET = (
    "Head office cannot be reached and this return code has not reached the store yet — "
    "start the return from the order."
)
UNKNOWN = "Head office knows no return code {code}: check it, or start the return from the order."


class AuthorizationCentral(Protocol):
    """What the desk asks head office (HttpCentralClient, or a fake in tests)."""

    def fetch_authorization(self, code: str) -> dict[str, Any] | None: ...

    def claim_authorization(self, code: str, return_ref: str) -> dict[str, Any]: ...


CentralOpener = Callable[[], AbstractContextManager[AuthorizationCentral]]


class AuthorizationDesk:
    engine: Engine
    clock: Clock
    policies: PolicyHolder
    store_code: str
    # Opens a short-timeout client to head office (bootstrap sets it; None: not configured).
    central: CentralOpener | None = None

    if TYPE_CHECKING:

        def find_order(self, code: str) -> Order: ...

        def start_return(self, order: Order, cashier: User) -> ReturnDraft: ...

        def select_line(self, draft: ReturnDraft, line_no: int, quantity: int = 1) -> DraftLine:
            ...

    # ------------------------------------------------------------ open
    def open_authorization(self, text: str, cashier: User) -> ReturnDraft:
        """A draft of the code's order with its authorized lines selected at their quantity
        and reason, unverified; refuses a code that cannot be used, in one line."""
        code = parse_code(str(text)[:64])
        if code is None:
            raise AuthorizationRefused(NOT_A_CODE)
        found = self._current_authorization(code)
        self._refuse_unusable(found)
        try:
            order = self.find_order(found.order_number)
        except CounterError:
            raise AuthorizationRefused(
                f"The order of return code {display_code(code)} ({found.order_number}) is not "
                "in this store's records yet: sync, or start the return from the order."
            ) from None
        draft = self.start_return(order, cashier)
        for line in found.lines:
            try:
                order_line = order.line(line.line_no)
            except KeyError:
                order_line = None
            if order_line is None or order_line.sku != line.sku:
                raise AuthorizationRefused(
                    f"Return code {display_code(code)} names an item that is not on order "
                    f"{order.number}: start the return from the order."
                )
            quantity = min(line.quantity, order_line.returnable_quantity)
            if quantity <= 0:
                continue  # returned since (online or at another store)
            draft_line = self.select_line(draft, line.line_no, quantity)
            draft_line.authorized_reason = line.reason
            draft_line.verified = False
        if not draft.lines:
            raise AuthorizationRefused(
                f"Everything on return code {display_code(code)} was already returned."
            )
        draft.authorization = found
        return draft

    def _current_authorization(self, code: str) -> Authorization:
        """Head office's word when it answers (kept locally), else the pulled copy."""
        live: dict[str, Any] | None = None
        asked = False
        if self.central is not None:
            # head office's client (httpx) loads when it is first asked, not with the window
            try:
                with self.central() as client:
                    live = client.fetch_authorization(code)
                asked = True
            except (CentralUnavailable, CentralRefused):
                asked = False
        with UnitOfWork(self.engine, write=live is not None) as uow:
            if live is not None:
                item = _validated(live).model_dump(mode="json")
                store.save_authorization(uow.conn, item)
                uow.commit()
            found = store.load_authorization(uow.conn, code)
            used_here = store.return_using(uow.conn, code)
        if asked and live is None:
            raise AuthorizationRefused(UNKNOWN.format(code=display_code(code)))
        if found is None:
            raise AuthorizationRefused(NOT_HERE_YET)
        if used_here is not None:
            ref, at = used_here
            raise AuthorizationRefused(
                f"This return code was already used for return {ref} on {self._day(at)}."
            )
        return found

    def _refuse_unusable(self, found: Authorization) -> None:
        raise_if_unusable(found, self.clock.now(), self._day)

    def _day(self, moment: datetime) -> str:
        local = moment.astimezone(self.policies.current.zone)
        return f"{local.day} {local:%b %Y}"

    # ------------------------------------------------------------ verify
    def verify_by_photo(self, draft: ReturnDraft, line_no: int, matches: bool) -> DraftLine:
        """The item held up against the catalog photo (its barcode is missing). Matches: the
        line is verified (audited at commit as verified by photo). Doesn't match: the line
        leaves the return and is handed back unverified."""
        draft_line = draft.lines.get(line_no)
        if draft_line is None:
            raise ItemNotOnOrder(f"Line {line_no} is not part of this return.")
        if self.catalog_image(draft_line.line.sku) is None:
            raise BadInput(
                f"There is no catalog photo of {draft_line.line.name}: scan or type its barcode."
            )
        if not matches:
            draft.lines.pop(line_no)
            draft_line.verified = False
            draft_line.verified_by_photo = False
            return draft_line
        draft_line.verified = True
        draft_line.verified_by_photo = True
        draft_line.decision = None
        return draft_line

    def catalog_image(self, sku: str) -> bytes | None:
        """The product's catalog picture (PNG), if head office sent one."""
        with UnitOfWork(self.engine) as uow:
            return store.load_image(uow.conn, str(sku)[:64])

    # ------------------------------------------------------------ commit
    def claim_online(self, conn: Connection, draft: ReturnDraft, return_ref: str) -> None:
        """Consume the draft's code at head office, inside the commit's transaction (its
        rollback writes nothing when head office refuses). Unreachable: the return goes
        ahead and head office decides when the return reaches it at sync."""
        found = draft.authorization
        if found is None:
            return
        if self.central is not None:
            try:
                with self.central() as client:
                    client.claim_authorization(found.code, return_ref)
            except AuthorizationConflict as exc:
                raise AuthorizationRefused(self._conflict_text(found.code, exc)) from None
            except (CentralUnavailable, CentralRefused):
                pass
        store.mark_used_here(conn, found.code, self.store_code, return_ref, self.clock.now())

    def _conflict_text(self, code: str, exc: AuthorizationConflict) -> str:
        """The refusal in the cashier's words, from head office's record when it answers
        (nothing is written here: the commit's transaction is still open)."""
        try:
            assert self.central is not None
            with self.central() as client:
                live = client.fetch_authorization(code)
        except (CentralUnavailable, CentralRefused):
            live = None
        if live is not None:
            try:
                raise_if_unusable(from_item(live), self.clock.now(), self._day)
            except AuthorizationRefused as refused:
                return str(refused)
        return f"Head office refused this return code: {str(exc)[:200]}."


def _validated(item: dict[str, Any]) -> ReturnAuthorization:
    """The protocol's checks on an authorization; its models load on the first code opened,
    not with the counter window."""
    from counter_app.sync_protocol import ReturnAuthorization

    return ReturnAuthorization.model_validate(item)


def from_item(item: dict[str, Any]) -> Authorization:
    """A `ReturnAuthorization` (as JSON, validated here) as the counter sees it."""
    auth = _validated(item)
    return Authorization(
        code=auth.code,
        order_number=auth.order_number,
        status=auth.status,
        refund=auth.refund,
        lines=tuple(
            AuthorizedLine(ln.line_no, ln.sku, ln.quantity, ln.reason) for ln in auth.lines
        ),
        created_at=auth.created_at,
        expires_at=auth.expires_at,
        status_token=auth.status_token,
        used_by_store=auth.used_by_store,
        used_at=auth.used_at,
        cancelled_at=auth.cancelled_at,
    )


def raise_if_unusable(
    found: Authorization, now: datetime, day: Callable[[datetime], str]
) -> None:
    """Refuse a used, cancelled or expired authorization with its date."""
    if found.status == "used":
        where = f" at store {found.used_by_store}" if found.used_by_store else ""
        when = f" on {day(found.used_at)}" if found.used_at else ""
        raise AuthorizationRefused(f"This return code was already used{where}{when}.")
    if found.status == "cancelled":
        when = f" on {day(found.cancelled_at)}" if found.cancelled_at else ""
        raise AuthorizationRefused(f"This return code was cancelled{when}.")
    if found.status == "expired" or found.expires_at <= now:
        raise AuthorizationRefused(f"This return code expired on {day(found.expires_at)}.")
