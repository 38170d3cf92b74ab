"""Readable highlight and focus (WCAG AA, 4.5:1) in the counter's look: every selection pair
and focus ring of the style sheets in use, the polished palettes of the widgets that show a
selection, and the pixels of an open drop-down's highlighted choice."""

from __future__ import annotations

import re
from typing import Any

import pytest
from PySide6.QtCore import QRect
from PySide6.QtGui import QColor, QImage, QPainter, QPalette
from PySide6.QtWidgets import (
    QApplication,
    QComboBox,
    QListWidget,
    QMenu,
    QStyle,
    QStyleOptionViewItem,
)

from tests.gui.conftest import sign_in

pytestmark = pytest.mark.timeout(60)
AA = 4.5
SURFACES = ("#ffffff", "#f3f5f7")  # a panel, the window: what a focus ring is drawn on
TEXT = "#14202b"  # the style sheet's text colour, where a rule sets none


def luminance(colour: QColor) -> float:
    def channel(c: float) -> float:
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    return (
        0.2126 * channel(colour.redF())
        + 0.7152 * channel(colour.greenF())
        + 0.0722 * channel(colour.blueF())
    )


def ratio(a: QColor | str, b: QColor | str) -> float:
    la, lb = sorted((luminance(QColor(a)), luminance(QColor(b))), reverse=True)
    return (la + 0.05) / (lb + 0.05)


def test_the_contrast_formula() -> None:
    assert ratio("#000000", "#ffffff") == pytest.approx(21.0)
    assert ratio("#777777", "#ffffff") == pytest.approx(4.48, abs=0.01)  # just under AA
    assert ratio("#1565c0", "#ffffff") > AA


def rules(qss: str) -> list[tuple[str, dict[str, str]]]:
    """(selector, properties) for each rule of a style sheet, comments dropped."""
    qss = re.sub(r"/\*.*?\*/", "", qss, flags=re.S)
    found = []
    for block in qss.split("}"):
        if "{" not in block:
            continue
        selectors, body = block.split("{", 1)
        props = {}
        for decl in body.split(";"):
            if ":" in decl:
                key, value = decl.split(":", 1)
                props[key.strip()] = value.strip()
        for selector in selectors.split(","):
            found.append((" ".join(selector.split()), props))
    return found


def colour_in(value: str) -> str | None:
    found = re.search(r"#[0-9a-fA-F]{6}\b", value)
    return found.group(0) if found else None


def style_sheets() -> dict[str, str]:
    """Every style sheet the counter applies: the application's, and the print alert's."""
    from ui.app import STYLESHEET
    from ui.devices.print_alert import STYLE

    return {"counter.qss": STYLESHEET.read_text(encoding="utf-8"), "print alert": STYLE}


def test_every_selection_and_focus_ring_in_the_style_sheets_meets_aa() -> None:
    problems, checked = [], 0
    for sheet, qss in style_sheets().items():
        for selector, props in rules(qss):
            if ":disabled" in selector:
                continue  # WCAG exempts inactive controls
            back = colour_in(props.get("selection-background-color", ""))
            if back:
                fore = colour_in(props.get("selection-color", "")) or TEXT
                checked += 1
                if ratio(back, fore) < AA:
                    problems.append(f"{sheet} {selector}: selection {fore} on {back}")
            if ":selected" in selector and colour_in(props.get("background", "")):
                fore = colour_in(props.get("color", "")) or TEXT
                back = colour_in(props["background"]) or ""
                checked += 1
                if ratio(back, fore) < AA:
                    problems.append(f"{sheet} {selector}: selected item {fore} on {back}")
            ring = colour_in(props.get("border", ""))
            if ":focus" in selector and ring:
                for surface in SURFACES:
                    checked += 1
                    if ratio(ring, surface) < AA:
                        problems.append(f"{sheet} {selector}: focus ring {ring} on {surface}")
            text, back = colour_in(props.get("color", "")), colour_in(props.get("background", ""))
            if text and back:
                checked += 1
                if ratio(text, back) < AA:
                    problems.append(f"{sheet} {selector}: text {text} on {back}")
    assert checked > 20, "the rules were read"
    assert not problems, "\n".join(problems)


