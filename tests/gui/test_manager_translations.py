"""Simplified Chinese for the manager screens (ui/manager/*.py).

test_screens.test_every_string_has_a_chinese_translation only reads ui/*.py; the manager
windows import their `tr()` from ui/manager/common.py (context "Manager"), so here every
string literal they pass to it — found with `ast`, never a regex — must have a real Chinese
translation in that context, keeping each `{name}` placeholder its `.format()` fills.
Strings the windows translate from variables (report and column titles, refund tenders,
e-mail states) are collected from where they are defined. The last test opens the reports
window and the day-close dialog in Chinese and saves screenshots to look at.
"""

from __future__ import annotations

import ast
import re
import string
import xml.etree.ElementTree as ET
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from tests.gui import tables
from tests.gui.test_manager_reports import manager_ctx, shot  # noqa: F401  (fixture)

pytestmark = pytest.mark.timeout(60)
ROOT = Path(__file__).resolve().parents[2]
MANAGER = ROOT / "ui" / "manager"
TS = ROOT / "resources" / "translations" / "counter_zh_CN.ts"
REPORTS_PKG = ROOT / "counter_app" / "services" / "reports"


# ------------------------------------------------------------------ what the screens ask for


def _module_context(tree: ast.Module) -> str | None:
    for node in tree.body:
        if (
            isinstance(node, ast.Assign)
            and any(isinstance(t, ast.Name) and t.id == "_CTX" for t in node.targets)
            and isinstance(node.value, ast.Constant)
            and isinstance(node.value.value, str)
        ):
            return node.value.value
    return None


