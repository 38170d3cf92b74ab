"""The order's lines as a Qt table model: number, item, quantities, paid, eligibility badge, why.

The model reads a frozen view of the session (order, draft, preview decisions) handed to
`show()`; the view (ui.counter.order_panel) only paints it. The badge colours are those of
`ui.widgets.BADGE_COLOURS`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QCoreApplication,
    QModelIndex,
    QPersistentModelIndex,
    Qt,
)
from PySide6.QtGui import QColor, QFont

from counter_app.domain.draft import APPROVAL_VOID, DraftLine, ReturnDraft
from counter_app.domain.model import Order, OrderLine
from counter_app.domain.policy import Decision
from ui import i18n
from ui.counter import gift_view
from ui.labels import plain_tip
from ui.widgets import BADGE_COLOURS, BADGE_KIND_ROLE

_CTX = "MainWindow"

COLUMNS = 6
COL_NO, COL_ITEM, COL_QTY, COL_PAID, COL_STATUS, COL_WHY = range(COLUMNS)
LINE_NO_ROLE = int(Qt.ItemDataRole.UserRole)

_Index = QModelIndex | QPersistentModelIndex


def tr(text: str) -> str:
    return QCoreApplication.translate(_CTX, text)


def badge_for(line: OrderLine, decision: Decision | None, overridden: bool) -> tuple[str, str]:
    """(text, kind) of the eligibility badge of one line."""
    if line.returnable_quantity <= 0:
        return tr("Already returned"), "done"
    if decision is None:
        return tr("Not checked"), "done"
    if overridden and decision.overridable:
        return tr("Approved"), "approved"
    codes = decision.reason_codes()
    if decision.outcome == "approve":
        return tr("Returnable"), "ok"
    if decision.outcome == "approve_with_fee":
        return tr("Returnable, fee"), "fee"
    if "FINAL_SALE" in codes:
        return tr("Final sale"), "final"
    if decision.outcome == "refer" or decision.overridable:
        # the same English word as the header's button; Chinese says "needs a manager's approval"
        return QCoreApplication.translate(_CTX, "Manager", "line status"), "manager"
    return tr("Denied"), "denied"


def approval_void_text(message: str) -> str:
    """Why a manager's approval no longer covers its line, in the current language."""
    texts = {
        "draft": tr("The manager's approval belongs to another return"),
        "line": tr("The manager's approval was given for another item, not this one"),
        "quantity": tr("The manager's approval no longer applies: quantity changed"),
        "condition": tr("The manager's approval no longer applies: condition changed"),
        "reason": tr("The manager's approval no longer applies: reason changed"),
        "refund": tr("The manager's approval no longer applies: refund changed"),
        "rules": tr("The manager's approval no longer applies: rules changed"),
    }
    kind = next((k for k, v in APPROVAL_VOID.items() if v == message), None)
    return texts[kind] if kind is not None else message


def approval_holds(dl: DraftLine | None) -> bool:
    """The line carries a manager's approval that still covers what it approved."""
    return dl is not None and dl.override is not None and dl.override_problem() is None


def override_reason_label(code: str) -> str:
    from ui.counter.override_dialog import reason_label

    return reason_label(code)


def why_text(line: OrderLine, decision: Decision | None, dl: DraftLine | None) -> str:
    """The plain-words reasons behind a line's badge."""
    if line.returnable_quantity <= 0:
        return tr("All {n} already returned.").format(n=line.quantity)
    parts = []
    problem = dl.override_problem() if dl is not None else None
    if problem is not None:
        parts.append(approval_void_text(problem) + ".")
    elif dl is not None and dl.override is not None:
        parts.append(
            tr("Approved by {manager}: {reason}.").format(
                manager=dl.override.manager.display_name,
                reason=override_reason_label(dl.override.reason),
            )
        )
    if decision is not None:
        parts.extend(i18n.reason_text(r) for r in decision.reasons)
        if decision.outcome == "approve" and not decision.reasons:
            parts.append(tr("Within the return window."))
    return " ".join(parts)


