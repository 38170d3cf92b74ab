"""The Settings' receipt, e-mail and head-office fields (before: `config set` only).

Receipt paper and the store copy, and the customer e-mails' sender, are for managers. The
head-office address and key and the mail server (its URL may hold a password) are for
administrators only: a manager sees neither field. Secrets are never shown back — the key
field stays empty with "(set)" as its hint, the mail server's password is shown as *** —
and an empty key field or an untouched server line changes nothing. Saving goes through
`config.save_settings`, the same checked, atomic, owner-only (0600) file as `config set`.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QCoreApplication
from PySide6.QtWidgets import QCheckBox, QComboBox, QFormLayout, QLineEdit, QWidget

from counter_app.config import Settings, mask_url
from counter_app.domain.model import User
from ui.widgets import Label, form_row

_CTX = "SettingsDialog"
PAPER_WIDTHS = (80, 58)


def tr(text: str) -> str:
    return QCoreApplication.translate(_CTX, text)


class MoreSettings:
    """Rows for the Settings form (`add_to`), lined up with its others; `changes()` gives
    what to save."""

    def __init__(self, settings: Settings, user: User | None) -> None:
        self.settings = settings
        self.admin = user is not None and user.role == "admin"
        self.paper = QComboBox()
        self.paper.setObjectName("settingsPaper")
        for mm in PAPER_WIDTHS:
            self.paper.addItem("", mm)
        self.paper.setCurrentIndex(max(0, self.paper.findData(settings.paper_width_mm)))
        self.store_copy = QCheckBox()
        self.store_copy.setObjectName("settingsStoreCopy")
        self.store_copy.setChecked(settings.store_copy)
        self.mail_from = QLineEdit(settings.smtp_from)
        self.mail_from.setObjectName("settingsMailFrom")
        self.labels = [Label() for _ in range(6)]
        self.central_url = QLineEdit(settings.central_url)
        self.central_url.setObjectName("settingsCentralUrl")
        self.central_key = QLineEdit()  # never filled: a secret is not shown back
        self.central_key.setObjectName("settingsCentralKey")
        self.central_key.setEchoMode(QLineEdit.EchoMode.Password)
        self.smtp_shown = mask_url(settings.smtp_url)
        self.smtp_url = QLineEdit(self.smtp_shown)
        self.smtp_url.setObjectName("settingsSmtpUrl")
        self.retranslate()

    def add_to(self, form: QFormLayout) -> None:
        """Receipt and sender rows for everyone here; head office and mail server rows for
        an administrator only (for anyone else they do not exist on screen)."""
        fields: list[QWidget] = [self.paper, self.store_copy, self.mail_from]
        if self.admin:
            fields += [self.central_url, self.central_key, self.smtp_url]
        for label, field in zip(self.labels, fields, strict=False):
            form_row(form, label, field)

    def retranslate(self) -> None:
        texts = (
            tr("Receipt &width"), tr("Store cop&y"), tr("E-mail se&nder"),
            tr("&Head office address"), tr("Head office &key"), tr("&Mail server"),
        )  # fmt: skip
        for label, text in zip(self.labels, texts, strict=True):
            label.setText(text)
        for i, mm in enumerate(PAPER_WIDTHS):
            self.paper.setItemText(i, tr("{mm} mm").format(mm=mm))
        self.store_copy.setText(tr("Print a second receipt for the store"))
        self.mail_from.setPlaceholderText("returns@shop.example")
        self.central_url.setPlaceholderText("https://head-office.example")
        self.central_key.setPlaceholderText(
            tr("(set) — type a new key to replace it")
            if self.settings.central_key
            else tr("not set")
        )
        self.smtp_url.setPlaceholderText("smtps://user:password@mail.example.com:465")

    def changes(self) -> dict[str, Any]:
        """The values to save; secrets only when a new one was typed."""
        out: dict[str, Any] = {
            "paper_width_mm": int(self.paper.currentData()),
            "store_copy": self.store_copy.isChecked(),
            "smtp_from": self.mail_from.text().strip(),
        }
        if self.admin:
            out["central_url"] = self.central_url.text().strip()
            key = self.central_key.text().strip()
            if key:
                out["central_key"] = key
            smtp = self.smtp_url.text().strip()
            if smtp != self.smtp_shown:  # the masked line untouched: keep the password
                out["smtp_url"] = smtp
        return out
