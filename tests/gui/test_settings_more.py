"""Settings for receipt paper, the store copy and the e-mail sender (managers), and for head
office and the mail server (administrators only; secrets never shown back, stored in the
owner-only config file as `config set` does)."""

from __future__ import annotations

import stat
from typing import Any

import pytest

from counter_app.config import load_settings
from counter_app.services import auth
from tests.gui.conftest import GuiStore, shot, sign_in

pytestmark = pytest.mark.timeout(60)


def _settings_dialog(win: Any) -> Any:
    from ui.manager.settings_dialog import SettingsDialog

    win.open_settings()
    return next(d for d in win.findChildren(SettingsDialog) if d.isVisible())


def test_a_manager_sets_paper_store_copy_and_sender_but_sees_no_head_office(
    qtbot: Any, window: Any, gui_store: GuiStore
) -> None:
    win = window
    sign_in(qtbot, win, "maria", "987654")
    dialog = _settings_dialog(win)
    more = dialog.more
    assert more.paper.isVisible() and more.store_copy.isVisible() and more.mail_from.isVisible()
    for field in (more.central_url, more.central_key, more.smtp_url):
        assert not field.isVisible(), field.objectName()
    more.paper.setCurrentIndex(more.paper.findData(58))
    more.store_copy.setChecked(True)
    more.mail_from.setText("returns@shop.example")
    with qtbot.waitSignal(dialog.saved, timeout=5_000):
        dialog.save()
    saved = gui_store.core.settings
    assert (saved.paper_width_mm, saved.store_copy, saved.smtp_from) == (
        58, True, "returns@shop.example"
    )
    assert load_settings(saved.home).paper_width_mm == 58, "written to the config file"


def test_an_admin_sets_head_office_and_the_key_is_never_shown_back(
    qtbot: Any, window: Any, gui_store: GuiStore
) -> None:
    from ui import i18n

    core = gui_store.core
    auth.add_user(core.engine, core.clock, "ada", "Ada Admin", "admin", "24681357")
    win = window
    sign_in(qtbot, win, "ada", "24681357")
    dialog = _settings_dialog(win)
    more = dialog.more
    assert more.central_url.isVisible() and more.central_key.isVisible()
    assert more.central_key.text() == "" and more.central_key.placeholderText() == "not set"
    more.central_url.setText("https://head-office.example")
    more.central_key.setText("s3cret-key-123")
    more.smtp_url.setText("smtps://mailer:pa55word@mail.example.com:465")
    with qtbot.waitSignal(dialog.saved, timeout=5_000):
        dialog.save()
    saved = core.settings
    assert saved.central_url == "https://head-office.example"
    assert saved.central_key == "s3cret-key-123"
    file = saved.config_file
    assert stat.S_IMODE(file.stat().st_mode) == 0o600, "the key lives in an owner-only file"
    assert load_settings(saved.home).central_key == "s3cret-key-123"

    dialog = _settings_dialog(win)  # opened again: the secrets are not shown back
    more = dialog.more
    assert more.central_key.text() == ""
    assert more.central_key.placeholderText().startswith("(set)")
    assert "pa55word" not in more.smtp_url.text() and "***" in more.smtp_url.text()
    shot(dialog, "settings_admin")
    assert i18n.set_language("zh_CN")
    qtbot.wait(50)
    shot(dialog, "settings_admin_zh")
    assert i18n.set_language("en")
    more.store_copy.setChecked(True)  # saving other things keeps both secrets
    with qtbot.waitSignal(dialog.saved, timeout=5_000):
        dialog.save()
    assert core.settings.central_key == "s3cret-key-123"
    assert core.settings.smtp_url == "smtps://mailer:pa55word@mail.example.com:465"


def test_a_wrong_head_office_address_is_refused_in_words(
    qtbot: Any, window: Any, gui_store: GuiStore
) -> None:
    core = gui_store.core
    auth.add_user(core.engine, core.clock, "ada", "Ada Admin", "admin", "24681357")
    sign_in(qtbot, window, "ada", "24681357")
    dialog = _settings_dialog(window)
    dialog.more.central_url.setText("http://head-office.example")  # plain http, not local
    dialog.save()
    assert dialog.isVisible() and "could not be saved" in dialog.message.text()
    assert core.settings.central_url == ""