def decision_for(
    draft: ReturnDraft | None, preview: Mapping[int, Decision], line_no: int
) -> Decision | None:
    """The line's decision after inspection, else its eligibility before it."""
    dl = draft.lines.get(line_no) if draft is not None else None
    if dl is not None and dl.decision is not None:
        return dl.decision
    return preview.get(line_no)


class _Row:
    """One line's cells, computed once per `show()` (painting only looks them up)."""

    __slots__ = ("kind", "line_no", "texts")

    def __init__(
        self, line: OrderLine, draft: ReturnDraft | None, preview: Mapping[int, Decision]
    ) -> None:
        dl = draft.lines.get(line.line_no) if draft is not None else None
        decision = decision_for(draft, preview, line.line_no)
        mark = "" if dl is None else (" ✓" if dl.verified else " +")
        badge, self.kind = badge_for(line, decision, approval_holds(dl))
        item = f"{line.name}\n{line.sku}" if line.name.isascii() else f"{line.name} · {line.sku}"
        self.line_no = line.line_no
        self.texts = (
            f"{line.line_no}{mark}",
            item,
            f"{line.quantity} / {line.returned_quantity}",
            gift_view.hidden_price() if gift_view.is_gift(draft) else i18n.money(line.paid),
            badge,
            why_text(line, decision, dl),
        )


class LinesModel(QAbstractTableModel):
    """Read-only rows of the open order; `show()` replaces them all at once."""

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._rows: list[_Row] = []
        self._headers: tuple[str, ...] = ()
        self.retranslate()

    def retranslate(self) -> None:
        self._headers = (
            tr("#"), tr("Item"), tr("Sold / returned"), tr("Paid"), tr("Status"), tr("Why")
        )
        self.headerDataChanged.emit(Qt.Orientation.Horizontal, 0, COLUMNS - 1)

    def show(
        self,
        order: Order | None,
        draft: ReturnDraft | None,
        preview: Mapping[int, Decision],
    ) -> None:
        self.beginResetModel()
        lines = order.lines if order is not None else []
        self._rows = [_Row(line, draft, preview) for line in lines]
        self.endResetModel()

    def row_of(self, line_no: int) -> int:
        """The row showing order line `line_no`, or -1."""
        for row, r in enumerate(self._rows):
            if r.line_no == line_no:
                return row
        return -1

    def line_no(self, row: int) -> int | None:
        return self._rows[row].line_no if 0 <= row < len(self._rows) else None

    def text(self, row: int, column: int) -> str:
        """The cell's text (as painted)."""
        return self._rows[row].texts[column]

    # ------------------------------------------------------------------ Qt model
    def rowCount(self, parent: _Index = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: _Index = QModelIndex()) -> int:
        return 0 if parent.isValid() else COLUMNS

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if (
            orientation == Qt.Orientation.Horizontal
            and role == Qt.ItemDataRole.DisplayRole
            and 0 <= section < len(self._headers)
        ):
            return self._headers[section]
        return super().headerData(section, orientation, role)

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        row, col = self._rows[index.row()], index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            return row.texts[col]
        if role == LINE_NO_ROLE:
            return row.line_no
        if role == Qt.ItemDataRole.ToolTipRole and col in (COL_STATUS, COL_WHY):
            return plain_tip(row.texts[COL_WHY])
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return _alignment(col)
        if col == COL_STATUS:
            return _badge_data(row.kind, role)
        return None


def _alignment(col: int) -> Any:
    if col in (COL_QTY, COL_PAID):
        return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
    if col == COL_STATUS:
        return int(Qt.AlignmentFlag.AlignCenter)
    return None


def _badge_data(kind: str, role: int) -> Any:
    background, foreground = BADGE_COLOURS.get(kind, BADGE_COLOURS["done"])
    if role == Qt.ItemDataRole.BackgroundRole:
        return QColor(background)
    if role == Qt.ItemDataRole.ForegroundRole:
        return QColor(foreground)
    if role == Qt.ItemDataRole.FontRole:
        font = QFont()
        font.setBold(True)
        return font
    if role == BADGE_KIND_ROLE:
        return kind
    return None
