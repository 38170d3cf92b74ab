"""Step 3 of the counter: check the selected line — quantity, serial, reason, condition, notes,
feedback, the photo slot, the policy's verdict and the manager override button."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QCoreApplication, Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLayout,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QWidget,
)

from counter_app.domain.draft import DraftLine
from counter_app.domain.model import OrderLine
from counter_app.domain.policy_model import Policy
from ui import i18n
from ui.counter import authorized_view as authorized
from ui.counter.catalog_check import CatalogCheck
from ui.counter.lines_model import approval_holds, badge_for, why_text
from ui.counter.session import ReturnSession
from ui.counter.step import StepPanel
from ui.labels import escape
from ui.widgets import Label, icon

_CTX = "MainWindow"


def tr(text: str) -> str:
    return QCoreApplication.translate(_CTX, text)


class InspectionPanel(StepPanel):
    """Renders the session's current line and turns the cashier's edits into session actions.
    `set_photo_widget()` puts the camera's photo panel in the photo slot."""

    add_requested = Signal()
    remove_requested = Signal()
    override_requested = Signal()
    all_new_requested = Signal()

    def __init__(self, session: ReturnSession, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.session = session
        self._loading = False  # suppress signals while filling the fields
        layout = self.box
        self.line_name = Label()
        self.line_name.setObjectName("lineName")
        self.line_name.setWordWrap(True)
        self.line_name.setStyleSheet("font-weight: 600;")
        layout.addWidget(self.line_name)
        self.line_state = Label()
        self.line_state.setObjectName("lineState")
        self.line_state.setWordWrap(True)
        layout.addWidget(self.line_state)
        layout.addLayout(self._build_form())
        layout.addLayout(self._build_decision_row())
        layout.addStretch(1)
        session.line_selected.connect(self.refresh)

    def _build_fields(self) -> QHBoxLayout:
        self.qty = QSpinBox()
        self.qty.setObjectName("quantity")
        self.qty.setMinimum(1)
        self.qty.setMinimumWidth(80)
        self.qty.valueChanged.connect(self._quantity_changed)
        self.add_button = QPushButton(icon("new"), "")
        self.add_button.setObjectName("addLineButton")
        self.add_button.clicked.connect(self.add_requested)
        self.remove_button = QPushButton()
        self.remove_button.setObjectName("removeLineButton")
        self.remove_button.clicked.connect(self.remove_requested)
        self.serial = QLineEdit()
        self.serial.setObjectName("serialInput")
        self.serial.setMaxLength(64)
        self.serial.returnPressed.connect(self.serial_entered)
        self.reason = QComboBox()
        self.reason.setObjectName("reasonCombo")
        self.reason.currentIndexChanged.connect(self._inspection_changed)
        self.condition = QComboBox()
        self.condition.setObjectName("conditionCombo")
        self.condition.currentIndexChanged.connect(self._inspection_changed)
        self.notes = QLineEdit()
        self.notes.setObjectName("notesInput")
        self.notes.setMaxLength(2000)
        self.notes.editingFinished.connect(self._inspection_changed)
        self.feedback = QLineEdit()
        self.feedback.setObjectName("feedbackInput")
        self.feedback.setMaxLength(2000)
        self.feedback.editingFinished.connect(self._inspection_changed)
        self.photo_slot = Label()
        self.photo_slot.setObjectName("photoSlot")
        self.photo_slot.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.photo_slot.setMinimumWidth(90)
        self.photo_slot.setStyleSheet(
            "border: 2px dashed #9aa8b6; border-radius: 6px; color: #4a5866;"
        )
        self._qty_row = QHBoxLayout()
        for w in (self.qty, self.add_button, self.remove_button):
            self._qty_row.addWidget(w)
        self._qty_row.addWidget(self.photo_slot, 1)
        self._photo_widget: QWidget = self.photo_slot
        # a return code's line not scanned yet: its catalog photo where the item's photo goes
        self.catalog = CatalogCheck()
        self.catalog.hide()
        self.catalog.answered.connect(self._photo_answered)
        self._qty_row.addWidget(self.catalog, 1)
        return self._qty_row

    def _build_form(self) -> QGridLayout:
        form = QGridLayout()
        form.setHorizontalSpacing(8)
        form.setVerticalSpacing(6)
        self.qty_label, self.serial_label = Label(), Label()
        self.reason_label, self.condition_label = Label(), Label()
        self.notes_label, self.feedback_label = Label(), Label()
        fields = self._build_fields()
        self.all_new = QPushButton()
        self.all_new.setObjectName("allNewButton")
        self.all_new.clicked.connect(self.all_new_requested)
        self.all_new.hide()  # a return code's items only
        condition_row = QHBoxLayout()
        condition_row.addWidget(self.condition, 1)
        condition_row.addWidget(self.all_new)
        rows: list[tuple[QLabel, QWidget | QLayout]] = [
            (self.qty_label, fields),
            (self.serial_label, self.serial),
            (self.reason_label, self.reason),
            (self.condition_label, condition_row),
            (self.notes_label, self.notes),
            (self.feedback_label, self.feedback),
        ]
        for r, (label, field) in enumerate(rows):
            form.addWidget(label, r, 0)
            if isinstance(field, QWidget):
                form.addWidget(field, r, 1)
                label.setBuddy(field)
            else:
                form.addLayout(field, r, 1)
                label.setBuddy(self.condition if field is condition_row else self.qty)
        form.setColumnStretch(1, 1)
        return form

    def _build_decision_row(self) -> QHBoxLayout:
        self.decision_text = Label()
        self.decision_text.setObjectName("decisionText")
        self.decision_text.setWordWrap(True)
        self.decision_text.setTextFormat(Qt.TextFormat.RichText)  # data in it is escaped
        row = QHBoxLayout()
        row.addWidget(self.decision_text, 1)
        self.override_button = QPushButton(icon("override"), "")
        self.override_button.setObjectName("override")
        self.override_button.clicked.connect(self.override_requested)
        row.addWidget(self.override_button, 0, Qt.AlignmentFlag.AlignBottom)
        return row

    def set_photo_widget(self, widget: QWidget) -> None:
        """Put `widget` (the photo thumbnail and its button) where the photo slot is."""
        self._qty_row.replaceWidget(self.photo_slot, widget)
        self.photo_slot.hide()
        self._photo_widget = widget

    def settle_list_widths(self) -> None:
        """Call once the panel is on the (styled) window and before the lists are filled: Qt
        keeps a list's minimum width from its first query, so the form keeps the width the
        counter always had instead of widening to the longest reason or condition."""
        for combo in (self.reason, self.condition):
            combo.minimumSizeHint()

    def retranslate(self) -> None:
        self.title.setText(tr("3  Check the item"))
        self.qty_label.setText(tr("&Quantity"))
        self.qty.setToolTip(tr("Up and Down arrows change the quantity"))
        self.serial_label.setText(tr("S&erial no."))
        self.reason_label.setText(tr("&Reason"))
        self.condition_label.setText(tr("C&ondition"))
        self.notes_label.setText(tr("&Notes"))
        self.feedback_label.setText(tr("&Feedback"))
        self.photo_slot.setText(tr("No photo"))
        self.photo_slot.setToolTip(tr("A photo of the item appears here once the camera is set up"))
        self.serial.setPlaceholderText(tr("Scan or type the serial number"))
        self.reason.setPlaceholderText(tr("Pick the customer's reason"))
        self.condition.setPlaceholderText(tr("Pick the item's condition"))
        self.notes.setPlaceholderText(tr("What you see on the item (optional)"))
        self.feedback.setPlaceholderText(tr("What could we have done better? (optional)"))
        self.add_button.setText(tr("Add"))
        self.add_button.setToolTip(
            tr("Add this line without scanning (Enter on the line, Ctrl+Ins)")
        )
        self.remove_button.setText(tr("Remove"))
        self.remove_button.setToolTip(tr("Take this line out of the return (Ctrl+Del)"))
        self.override_button.setText(tr("Manager override…"))
        self.override_button.setToolTip(tr("A manager approves this line with their PIN (F4)"))
        self.all_new.setText(authorized.all_new_text())
        self.all_new.setToolTip(authorized.all_new_tip())
        self.catalog.retranslate()

    def fill_policy_lists(self, policy: Policy) -> None:
        """The reasons and conditions of the current policy, in the current language."""
        self._loading = True
        try:
            for combo, items in (
                (self.reason, policy.reason_codes),
                (self.condition, policy.conditions),
            ):
                keep = combo.currentData()
                combo.clear()
                for code, label in items:
                    combo.addItem(i18n.policy_label(label), code)
                combo.setCurrentIndex(combo.findData(keep) if keep is not None else -1)
        finally:
            self._loading = False

    # ------------------------------------------------------------------ rendering
    def refresh(self, *_: Any) -> None:
        self._loading = True
        try:
            self._render()
        finally:
            self._loading = False

    def _current_order_line(self) -> OrderLine | None:
        s = self.session
        if s.order is None or s.current_line is None:
            return None
        try:
            return s.order.line(s.current_line)
        except KeyError:
            return None

    def _render(self) -> None:
        s = self.session
        line = self._current_order_line()
        dl = s.current_draft_line()
        open_ = s.committed is None
        editable = dl is not None and open_
        for w in (self.reason, self.condition, self.notes, self.feedback, self.qty):
            w.setEnabled(editable)
        self.remove_button.setEnabled(editable)
        self.add_button.setEnabled(
            line is not None and dl is None and line.returnable_quantity > 0 and open_
        )
        serial_needed = line is not None and line.serialised
        self.serial.setVisible(serial_needed)
        self.serial_label.setVisible(serial_needed)
        self.serial.setEnabled(editable)
        self.all_new.setVisible(authorized.is_authorized(s.draft) and open_)
        self._render_catalog(dl if open_ else None)
        if line is None:
            self._render_empty()
        else:
            self._render_line(line, dl)

    def _policy(self) -> Policy:
        return self.session.ctx.app.policies.current

    def _render_catalog(self, dl: DraftLine | None) -> None:
        """The catalog photo beside a line of a return code that was not scanned yet."""
        show = dl is not None and authorized.is_authorized(self.session.draft) and not dl.verified
        self._photo_widget.setVisible(not show)  # no condition photo before the item is checked
        self.catalog.setVisible(show)
        if show and dl is not None:
            s = self.session
            self.catalog.show_for(dl.line.sku, s.ctx.tasks, s.catalog_image)

    def _render_empty(self) -> None:
        self.line_name.setText(
            tr("Scan an item of the order, or pick a line and press Enter.")
            if self.session.order is not None
            else tr("Scan the order's barcode or type its number to begin.")
        )
        self.line_state.clear()
        self.decision_text.clear()
        self.reason.setCurrentIndex(-1)
        self.condition.setCurrentIndex(-1)
        self.notes.clear()
        self.feedback.clear()
        self.serial.clear()
        self.override_button.setEnabled(False)

    def _render_line(self, line: OrderLine, dl: DraftLine | None) -> None:
        self.line_name.setText(f"{line.line_no}. {line.name}  ({line.sku})")
        if dl is None:
            state = (
                tr("Not in this return. Scan the item, or press Add.")
                if line.returnable_quantity > 0
                else tr("Already returned in full.")
            )
        elif dl.verified_by_photo:
            state = authorized.photo_match(line.name)
        elif dl.verified:
            state = tr("Item scanned and matches the order ✓")
        elif dl.authorized_reason is not None:
            state = authorized.not_scanned_text()
        else:
            state = tr("Added without scanning")
        note = authorized.line_note(dl, self._policy())
        self.line_state.setText(f"{state} {note}" if note else state)
        self.qty.setMaximum(max(1, line.returnable_quantity))
        self.qty.setValue(dl.quantity if dl else 1)
        self.serial.setText(dl.serial_presented or "" if dl else "")
        insp = dl.inspection if dl else None
        reason = insp.reason_code if insp else (dl.authorized_reason if dl else None)
        self.reason.setCurrentIndex(self.reason.findData(reason) if reason else -1)
        self.condition.setCurrentIndex(self.condition.findData(insp.condition) if insp else -1)
        self.notes.setText(insp.notes if insp else "")
        self.feedback.setText(dl.feedback if dl else "")
        self._render_decision(line, dl)

    def _render_decision(self, line: OrderLine, dl: DraftLine | None) -> None:
        decision = self.session.decision_for(line.line_no)
        text, _kind = badge_for(line, decision, approval_holds(dl))
        why = why_text(line, decision, dl)
        if dl is not None and dl.decision is None:
            self.decision_text.setText(
                tr("Pick a reason and a condition to check this item against the policy.")
            )
        else:
            prefix = "" if dl is not None else tr("Before inspection:") + " "
            self.decision_text.setText(f"{escape(prefix)}<b>{escape(text)}</b> — {escape(why)}")
        needs = (
            dl is not None
            and dl.decision is not None
            and dl.decision.outcome in ("refer", "deny")
            and dl.decision.overridable
            and not approval_holds(dl)
            and self.session.committed is None
        )
        self.override_button.setEnabled(needs)

    def focus_next_step(self, line_no: int) -> bool:
        """After a line was scanned or added: focus its serial, else its reason. False when
        the line needs nothing more here (the scan field is next)."""
        draft = self.session.draft
        if draft is None or line_no not in draft.lines:
            return True
        dl = draft.lines[line_no]
        if dl.line.serialised and not dl.serial_presented:
            self.serial.setFocus()
        elif dl.inspection is None and authorized.reason_of(dl, self._policy()) is not None:
            self.condition.setFocus()  # the customer's reason came with the return code
        elif dl.inspection is None:
            self.reason.setFocus()
        else:
            return False
        return True

    # ------------------------------------------------------------------ edits -> session
    def _photo_answered(self, matches: bool) -> None:
        dl = self.session.current_draft_line()
        if dl is not None and self.session.committed is None:
            self.session.verify_by_photo(dl.line.line_no, matches)

    def _quantity_changed(self, value: int) -> None:
        dl = self.session.current_draft_line()
        if self._loading or dl is None or dl.quantity == value:
            return
        self.session.set_quantity(dl.line.line_no, value)

    def serial_entered(self) -> None:
        dl = self.session.current_draft_line()
        text = self.serial.text().strip()
        if dl is None or not text:
            return
        self.session.set_serial(dl.line.line_no, text)

    def _inspection_changed(self, *_: Any) -> None:
        if self._loading:
            return
        s = self.session
        dl = s.current_draft_line()
        reason, condition = self.reason.currentData(), self.condition.currentData()
        if dl is None or reason is None or condition is None or s.committed is not None:
            return
        notes, feedback = self.notes.text(), self.feedback.text()
        serial = self.serial.text().strip() if dl.line.serialised else None
        insp = dl.inspection
        if (
            insp is not None
            and (insp.reason_code, insp.condition, insp.notes, dl.feedback)
            == (reason, condition, notes.strip(), feedback.strip())
            and (serial or None) == (dl.serial_presented or None)
        ):
            return
        s.inspect(
            dl.line.line_no,
            reason_code=reason,
            condition=condition,
            notes=notes,
            feedback=feedback,
            serial=serial or None,
        )
