"""The console's charts as SVG, drawn on the server with pygal: data in, SVG text out.

Pure (no database, no HTTP). What is drawn comes from `service.chart_data` as a `ChartData`;
the titles are here, in English and Chinese. The SVG carries no script (pygal's config
script is removed, no JS is linked: nothing is fetched at run time) and no style attribute;
its one `<style>` element is allowed by hash (`style_hashes`), so the SVG can be served
under a Content-Security-Policy without 'unsafe-inline'. The font list starts with CJK
fonts so Chinese titles and labels render (fonts-wqy-zenhei on Debian).
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal
from xml.etree import ElementTree as ET

import pygal
from pygal.style import Style

Lang = Literal["en", "zh"]
Kind = Literal["line", "bar", "stacked", "hbar"]

FONTS = '"WenQuanYi Zen Hei", "Noto Sans CJK SC", "Noto Sans SC", "DejaVu Sans", sans-serif'
SVG_NS = "http://www.w3.org/2000/svg"

STYLE = Style(
    font_family=FONTS,
    label_font_family=FONTS,
    major_label_font_family=FONTS,
    value_font_family=FONTS,
    value_label_font_family=FONTS,
    tooltip_font_family=FONTS,
    title_font_family=FONTS,
    legend_font_family=FONTS,
    no_data_font_family=FONTS,
    title_font_size=20,
    label_font_size=13,
    major_label_font_size=13,
    legend_font_size=13,
    no_data_font_size=28,
    background="#ffffff",
    plot_background="#ffffff",
    colors=(
        "#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2",
        "#7f7f7f", "#bcbd22", "#17becf", "#393b79", "#637939", "#8c6d31", "#843c39",
        "#7b4173", "#3182bd", "#e6550d", "#31a354", "#756bb1", "#636363",
    ),
)  # fmt: skip


@dataclass(frozen=True)
class Series:
    name: str
    values: list[float | None]


@dataclass(frozen=True)
class ChartData:
    """One chart's numbers: x labels and one or more series over them. `percent`: values
    are fractions (0.125), shown as 12.5 %."""

    labels: list[str]
    series: list[Series]
    percent: bool = True


@dataclass(frozen=True)
class ChartSpec:
    kind: Kind
    title: dict[str, str]
    x_title: dict[str, str]
    y_title: dict[str, str]


def _t(en: str, zh: str) -> dict[str, str]:
    return {"en": en, "zh": zh}


WEEK = _t("Week (starting Monday, UTC)", "周（周一开始，UTC）")
STORE = _t("Store", "门店")
# Declarative table: every chart the console shows, in page order.
CHARTS: dict[str, ChartSpec] = {
    "return-rate-by-store": ChartSpec(
        "line",
        _t("Return rate by store, per week", "各门店每周退货率"),
        WEEK,
        _t("Returns ÷ orders sold", "退货数 ÷ 售出订单数"),
    ),
    "return-rate-by-category": ChartSpec(
        "line",
        _t("Return rate by category, per week", "各品类每周退货率"),
        WEEK,
        _t("Units returned ÷ units sold", "退回件数 ÷ 售出件数"),
    ),
    "returns-by-reason": ChartSpec(
        "stacked",
        _t("Units returned by reason, per week", "各退货原因每周退回件数"),
        WEEK,
        _t("Units returned", "退回件数"),
    ),
    "override-rate-by-store": ChartSpec(
        "bar",
        _t("Manager override rate by store", "各门店经理特批率"),
        STORE,
        _t("Returns with an override ÷ returns", "有特批的退货 ÷ 退货数"),
    ),
    "override-rate-by-manager": ChartSpec(
        "hbar",
        _t("Manager override rate by manager (at their store)", "各经理特批率（所在门店）"),
        _t("Manager @ store", "经理 @ 门店"),
        _t("Returns overridden ÷ the store's returns", "特批的退货 ÷ 该门店退货数"),
    ),
    "receiptless-share-by-store": ChartSpec(
        "bar",
        _t("Receiptless returns' share by store", "各门店无小票退货占比"),
        STORE,
        _t("Receiptless returns ÷ returns", "无小票退货 ÷ 退货数"),
    ),
}

NO_DATA = _t("No returns in this period", "此期间没有退货")
_CLASSES: dict[Kind, Any] = {
    "line": pygal.Line,
    "bar": pygal.Bar,
    "stacked": pygal.StackedBar,
    "hbar": pygal.HorizontalBar,
}


def _percent(value: float | None) -> str:
    return "" if value is None else f"{value * 100:.1f}%"


def render(name: str, data: ChartData, lang: Lang = "en") -> str:
    """The SVG document of chart `name` (a key of CHARTS) for `data`, titles in `lang`."""
    spec = CHARTS[name]
    x_title, y_title = spec.x_title[lang], spec.y_title[lang]
    if spec.kind == "hbar":  # the labels run down the side, the values along the bottom
        x_title, y_title = y_title, x_title
    chart = _CLASSES[spec.kind](
        js=[],
        style=STYLE,
        width=960,
        height=540,
        explicit_size=True,
        title=spec.title[lang],
        x_title=x_title,
        y_title=y_title,
        x_label_rotation=30 if spec.kind in ("line", "stacked") else 0,
        show_legend=len(data.series) > 1,
        legend_at_bottom=False,
        truncate_legend=18,
        truncate_label=24,
        no_data_text=NO_DATA[lang],
        dots_size=2,
        print_values=False,
        include_x_axis=True,
        allow_interruptions=True,
    )
    if data.percent:
        chart.value_formatter = _percent
    else:
        chart.value_formatter = lambda v: "" if v is None else f"{v:g}"
    chart.x_labels = data.labels
    for series in data.series:
        chart.add(series.name, series.values)
    return _clean(chart.render_tree())


def _clean(root: ET.Element) -> str:
    """Drop pygal's script and inline style attributes (a strict CSP refuses both)."""
    for parent in list(root.iter()):
        for child in list(parent):
            if isinstance(child.tag, str) and child.tag.rsplit("}", 1)[-1] == "script":
                parent.remove(child)
        style = parent.attrib.pop("style", None)
        if style is not None and style.replace(" ", "") == "opacity:0":
            parent.set("opacity", "0")
    return '<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(root, encoding="unicode")


def style_hashes(svg: str) -> list[str]:
    """CSP source expressions ('sha256-…') for the SVG's `<style>` elements' text."""
    root = ET.fromstring(svg.encode("utf-8"))
    hashes = []
    for element in root.iter():
        if isinstance(element.tag, str) and element.tag.rsplit("}", 1)[-1] == "style":
            digest = hashlib.sha256((element.text or "").encode("utf-8")).digest()
            hashes.append(f"'sha256-{base64.b64encode(digest).decode()}'")
    return hashes


def titles(lang: Lang) -> list[tuple[str, str]]:
    """(name, title) of every chart, in page order."""
    return [(name, spec.title[lang]) for name, spec in CHARTS.items()]


def names() -> Sequence[str]:
    return tuple(CHARTS)
