"""Settings for managers and administrators: identity, language, lock, devices."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QCoreApplication, Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from counter_app.config import IDLE_LOCK_MINUTES, save_settings
from ui import i18n
from ui.context import CounterContext
from ui.manager.camera_choice import CameraChoice
from ui.manager.settings_more import MoreSettings
from ui.widgets import Label, LiveScreen, form_row, icon

_CTX = "SettingsDialog"


def tr(text: str) -> str:
    return QCoreApplication.translate(_CTX, text)


class SettingsDialog(LiveScreen, QDialog):
    saved = Signal()

    def __init__(self, ctx: CounterContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("settingsDialog")
        self.setWindowIcon(icon("settings"))
        self.ctx = ctx
        layout = QVBoxLayout(self)
        form = self._build_form()
        self.more = MoreSettings(ctx.app.settings, ctx.user)  # paper, e-mail, head office
        self.more.add_to(form)
        layout.addLayout(form)
        self.camera_test_button = QPushButton(icon("camera"), "")
        self.camera_test_button.setObjectName("cameraTestButton")
        self.camera_test_button.clicked.connect(self.open_camera_test)
        layout.addWidget(self.camera_test_button, 0, Qt.AlignmentFlag.AlignRight)
        self.hint = Label()
        self.hint.setObjectName("muted")
        self.hint.setWordWrap(True)
        layout.addWidget(self.hint)
        self.message = Label()
        self.message.setObjectName("settingsMessage")
        self.message.setWordWrap(True)
        self.message.setStyleSheet("color: #8a1c1c; font-weight: 600;")
        layout.addWidget(self.message)
        layout.addWidget(self._build_buttons())
        self.setMinimumWidth(620)
        self.retranslate()

    def _build_form(self) -> QFormLayout:
        """One field per setting, filled with what is saved now."""
        s = self.ctx.app.settings
        form = QFormLayout()
        self.store = QLineEdit(s.store_code)
        self.store.setObjectName("settingsStore")
        self.counter = QLineEdit(s.counter_code)
        self.counter.setObjectName("settingsCounter")
        self.language = QComboBox()
        self.language.setObjectName("settingsLanguage")
        for code, name in i18n.LANGUAGE_NAMES.items():
            self.language.addItem(name, code)
        self.language.setCurrentIndex(
            max(0, self.language.findData(i18n.normalise(s.language)))
        )
        self.idle = QSpinBox()
        self.idle.setObjectName("settingsIdle")
        self.idle.setRange(*IDLE_LOCK_MINUTES)
        self.idle.setValue(s.idle_lock_minutes)
        self.printer = QLineEdit(s.printer_url)
        self.printer.setObjectName("settingsPrinter")
        self.camera = CameraChoice(s.camera_source)  # the cameras present, or "No camera"
        self.labels = [Label() for _ in range(6)]
        for label, field in zip(
            self.labels,
            (self.store, self.counter, self.language, self.idle, self.printer, self.camera),
            strict=True,
        ):
            form_row(form, label, field)
        return form

    def _build_buttons(self) -> QDialogButtonBox:
        """Save, Cancel and the printer's test page (printing: ui/devices/printing.py)."""
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel
        )
        self.buttons.accepted.connect(self.save)
        self.buttons.rejected.connect(self.reject)
        self.test_page_button = QPushButton(icon("print"), "")
        self.test_page_button.setObjectName("settingsTestPage")
        self.test_page_button.setAutoDefault(False)
        self.buttons.addButton(self.test_page_button, QDialogButtonBox.ButtonRole.ActionRole)
        self.test_page_button.clicked.connect(self.print_test_page)
        printing = self.ctx.printing
        self.test_page_button.setEnabled(printing is not None)
        if printing is not None:
            printing.test_page_done.connect(self._test_page_done)
        return self.buttons

    def retranslate(self) -> None:
        self.setWindowTitle(tr("Settings"))
        for label, text in zip(
            self.labels,
            (
                tr("&Store code"),
                tr("&Counter code"),
                tr("&Language"),
                tr("&Lock after idle (minutes)"),
                tr("&Printer"),
                tr("C&amera"),
            ),
            strict=True,
        ):
            label.setText(text)
        self.printer.setPlaceholderText("usb://VID:PID, tcp://HOST:9100, preview://")
        self.camera.retranslate()
        self.more.retranslate()
        self.camera_test_button.setText(tr("Test camera…"))
        self.camera_test_button.setToolTip(
            tr("Live picture and decoded codes from the camera chosen above")
        )
        self.hint.setText(
            tr("Printer examples: usb://04b8:0202, tcp://192.168.1.50:9100, "
               "serial:///dev/ttyUSB0?baudrate=19200, cups://QUEUE, preview://.")
        )
        self.buttons.button(QDialogButtonBox.StandardButton.Save).setText(tr("Save"))
        self.buttons.button(QDialogButtonBox.StandardButton.Cancel).setText(tr("Cancel"))
        self.test_page_button.setText(tr("Print test page"))
        self.test_page_button.setToolTip(tr("Print a test page on the printer typed above"))

    def first_field(self) -> QWidget:
        return self.store

    def print_test_page(self) -> None:
        """On the printer as typed (saved or not); the printer is never waited on here."""
        from dataclasses import replace

        printer = self.printer.text().strip() or "preview://"
        if self.ctx.printing is None:
            return
        self.test_page_button.setEnabled(False)
        self.message.setText(tr("Printing the test page…"))
        self.ctx.printing.test_page(replace(self.ctx.app.settings, printer_url=printer))

    def _test_page_done(self, result: Any) -> None:
        self.test_page_button.setEnabled(True)
        if result.printed:
            self.message.setText(tr("Test page printed."))
        else:
            self.message.setText(
                tr("The test page did not print: {reason}").format(reason=result.reason)
            )

    def save(self) -> None:
        from counter_app.services.errors import BadInput
        from counter_app.services.validation import clean_code

        try:
            store = clean_code(self.store.text(), "store code")
            counter = clean_code(self.counter.text(), "counter code")
        except BadInput:
            self.message.setText(tr("Store and counter codes are letters, digits and dashes."))
            return
        printer = self.printer.text().strip() or "preview://"
        if "://" not in printer:
            self.message.setText(tr("The printer is a connection string like tcp://HOST:9100."))
            return
        language = self.language.currentData()
        changes = {
            "store_code": store,
            "counter_code": counter,
            "language": language,
            "idle_lock_minutes": self.idle.value(),
            "printer_url": printer,
            "camera_source": self.camera.text(),
            **self.more.changes(),
        }
        app = self.ctx.app
        camera_before = app.settings.camera_source
        try:
            app.settings = save_settings(app.settings, **changes)
        except (OSError, ValueError) as exc:  # ValueError: ConfigError, a refused value
            self.message.setText(tr("The settings could not be saved: {error}").format(error=exc))
            return
        app.desk.store_code = store
        app.desk.counter_code = counter
        if app.desk.email_language is not None:  # e-mails on: the next one in the new language
            app.desk.email_language = app.settings.language
        if language != i18n.current_language():
            i18n.set_language(language)
        if self.ctx.printing is not None:  # the chip: what is known of the printer saved now
            self.ctx.printing.refresh()
        if app.settings.camera_source != camera_before:
            from ui.devices.camera import hub

            hub().source_changed.emit(app.settings.camera_source)
        self.saved.emit()
        self.accept()

    def open_camera_test(self) -> None:
        from ui.devices.camera_test_dialog import CameraTestDialog

        dialog = CameraTestDialog(self.camera.text(), self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose, True)
        self.camera_test = dialog
        dialog.open()
