"""Day close without a head office: it says so instead of asking for a sync (in both
languages), and keeps the sync advice when there is one."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from counter_app.services.day_figures import DaySummary


def _summary(head_office: bool) -> DaySummary:
    return DaySummary(
        store_code="S001", counter_code="C1", business_date=date(2026, 11, 19),
        timezone="America/New_York", currency="USD", generated_at=datetime.now(UTC),
        messages_waiting=83, head_office=head_office,
    )  # fmt: skip


def test_no_head_office_is_said_instead_of_sync_now(qtbot: Any) -> None:
    from ui import i18n
    from ui.manager.day_close_dialog import summary_html

    alone, linked = _summary(False), _summary(True)
    assert len(alone.warnings) == 1 and "No head office is configured" in alone.warnings[0]
    assert not any("Sync now" in w or "83" in w for w in alone.warnings)
    assert any("83 message(s)" in w and "Sync now" in w for w in linked.warnings)
    assert "no head office configured" in summary_html(alone)
    assert "no head office configured" not in summary_html(linked)
    assert DaySummary.from_json(alone.to_json()).head_office is False  # the stored Z-report
    try:
        i18n.set_language("zh_CN")
        assert "未配置总部" in summary_html(alone)
    finally:
        i18n.set_language("en")
