"""The counter's one window: the shell around the return (DESIGN.md §2, §8).

Top to bottom in the order of the work: 1 scan / search (camera preview beside it,
ui.counter.scan_panel) → 2 the order with per-line eligibility (order_panel) → 3 item check
of the selected line (inspection_panel) → 4 refund summary and confirm, then 5 the
reference and the receipt preview (refund_panel), all on the work page (work_page). The
return itself — order, draft, decisions, summary, the committed return — lives in
`ReturnSession` (session.py), which runs every desk action on the task runner.

This window is the shell: the page stack (sign-in / work), the header, lock and sign-in,
the shortcuts, the camera and the dialogs.
"""

from __future__ import annotations

import functools
from collections.abc import Callable

from PySide6.QtCore import QCoreApplication, QEvent, QObject, Qt, QTimer, Signal
from PySide6.QtGui import QCloseEvent, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QApplication,
    QFrame,
    QMainWindow,
    QScrollArea,
    QStackedWidget,
    QWidget,
)

from counter_app.domain.draft import OverrideGrant
from counter_app.domain.model import User
from counter_app.services import auth
from ui.context import CounterContext
from ui.counter.approval_note import ApprovalNote
from ui.counter.header import HeaderBar
from ui.counter.login import LoginPage
from ui.counter.receiptless_dialog import add_no_receipt_button
from ui.counter.session import ReturnSession
from ui.counter.takeover import install_takeover
from ui.counter.work_page import WorkPage
from ui.devices.scanner import WedgeFilter
from ui.widgets import LiveScreen, icon

_CTX = "MainWindow"


def tr(text: str) -> str:
    return QCoreApplication.translate(_CTX, text)


class IdleWatcher(QObject):
    """Counts user input anywhere in the app; `timeout` fires after `minutes` of none."""

    timeout = Signal()

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.timer = QTimer(self)
        self.timer.setSingleShot(True)
        self.timer.timeout.connect(self.timeout)

    def set_interval_ms(self, ms: int) -> None:
        self.timer.setInterval(max(0, ms))
        self.restart()

    def restart(self) -> None:
        if self.timer.interval() > 0:
            self.timer.start()
        else:
            self.timer.stop()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() in (
            QEvent.Type.KeyPress,
            QEvent.Type.MouseButtonPress,
            QEvent.Type.Wheel,
            QEvent.Type.TouchBegin,
        ):
            self.restart()
        return False


