"""With SMTP configured, the running app e-mails the customer after a return — in the
background, through a real SMTP server on 127.0.0.1."""

from __future__ import annotations

import socket
from dataclasses import replace
from typing import Any

import pytest
from aiosmtpd.controller import Controller

from tests.gui.conftest import sign_in
from tests.gui.test_return_workflow import SCARF, key, open_order, scan_item, settle


class _Inbox:
    def __init__(self) -> None:
        self.messages: list[bytes] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.messages.append(envelope.content)
        return "250 OK"


def commit_scarf_return(qtbot: Any, win: Any) -> str:
    from PySide6.QtCore import Qt

    open_order(qtbot, win, "O-1001")
    scan_item(qtbot, win, SCARF)
    key(qtbot, Qt.Key.Key_Down)
    key(qtbot, Qt.Key.Key_Tab)
    key(qtbot, Qt.Key.Key_Down)
    settle(win)
    with qtbot.waitSignal(win.return_committed, timeout=10_000) as done:
        key(qtbot, Qt.Key.Key_F9)
    return str(done.args[0])


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.mark.timeout(90)
def test_customer_gets_an_email_after_a_return(qtbot: Any, gui_store: Any) -> None:
    from counter_app.bootstrap import bootstrap
    from ui.app import make_window

    inbox = _Inbox()
    port = _free_port()
    server = Controller(inbox, hostname="127.0.0.1", port=port)
    server.start()
    settings = replace(gui_store.core.settings, smtp_url=f"smtp://127.0.0.1:{port}")
    core = bootstrap(settings, clock=gui_store.store.clock, engine=gui_store.engine)
    win = make_window(core)
    qtbot.addWidget(win)
    try:
        win.show()
        qtbot.waitUntil(lambda: win.ctx.mail is not None, timeout=15_000)
        sign_in(qtbot, win)
        ref = commit_scarf_return(qtbot, win)
        qtbot.waitUntil(lambda: bool(inbox.messages), timeout=30_000)
        text = inbox.messages[0].decode("utf-8", "replace")
        assert ref in text and "lin@example.com" in text
    finally:
        win.close()
        server.stop()
    assert win.ctx.mail.worker is None  # stopped with the window
