"""The "Approved by …" note in the banner, taken down once that approval no longer holds.

The note says a manager covered a line; left up after the approval was voided (the cashier
changed the condition, quantity or reason) it would tell the opposite of the line's badge.
"""

from __future__ import annotations

from PySide6.QtCore import QObject

from ui.counter.lines_model import approval_holds
from ui.counter.session import ReturnSession
from ui.widgets import Banner


class ApprovalNote(QObject):
    """Watches the draft after an approval note went up; clears it when the approval of its
    line stops holding (or the line or the draft is gone)."""

    def __init__(self, session: ReturnSession, banner: Banner) -> None:
        super().__init__(session)
        self.session = session
        self.banner = banner
        self.line_no: int | None = None
        self.text = ""
        self._held = False  # the grant reached the draft: from now on a miss means void
        session.draft_changed.connect(self.check)
        session.cleared.connect(self.check)

    def shown(self, line_no: int, text: str) -> None:
        self.line_no, self.text, self._held = line_no, text, False

    def check(self) -> None:
        if self.line_no is None:
            return
        if self.banner.text() != self.text:  # replaced or dismissed: nothing to take down
            self.line_no = None
            return
        draft = self.session.draft
        dl = draft.lines.get(self.line_no) if draft is not None else None
        if approval_holds(dl):
            self._held = True
            return
        if self._held or draft is None or self.session.committed is not None:
            self.banner.clear()
            self.line_no = None