class MainWindow(LiveScreen, QMainWindow):
    order_shown = Signal(str)  # order number, with eligibility
    draft_changed = Signal()
    return_committed = Signal(str)  # reference
    lock_changed = Signal(bool)
    signed_in = Signal(object)
    reprint_requested = Signal(str)  # a return reference; printing connects here or to ctx

    def __init__(self, ctx: CounterContext) -> None:
        super().__init__()
        self.setObjectName("mainWindow")
        self.ctx = ctx
        self.tasks = ctx.tasks
        self.session = ReturnSession(ctx, self)
        self._restore_focus: QWidget | None = None
        self._open_dialogs: list[QWidget] = []
        self.setWindowIcon(icon("app"))
        self.stack = QStackedWidget()
        # A 1366x768 screen less its taskbar and title bar leaves under 730 px: on a screen
        # that small the page scrolls instead of being cut off; on larger ones it just fits.
        scroller = QScrollArea()
        scroller.setWidgetResizable(True)
        scroller.setFrameShape(QFrame.Shape.NoFrame)
        scroller.setWidget(self.stack)
        self.setCentralWidget(scroller)
        screen = QApplication.primaryScreen()
        room = screen.availableGeometry().size() if screen is not None else None
        self.resize(
            min(1366, room.width()) if room else 1366, min(768, room.height()) if room else 768
        )
        self.login = LoginPage(ctx)
        self.login.signed_in.connect(self._on_signed_in)
        self.header = HeaderBar()
        self.work = WorkPage(ctx, self.session, self.header, self._counter_ready)
        self.banner = self.work.banner
        self.approval_note = ApprovalNote(self.session, self.banner)
        self.stack.addWidget(self.login)
        self.stack.addWidget(self.work)
        self.work.inspection.settle_list_widths()  # on the window, before the lists fill
        self.takeover = install_takeover(self)  # a manager's way out of a stranded return
        self._wire()
        self._build_shortcuts()
        add_no_receipt_button(self.work.scan_panel, self.open_receiptless)
        self.tasks.busy_changed.connect(self.work.busy.setVisible)
        self.tasks.error.connect(lambda exc: self.show_error(exc))
        self._install_input_watchers()
        self._plug_camera()
        self.retranslate()
        self.resize(1366, 768)
        self.show_login()

    # ------------------------------------------------------------------ building
    def _wire(self) -> None:
        w, h = self.work, self.header
        w.order_shown.connect(self.order_shown)
        w.draft_changed.connect(self.draft_changed)
        w.return_committed.connect(self.return_committed)
        w.reprint_requested.connect(self.reprint_requested)
        w.override_requested.connect(self.open_override)
        w.search_requested.connect(self.open_search)
        h.history_requested.connect(self.open_history)
        h.settings_requested.connect(self.open_settings)
        h.lock_requested.connect(self.lock)
        h.tool_requested.connect(self.open_manager_tool)

    def _build_shortcuts(self) -> None:
        def shortcut(keys: str, fn: Callable[[], None]) -> None:
            sc = QShortcut(QKeySequence(keys), self.work)
            sc.setContext(Qt.ShortcutContext.WindowShortcut)
            sc.activated.connect(fn)

        w = self.work
        for keys, fn in (
            ("F2", self.open_search), ("F3", w.focus_scan), ("F4", self.open_override),
            ("F6", self.open_history), ("F9", self.confirm), ("Ctrl+Return", self.confirm),
            ("Ctrl+Enter", self.confirm), ("Ctrl+N", self.new_return), ("Ctrl+L", self.lock),
            ("Ctrl+,", self.open_settings), ("Ctrl+Del", w.remove_current_line),
            ("Ctrl+Ins", w.add_current_line), ("Esc", self.banner.clear),
            ("F5", self.open_receiptless), ("F10", w.grade_all_new),
            ("F8", self.open_credit),
            ("Ctrl+M", self.open_manager_menu),
        ):  # fmt: skip
            shortcut(keys, fn)

    def _install_input_watchers(self) -> None:
        self.wedge = WedgeFilter(self, enabled=self._scanning_enabled)
        self.wedge.scanned.connect(self.handle_scan)
        self.idle = IdleWatcher(self)
        self.idle.timeout.connect(self._idle_lock)
        app = QApplication.instance()
        if app is not None:
            app.installEventFilter(self.wedge)
            app.installEventFilter(self.idle)
        self.set_idle_minutes(self.ctx.app.settings.idle_lock_minutes)

    def _plug_camera(self) -> None:
        """The camera's preview beside the scan field, its scans into `handle_scan`, and the
        "Take photo" (F7) panel in the inspection's photo slot."""
        from ui.devices.camera_widget import CounterCamera
        from ui.devices.photo import PhotoTaker

        self.camera = CounterCamera(self.ctx.app.settings.camera_source, self._counter_ready, self)
        self.work.scan_panel.set_preview(self.camera.view)
        self.camera.scanned.connect(self._camera_scanned)
        self.signed_in.connect(self.camera.resume)
        self.lock_changed.connect(self.camera.follow_lock)
        self.photo = PhotoTaker(
            self.ctx, self.session, self.camera.controller, self._counter_ready, self
        )
        self.work.inspection.set_photo_widget(self.photo.panel)
        self.signed_in.connect(self.photo.refresh)
        self.photo.message.connect(self.banner.show_message)
        self.photo.failed.connect(self.show_error)

    def _counter_ready(self) -> bool:
        """Someone is signed in and the counter is not locked."""
        return not self.locked and self.ctx.user is not None

    # ------------------------------------------------------------------ language
    def retranslate(self) -> None:
        self.setWindowTitle(tr("Returns Counter"))
        self.header.retranslate(self.ctx.app.settings, self.ctx.user)
        self.work.retranslate()

    # ------------------------------------------------------------------ sign-in and lock
    def show_login(self) -> None:
        self.login.check = None
        self.login.prepare(None)
        self.stack.setCurrentWidget(self.login)
        engine = self.ctx.app.engine
        self.tasks.run(lambda: auth.list_users(engine), self._staff_checked, lambda _e: None)

    def _staff_checked(self, users: list[User]) -> None:
        if not any(u.active for u in users) and not self.login.message.text():
            self.login.message.setText(
                tr(
                    "This store has no staff accounts yet. An administrator creates the first "
                    "one with: counter-app users add NAME --role admin"
                )
            )

    def _on_signed_in(self, user: User) -> None:
        draft = self.session.draft
        if draft is not None and draft.cashier.id != user.id:
            # another cashier takes the counter: an untouched order view is not theirs
            self.work.new_return(discard=True)
        self.ctx.user = user
        self.stack.setCurrentWidget(self.work)
        self.header.show_user(user)
        self.retranslate()
        self.idle.restart()
        self.lock_changed.emit(False)
        self.signed_in.emit(user)
        if self._restore_focus is not None and self._restore_focus.isVisible():
            self._restore_focus.setFocus()
        else:
            self.work.focus_scan()
        self._restore_focus = None

    @property
    def locked(self) -> bool:
        return self.stack.currentWidget() is self.login

    def lock(self) -> None:
        user = self.ctx.user
        if user is None or self.locked:
            return
        for dialog in list(self._open_dialogs):
            dialog.close()
        focus = QApplication.focusWidget()
        self._restore_focus = focus if focus is not None and self.work.isAncestorOf(focus) else None
        self.login.check = self._may_unlock
        self.login.prepare(user)
        self.stack.setCurrentWidget(self.login)
        self.lock_changed.emit(True)

    def _may_unlock(self, user: User) -> str | None:
        holder = self.ctx.user
        if holder is None or user.id == holder.id:
            return None
        if self.session.in_progress:
            if user.can_approve:
                return self.takeover.offer(user, holder)
            return tr(
                "{name} has a return in progress. Only {name} or a manager can unlock this "
                "counter."
            ).format(name=holder.display_name)
        return None

    def _idle_lock(self) -> None:
        if self.ctx.user is not None and not self.locked:
            self.lock()

    def set_idle_minutes(self, minutes: float) -> None:
        self.idle.set_interval_ms(int(minutes * 60_000))

    def _scanning_enabled(self) -> bool:
        if self.locked or not self.isVisible():
            return False
        if QApplication.activeModalWidget() is not None:
            return False
        active = QApplication.activeWindow()
        return active is None or active is self

    # ------------------------------------------------------------------ the return (work page)
    def show_error(self, exc: BaseException, code: str = "") -> None:
        self.work.show_error(exc, code)

    def show_unexpected(self) -> None:
        self.banner.show_message(
            tr(
                "Something unexpected went wrong on this screen. The return in progress is "
                "kept; try again, and if it keeps happening call support."
            ),
            "error",
        )

    def show_info(self, text: str) -> None:
        self.work.show_info(text)

    def handle_scan(self, text: str) -> None:
        """A scanned or typed code (handheld scanner, camera, keyboard)."""
        self.work.handle_scan(text)

    def _camera_scanned(self, text: str) -> None:
        """A camera read. On the confirmed screen it is ignored: the camera sees whatever
        is on the counter, and the customer is still reading their receipt. A handheld scan,
        typing or Ctrl+N start the next return."""
        if self.work.exchange.active:
            return  # the returned item lies in view: what is taken is scanned by hand
        if self.session.committed is not None and self.work.right.currentIndex() == 1:
            if self._counter_ready() and text.strip():  # a small hint under the receipt
                self.work.confirmed.hint.setText(
                    tr(
                        "The camera read a code; the receipt stays on screen. Next customer: "
                        "scan with the handheld scanner, type the number or press Ctrl+N."
                    )
                )
            return
        self.handle_scan(text)

    def confirm(self) -> None:
        self.work.confirm()

    def new_return(self) -> None:
        self.work.new_return()

    # ------------------------------------------------------------------ dialogs
    def open_override(self) -> None:
        dl = self.session.current_draft_line()
        draft = self.session.draft
        if self.locked or draft is None or dl is None:
            return
        if not self.work.inspection.override_button.isEnabled():
            self.banner.show_message(
                tr("This line does not need a manager: nothing to override."), "warning", 5000
            )
            return
        from ui.counter.override_dialog import OverrideDialog

        line_no = dl.line.line_no
        # the dialog checks the manager on a copy; the grant comes back through the session
        dialog = OverrideDialog(self.ctx, draft.clone(), line_no, self)
        dialog.granted.connect(functools.partial(self._override_granted, line_no))
        self._track(dialog)
        dialog.open()

    def _override_granted(self, line_no: int, grant: OverrideGrant) -> None:
        text = tr("Approved by {manager}.").format(manager=grant.manager.display_name)
        self.show_info(text)
        self.approval_note.shown(line_no, text)  # taken down if the approval is voided
        self.session.apply_override(line_no, grant)

    def _track(self, dialog: QWidget) -> None:
        self._open_dialogs.append(dialog)
        dialog.destroyed.connect(lambda *_: self._forget(dialog))
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose, True)
        if hasattr(dialog, "finished"):
            dialog.finished.connect(lambda *_: self._back_to_work())

    def _back_to_work(self) -> None:
        if self.locked:
            return
        self.activateWindow()
        self.work.focus_scan()

    def _forget(self, dialog: QWidget) -> None:
        if dialog in self._open_dialogs:
            self._open_dialogs.remove(dialog)

    def open_search(self) -> None:
        if self.locked:
            return
        from ui.counter.search_dialog import SearchDialog

        dialog = SearchDialog(self.ctx, self)
        dialog.chosen.connect(self._search_chosen)
        self._track(dialog)
        dialog.open()

    def open_receiptless(self) -> None:
        """A return without a receipt (ui/counter/receiptless_dialog.py)."""
        if self.locked:
            return
        from ui.counter.receiptless_dialog import ReceiptlessDialog

        dialog = ReceiptlessDialog(self.ctx, self)
        dialog.committed.connect(self.return_committed)
        self._track(dialog)
        dialog.open()

    def open_credit(self) -> None:
        """The store-credit screen (F8): a voucher's value, spent, left, genuine."""
        if self.locked or self.ctx.user is None:
            return
        from ui.counter.credit_dialog import CreditDialog

        dialog = CreditDialog(self.ctx, self)
        self._track(dialog)
        dialog.open()

    def _search_chosen(self, number: str) -> None:
        self.work.open_order_number(number)

    def open_history(self) -> None:
        if self.locked:
            return
        from ui.counter.history_dialog import HistoryDialog

        dialog = HistoryDialog(self.ctx, self)
        dialog.reprint_requested.connect(self.reprint_requested)
        self._track(dialog)
        dialog.open()

    def open_manager_menu(self) -> None:
        user = self.ctx.user
        if not self.locked and user is not None and user.can_approve:
            self.header.open_manager_menu()

    def open_manager_tool(self, name: str) -> None:
        """Reports, day close, returned stock or customer e-mails — managers only."""
        user = self.ctx.user
        if self.locked or user is None or not user.can_approve:
            return
        import ui.manager as manager

        opener = {
            "reports": manager.open_reports,
            "day_close": manager.open_day_close,
            "stock": manager.open_stock,
            "mail": manager.open_mail,
        }[name]
        self._track(opener(self.ctx, self))

    def open_settings(self) -> None:
        user = self.ctx.user
        if self.locked or user is None:
            return
        if not user.can_approve:
            self.banner.show_message(
                tr("Only a manager or an administrator can change the settings."),
                "warning",
                5000,
            )
            return
        from ui.manager.settings_dialog import SettingsDialog

        dialog = SettingsDialog(self.ctx, self)
        dialog.saved.connect(self._settings_saved)
        self._track(dialog)
        dialog.open()

    def _settings_saved(self) -> None:
        self.set_idle_minutes(self.ctx.app.settings.idle_lock_minutes)
        self.retranslate()
        self.show_info(tr("Settings saved."))

    # ------------------------------------------------------------------ closing
    def closeEvent(self, event: QCloseEvent) -> None:
        for dialog in list(self._open_dialogs):
            dialog.close()
        app = QApplication.instance()
        if app is not None:
            app.removeEventFilter(self.wedge)
            app.removeEventFilter(self.idle)
        self.idle.timer.stop()
        self.camera.shutdown()
        self.tasks.shutdown()
        super().closeEvent(event)