def _tr_context(path: Path) -> str | None:
    """The context of the `tr` a module calls: its own `_CTX`, or that of the module it
    imports `tr` from (ui.manager.common for the manager windows)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    own = _module_context(tree)
    if own is not None:
        return own
    for node in tree.body:
        if isinstance(node, ast.ImportFrom) and any(a.name == "tr" for a in node.names):
            source = ROOT / Path(*(node.module or "").split(".")).with_suffix(".py")
            if source.exists():
                return _module_context(ast.parse(source.read_text(encoding="utf-8")))
    return None


def _placeholders(text: str) -> set[str]:
    """The `{name}` fields of a str.format template (format specs ignored)."""
    return {
        field.split(".")[0].split("[")[0]
        for _, field, _, _ in string.Formatter().parse(text)
        if field is not None
    }


class _Found:
    def __init__(self) -> None:
        self.strings: dict[tuple[str, str], list[str]] = {}  # (context, source) -> where
        self.format_calls: list[tuple[str, str, set[str]]] = []  # where, source, keywords
        self.dynamic: list[str] = []  # tr(<not a literal>) calls, file:line


def _manager_strings() -> _Found:
    found = _Found()
    for path in sorted(MANAGER.glob("*.py")):
        ctx = _tr_context(path)
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call):
                continue
            fn = node.func
            name = fn.id if isinstance(fn, ast.Name) else getattr(fn, "attr", None)
            where = f"{path.relative_to(ROOT)}:{node.lineno}"
            if name == "tr" and node.args:
                arg = node.args[0]
                if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
                    assert ctx, f"{where}: tr() without a known context"
                    found.strings.setdefault((ctx, arg.value), []).append(where)
                else:
                    found.dynamic.append(where)
            elif name == "translate" and len(node.args) >= 2:
                c, s = node.args[0], node.args[1]
                if isinstance(c, ast.Constant) and isinstance(s, ast.Constant):
                    found.strings.setdefault((str(c.value), str(s.value)), []).append(where)
            # tr("... {name} ...").format(name=...)
            if (
                isinstance(fn, ast.Attribute)
                and fn.attr == "format"
                and isinstance(fn.value, ast.Call)
                and getattr(fn.value.func, "id", None) == "tr"
                and fn.value.args
                and isinstance(fn.value.args[0], ast.Constant)
            ):
                keywords = {k.arg for k in node.keywords if k.arg is not None}
                found.format_calls.append((where, str(fn.value.args[0].value), keywords))
    return found


def _dynamic_strings() -> set[str]:
    """What the manager windows pass to tr() from variables: report and column titles
    (services/reports/), refund tenders (day_close.TENDER_NAMES), e-mail states (mail_dialog)."""
    from counter_app.services.day_close import TENDER_NAMES, DaySummary
    from counter_app.services.reports import REPORTS
    from ui.manager.mail_dialog import STATUS

    columns = set()
    for path in sorted(REPORTS_PKG.glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            # notes (x.note("template", ...)) and the chart's limit_template="..."
            if isinstance(node, ast.Call) and getattr(node.func, "attr", None) == "note":
                assert isinstance(node.args[0], ast.Constant), f"{path.name}:{node.lineno}"
                columns.add(str(node.args[0].value))
            if isinstance(node, ast.keyword) and node.arg == "limit_template":
                assert isinstance(node.value, ast.Constant), f"{path.name}: computed limit"
                columns.add(str(node.value.value))
            if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "Column":
                title = node.args[1] if len(node.args) > 1 else None
                assert isinstance(title, ast.Constant), f"{path.name}:{node.lineno}: computed title"
                columns.add(str(title.value))
    assert {"Reason code", "Refund value", "Leading product"} <= columns  # the scan found them
    assert "Policy limit ({limit} in {days} days)" in columns
    return (
        {d.title for d in REPORTS.values()}
        | {d.description for d in REPORTS.values()}
        | columns
        | set(TENDER_NAMES.values())
        | set(STATUS.values())
        | {text for text, _ in _every_warning(DaySummary)}
    )


def _every_warning(summary_type: Any) -> list[tuple[str, dict[str, int]]]:
    """The day-close warning templates, with every count set so each one appears."""
    import dataclasses

    fields = {f.name for f in dataclasses.fields(summary_type)}
    counts = {"messages_waiting", "print_jobs_failed", "print_jobs_pending", "notifications_failed"}
    assert counts <= fields
    found = []
    for head_office in (True, False):  # "no head office configured" replaces the sync one
        summary = object.__new__(summary_type)
        for name in counts:
            object.__setattr__(summary, name, 1)
        object.__setattr__(summary, "head_office", head_office)
        found += summary.warning_templates
    return found


def _catalogue() -> dict[tuple[str, str], str]:
    root = ET.parse(TS).getroot()
    return {
        (ctx.findtext("name") or "", msg.findtext("source") or ""): msg.findtext("translation")
        or ""
        for ctx in root.iter("context")
        for msg in ctx.iter("message")
    }


# ------------------------------------------------------------------ the tests


def test_manager_tr_calls_are_found() -> None:
    found = _manager_strings()
    assert ("Manager", "Reports") in found.strings
    assert ("Manager", "Close the day") in found.strings
    assert ("Manager", "Moved {qty} × {sku} from {source} to {target}.") in found.strings
    assert len(found.strings) > 80
    assert {k[0] for k in found.strings} == {"Manager", "SettingsDialog"}


def test_every_manager_string_has_a_chinese_translation() -> None:
    catalogue = _catalogue()
    found = _manager_strings()
    needed = dict(found.strings)
    for text in _dynamic_strings():
        needed.setdefault(("Manager", text), ["(from a variable)"])
    problems = []
    for (ctx, source), where in sorted(needed.items()):
        target = catalogue.get((ctx, source), "")
        if not target.strip():
            problems.append(f"{where[0]}: [{ctx}] {source!r} has no translation")
        elif target == source:
            problems.append(f"{where[0]}: [{ctx}] {source!r} is not translated (same text)")
        elif not _placeholders(source) <= _placeholders(target):
            problems.append(f"{where[0]}: [{ctx}] {source!r} -> {target!r} loses placeholders")
        elif re.search(r"[\u4e00-\u9fff]", target) is None:
            problems.append(f"{where[0]}: [{ctx}] {source!r} -> {target!r} has no Chinese")
    assert not problems, "\n".join(problems)


def test_manager_placeholders_match_their_format_calls() -> None:
    """tr("...{n}...").format(n=...): every field of the English text (and so of the
    Chinese one) is filled, or the Chinese screen would raise KeyError."""
    catalogue = _catalogue()
    for where, source, keywords in _manager_strings().format_calls:
        assert _placeholders(source) <= keywords, (where, source, keywords)
        target = catalogue.get(("Manager", source), "")
        assert _placeholders(target) <= keywords, (where, target, keywords)
        target.format(**{k: "x" for k in keywords})  # a well-formed template


def test_manager_context_is_well_formed() -> None:
    """One Manager context, no source twice (lrelease would keep only one of them)."""
    root = ET.parse(TS).getroot()
    contexts = [c for c in root.iter("context") if c.findtext("name") == "Manager"]
    assert len(contexts) == 1
    sources = [m.findtext("source") for m in contexts[0].iter("message")]
    assert len(sources) == len(set(sources))


def test_manager_strings_translate_at_run_time(qtbot: Any) -> None:
    """The compiled .qm (scripts/build_translations.py) has the Manager context."""
    from PySide6.QtCore import QCoreApplication

    from ui import i18n
    from ui.labels import location_name
    from ui.manager.common import tr

    assert i18n.set_language("zh_CN")
    try:
        assert tr("Close the day") == "日结"
        assert tr("Returns by reason") == "按原因统计退货"
        assert location_name("vendor") == "退回供应商"
        assert QCoreApplication.translate("MainWindow", "Confirm return") == "确认退货"
    finally:
        i18n.set_language("en")
    assert tr("Close the day") == "Close the day"


def test_manager_screens_in_chinese(qtbot: Any, manager_ctx: Any) -> None:  # noqa: F811
    """The reports window and the day-close dialog in Chinese, saved for a look:
    artifacts/screenshots/manager/{reports,reports_frequent_returners,day_close,
    day_close_bottom}_zh_CN.png."""
    from PySide6.QtCore import QDate

    from ui import i18n
    from ui.manager.day_close_dialog import DayCloseDialog
    from ui.manager.reports_window import ReportsWindow

    assert i18n.set_language("zh_CN")
    try:
        window = ReportsWindow(manager_ctx)
        qtbot.addWidget(window)
        window.resize(1280, 800)
        window.show()
        qtbot.waitUntil(lambda: window.report is not None, timeout=20_000)
        with qtbot.waitSignal(window.loaded, timeout=20_000):
            window.set_period(QDate(2026, 11, 15), QDate(2026, 11, 20))
        assert window.windowTitle() == "报表"
        assert window.list.item(0).text() == "按原因统计退货"
        assert window.heading.text().startswith("按原因统计退货")
        headers = tables.headers(window.table)
        assert "退款金额" in headers and "Refund value" not in headers
        shot(window, "reports_zh_CN")
        # a report with notes and a limit line (notes and legend come from services/reports/)
        with qtbot.waitSignal(window.loaded, timeout=20_000):
            window.select("frequent_returners")
        assert window.heading.text().startswith("频繁退货顾客")
        shot(window, "reports_frequent_returners_zh_CN")
        window.close()

        manager_ctx.app.clock.at = datetime(2026, 11, 20, 2, tzinfo=UTC)  # 21:00 on the 19th
        dialog = DayCloseDialog(manager_ctx)
        qtbot.addWidget(dialog)
        dialog.show()
        qtbot.waitUntil(lambda: dialog.summary is not None, timeout=20_000)
        assert dialog.windowTitle() == "日结"
        assert dialog.close_button.text() == "确认日结"
        page = dialog.view.toPlainText()
        for text in ("退货笔数", "退款", "银行卡", "现金付出", "待同步消息"):
            assert text in page, text
        shot(dialog, "day_close_zh_CN")
        bar = dialog.view.verticalScrollBar()
        bar.setValue(bar.maximum())  # the rows below the fold
        for text in ("上次同步", "打印任务", "顾客邮件"):
            assert text in page, text
        shot(dialog, "day_close_bottom_zh_CN")
        dialog.close()
        assert manager_ctx.tasks.wait(5_000)
    finally:
        i18n.set_language("en")
