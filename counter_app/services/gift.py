"""Gift returns: a gift receipt's code opens the one line it names, for its recipient.

The recipient never sees the buyer: `domain.gift.gift_view` keeps only that line and drops
the customer; the refund is store credit or an exchange only (`domain.gift.GIFT_TENDERS`,
applied by the refund summary and again by the commit). A code is used once: the return line
stores it under a unique constraint, so the second use is refused even when two counters
confirm at the same moment (`GiftCodeUsed`).
"""

from __future__ import annotations

from sqlalchemy import Engine

from counter_app.adapters.db import gifts
from counter_app.adapters.db import repository as repo
from counter_app.domain.draft import ReturnDraft
from counter_app.domain.gift import gift_view, normalise_gift_code
from counter_app.domain.model import Order, User
from counter_app.domain.scanning import classify_scan
from counter_app.services.errors import AlreadyReturned, BadInput, GiftCodeUsed, OrderNotFound
from counter_app.services.returns import ReturnDesk
from counter_app.services.unit_of_work import UnitOfWork
from counter_app.services.validation import printable

GIFT_USED = "Gift receipt {code} was already used for a return ({ref}); it cannot be used again."


def gift_code(text: str) -> str:
    code = normalise_gift_code(text)
    if code is None:
        raise BadInput(f"{printable(text)} is not a gift-receipt code (G- and 10 characters).")
    return code


def find_gift(engine: Engine, text: str) -> tuple[Order, int]:
    """The order and line number gift code `text` names; refused once it was used."""
    code = gift_code(text)
    with UnitOfWork(engine) as uow:
        found = gifts.line_for_gift_code(uow.conn, code)
        used = gifts.gift_code_used_by(uow.conn, code)
        order = repo.load_order(uow.conn, found[0]) if found else None
    if used is not None:
        raise GiftCodeUsed(GIFT_USED.format(code=code, ref=used))
    if found is None or order is None:
        raise OrderNotFound(
            f"No gift receipt {code} in this store's records. Check the code, or sync the "
            "counter and scan it again."
        )
    return order, found[1]


def start_gift_return(desk: ReturnDesk, text: str, cashier: User) -> ReturnDraft:
    """A gift return on the line the code names (nothing picked yet; scan the item)."""
    order, line_no = find_gift(desk.engine, text)
    view = gift_view(order, (line_no,))
    line = view.line(line_no)
    if line.returnable_quantity <= 0:
        raise AlreadyReturned(f"{line.name} on this gift receipt was already returned.")
    draft = desk.start_return(view, cashier)
    draft.kind = "gift"
    return draft



def open_return(desk: ReturnDesk, code: str, cashier: User) -> ReturnDraft:
    """A return started from a scan or typed code: a gift receipt's code opens its gift
    return, anything else the order it names."""
    if classify_scan(code) == "gift":
        return start_gift_return(desk, code, cashier)
    return desk.start_return(desk.find_order(code), cashier)