def test_banner_texts_meet_aa_on_their_backgrounds() -> None:
    sheet = dict(rules(style_sheets()["counter.qss"]))
    for kind in ("error", "warning", "info"):
        back = colour_in(sheet[f'QFrame#banner[kind="{kind}"]']["background"])
        text = colour_in(sheet[f'QFrame#banner[kind="{kind}"] QLabel']["color"])
        assert back and text and ratio(text, back) >= AA, kind


def palette_pair(widget: Any, group: QPalette.ColorGroup) -> tuple[QColor, QColor]:
    pal = widget.palette()
    return (pal.color(group, QPalette.ColorRole.Highlight),
            pal.color(group, QPalette.ColorRole.HighlightedText))  # fmt: skip


def test_selected_rows_and_choices_read_in_the_window(qtbot: Any, window: Any) -> None:
    """The polished palettes of the widgets that show a selection, focused or not."""
    from tests.gui.test_return_workflow import open_order

    sign_in(qtbot, window)
    open_order(qtbot, window, "O-1001")
    work = window.work
    lists = QListWidget(window)  # as the reports' list of reports
    menu = QMenu(window)
    widgets = {
        "order lines": work.order_panel.lines,
        "reason list": work.inspection.reason.view(),
        "tender list": work.refund.tender.view(),
        "scan field": work.scan_panel.scan_input,
        "reason field": work.inspection.reason,
        "list": lists,
        "menu": menu,
    }
    problems = []
    for name, widget in widgets.items():
        widget.ensurePolished()
        for group in (QPalette.ColorGroup.Active, QPalette.ColorGroup.Inactive):
            back, fore = palette_pair(widget, group)
            if ratio(back, fore) < AA:
                problems.append(f"{name} ({group.name}): {fore.name()} on {back.name()}")
    assert not problems, "\n".join(problems)


def painted_choice(view: Any, index: Any) -> QImage:
    """The drop-down's item as its delegate paints it highlighted (selected, under the
    keyboard's focus, in the active window) — what the cashier sees on the chosen line."""
    option = QStyleOptionViewItem()
    view.initViewItemOption(option)
    rect = view.visualRect(index)
    option.rect = QRect(0, 0, rect.width(), rect.height())
    option.index = index
    flags = QStyle.StateFlag
    option.state |= flags.State_Selected | flags.State_Enabled | flags.State_Active
    option.state |= flags.State_HasFocus
    image = QImage(rect.size(), QImage.Format.Format_RGB32)
    image.fill(QColor("#ffffff"))  # the list's own background, under the item
    painter = QPainter(image)
    view.itemDelegate().paint(painter, option, index)
    painter.end()
    return image


def test_an_open_drop_down_shows_its_choice_readably(qtbot: Any, window: Any) -> None:
    """The pixels of the highlighted choice in an open drop-down: its text against its
    background (the darkest or lightest pixel is the text's own colour; the commonest one
    is the background)."""
    from tests.gui.test_return_workflow import open_order

    sign_in(qtbot, window)
    open_order(qtbot, window, "O-1001")
    for combo in (window.work.inspection.reason, window.work.inspection.condition):
        assert isinstance(combo, QComboBox) and combo.count() > 1
        combo.setCurrentIndex(1)
        combo.showPopup()
        view = combo.view()
        qtbot.waitUntil(view.isVisible, timeout=5_000)
        image = painted_choice(view, view.model().index(1, 0))
        counts: dict[int, int] = {}
        for y in range(image.height()):
            for x in range(image.width()):
                rgb = image.pixel(x, y) & 0xFFFFFF
                counts[rgb] = counts.get(rgb, 0) + 1
        back = QColor(max(counts, key=counts.__getitem__))
        extreme = max((QColor(c) for c in counts), key=lambda c: ratio(c, back))
        combo.hidePopup()
        assert ratio(extreme, back) >= AA, (combo.objectName(), extreme.name(), back.name())
        assert back.name() != "#ffffff", "the choice is highlighted"
    QApplication.processEvents()
