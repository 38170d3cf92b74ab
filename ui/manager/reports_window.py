"""Reports: pick one, pick the days, see the chart and the table, export the table to CSV."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from math import inf
from typing import Any

import shiboken6
from PySide6.QtCharts import (
    QAbstractAxis,
    QAbstractSeries,
    QBarCategoryAxis,
    QBarSeries,
    QBarSet,
    QChart,
    QChartView,
    QLineSeries,
    QValueAxis,
)
from PySide6.QtCore import QDate, QMargins, QPointF, Qt, Signal
from PySide6.QtGui import QCloseEvent, QColor, QPainter, QPen, QShowEvent
from PySide6.QtWidgets import (
    QComboBox,
    QDateEdit,
    QDialog,
    QFileDialog,
    QHBoxLayout,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from counter_app.domain.policy import Policy
from counter_app.services.reports import (
    REPORTS,
    Period,
    Report,
    run_report,
    warm_sales,
    write_csv,
)
from counter_app.services.reports import Column as ReportColumn
from ui.context import CounterContext
from ui.fonts import cjk_font
from ui.labels import to_date, to_qdate
from ui.manager.common import cell_text, make_table, store_timezone, tr
from ui.manager.report_words import limit_text, notes_text, word
from ui.table_model import Column, RowModel
from ui.widgets import Banner, Label

BAR_COLOR = QColor("#1565c0")
LIMIT_COLOR = QColor("#b3261e")
WARM_DAYS = 182  # how far back the sales cache is filled in the background

Row = dict[str, Any]


def _sort_key(kind: str, key: str) -> Callable[[Row], Any]:
    """Numbers sort as numbers (an empty cell first), text as text."""
    if kind in ("int", "money", "percent", "bool"):
        return lambda row: float(row.get(key) or 0) if row.get(key) is not None else -inf
    return lambda row: str(row.get(key) or "")


def report_columns(report: Report, policy: Policy) -> list[Column[Row]]:
    """The table's columns for one report: its own titles, kinds and currency; codes shown
    as the policy's words in the current language (report_words)."""

    def text(c: ReportColumn, row: Row) -> str:
        if c.words:
            return word(c.words, row.get(c.key), policy)
        return cell_text(c.kind, row.get(c.key), report.currency)

    def column(c: ReportColumn) -> Column[Row]:
        return Column(
            lambda: tr(c.title),
            lambda row: text(c, row),
            number=c.kind in ("int", "money", "percent"),
            tooltip=(lambda row: str(row.get(c.key) or "")) if c.key == "feedback" else None,
            sort_key=_sort_key(c.kind, c.key),
        )

    return [column(c) for c in report.columns]


class ReportsWindow(QDialog):
    """Non-modal: the manager keeps it open next to the counter."""

    loaded = Signal(str)  # report name, once its table and chart are shown
    failed = Signal(str)

    def __init__(self, ctx: CounterContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("reportsWindow")
        self.setWindowTitle(tr("Reports"))
        self.setModal(False)
        self.resize(1200, 760)
        self.ctx = ctx
        # The app's one task runner: a report is one task, and the background warm-up below
        # goes one week per task, so the cashier's scans and commits never wait for long.
        self.report: Report | None = None
        self._request = 0
        self._warmed = False
        self._closed = False
        self._warm_chunks: list[Period] = []
        layout = QHBoxLayout(self)
        layout.addWidget(self._build_list())
        right = QVBoxLayout()
        right.addLayout(self._build_filters())
        self.banner = Banner()
        right.addWidget(self.banner)
        self.heading = Label()
        self.heading.setObjectName("title")
        right.addWidget(self.heading)
        self.notes = Label()
        self.notes.setObjectName("reportNotes")
        self.notes.setWordWrap(True)
        self.notes.setMinimumHeight(self.notes.fontMetrics().lineSpacing() * 2 + 4)
        right.addWidget(self.notes)
        right.addWidget(self._build_split(), 1)
        layout.addLayout(right, 1)
        self.list.setCurrentRow(0)

    def _build_list(self) -> QListWidget:
        """The reports, by title; choosing one runs it."""
        self.list = QListWidget()
        self.list.setObjectName("reportList")
        self.list.setMaximumWidth(260)
        for definition in REPORTS.values():
            entry = QListWidgetItem(tr(definition.title))
            entry.setData(Qt.ItemDataRole.UserRole, definition.name)
            entry.setToolTip(tr(definition.description))
            self.list.addItem(entry)
        self.list.currentRowChanged.connect(lambda _row: self.refresh())
        return self.list

    def _build_filters(self) -> QHBoxLayout:
        """Period preset, from and to dates, Show and Export."""
        filters = QHBoxLayout()
        self.preset = QComboBox()
        self.preset.setObjectName("reportPreset")
        for days, label in (
            (0, tr("Chosen days")),
            (7, tr("Last 7 days")),
            (30, tr("Last 30 days")),
            (90, tr("Last 90 days")),
            (365, tr("Last 12 months")),
        ):
            self.preset.addItem(label, days)
        self.preset.setCurrentIndex(2)
        self._presetting = False
        self.preset.activated.connect(self._apply_preset)
        self.first = QDateEdit()
        self.last = QDateEdit()
        for edit in (self.first, self.last):
            edit.setCalendarPopup(True)
            edit.setDisplayFormat("yyyy-MM-dd")
        self.first.setObjectName("reportFrom")
        self.last.setObjectName("reportTo")
        today = Period.last_days(1, self.ctx.app.clock.now(), store_timezone(self.ctx)).last
        self.last.setDate(to_qdate(today))
        self.first.setDate(to_qdate(today - timedelta(days=29)))
        for edit in (self.first, self.last):
            edit.dateChanged.connect(self._dates_edited)
        self.show_button = QPushButton(tr("Show"))
        self.show_button.setObjectName("reportShow")
        self.show_button.setAutoDefault(False)
        self.show_button.clicked.connect(self.refresh)
        self.export_button = QPushButton(tr("Export CSV…"))
        self.export_button.setObjectName("reportExport")
        self.export_button.setAutoDefault(False)
        self.export_button.setEnabled(False)
        self.export_button.clicked.connect(self._ask_export)
        for widget in (Label(tr("Period")), self.preset, Label(tr("from")), self.first,
                       Label(tr("to")), self.last, self.show_button):
            filters.addWidget(widget)
        filters.addStretch(1)
        filters.addWidget(self.export_button)
        return filters

    def _build_split(self) -> QSplitter:
        """The chart above the table."""
        split = QSplitter(Qt.Orientation.Vertical)
        self.chart = _new_chart()
        self.chart_view = QChartView(self.chart)
        self.chart_view.setObjectName("reportChart")
        self.chart_view.setRenderHint(QPainter.RenderHint.Antialiasing)
        self.chart_view.setMinimumHeight(260)
        self.model: RowModel[Row] = RowModel([], self)
        self.table = make_table("reportTable", self.model, sortable=False)
        split.addWidget(self.chart_view)
        split.addWidget(self.table)
        split.setSizes([330, 330])
        return split

    # ------------------------------------------------------------------ loading

    @property
    def name(self) -> str:
        entry = self.list.currentItem()
        return str(entry.data(Qt.ItemDataRole.UserRole)) if entry else "by_reason"

    def select(self, name: str) -> None:
        for row in range(self.list.count()):
            if self.list.item(row).data(Qt.ItemDataRole.UserRole) == name:
                if row == self.list.currentRow():
                    self.refresh()
                else:
                    self.list.setCurrentRow(row)
                return

    def set_period(self, first: QDate, last: QDate) -> None:
        self.first.setDate(first)
        self.last.setDate(last)
        self.refresh()

    def _dates_edited(self) -> None:
        if not self._presetting:
            self.preset.setCurrentIndex(0)

    def _apply_preset(self) -> None:
        days = int(self.preset.currentData())
        if days <= 0:
            return
        self._presetting = True
        try:
            self.first.setDate(self.last.date().addDays(-(days - 1)))
        finally:
            self._presetting = False
        self.refresh()

    def refresh(self) -> None:
        """Run the report off the UI thread; only the latest request is shown."""
        try:
            period = Period(
                to_date(self.first.date()), to_date(self.last.date()), store_timezone(self.ctx)
            )
        except Exception as exc:
            self.banner.show_message(str(exc), "warning")
            return
        self._request += 1
        request, name = self._request, self.name
        app = self.ctx.app
        policy, now = app.policies.current, app.clock.now()
        self.heading.setText(tr("Loading…"))
        self.ctx.tasks.run(
            lambda: run_report(app.engine, name, period, policy, now),
            on_done=lambda report: self._show(request, report),
            on_error=lambda exc: self._failed(request, exc),
        )

    def _wanted(self, request: int) -> bool:
        """A result is shown only if it is the latest asked for and the window is still
        open (the app's task runner outlives this window)."""
        return not self._closed and shiboken6.isValid(self) and request == self._request

    def _failed(self, request: int, exc: BaseException) -> None:
        if not self._wanted(request):
            return
        self.heading.setText("")
        self.banner.show_message(
            tr("The report could not be made: {error}").format(error=str(exc) or type(exc).__name__)
        )
        self.failed.emit(str(exc))

    def _show(self, request: int, report: Report) -> None:
        if not self._wanted(request):
            return
        self.banner.clear()
        self.report = report
        self.heading.setText(
            f"{tr(report.title)} · {report.period.first.isoformat()} – "
            f"{report.period.last.isoformat()}"
        )
        self._fill_table(report)
        # A new chart each time: reusing one keeps stale axes of the previous report around.
        old, self.chart = self.chart, _new_chart()
        self.chart_view.setChart(self.chart)
        old.deleteLater()
        draw_chart(self.chart, report, self.ctx.app.policies.current)
        self.notes.setText(notes_text(report))
        self.export_button.setEnabled(True)
        self.loaded.emit(report.name)
        if not self._warmed:
            self._warm(report.period)

    def _warm(self, period: Period) -> None:
        """Sum past sales in the background, a week per task, newest first: the return-rate
        reports read every order line of their period — seconds on a 1,000,000-order store
        the first time, a few dozen ms once those days are known (`reports.SOLD_CACHE`).
        One week at a time, so a report the manager asks for waits for one chunk at most."""
        self._warmed = True
        last = period.last
        self._warm_chunks = [
            Period(last - timedelta(days=d + 6), last - timedelta(days=d), period.timezone)
            for d in range(0, WARM_DAYS, 7)
        ]
        self._warm_next()

    def _warm_next(self, *_: object) -> None:
        if self._closed or not self._warm_chunks or not self.isVisible():
            return
        chunk = self._warm_chunks.pop(0)
        app = self.ctx.app
        policy, now = app.policies.current, app.clock.now()
        self.ctx.tasks.run(
            lambda: warm_sales(app.engine, chunk, policy, now),
            on_done=self._warm_next,
            on_error=lambda _exc: None,
        )

    def _fill_table(self, report: Report) -> None:
        self.model.reset_rows(report.rows, report_columns(report, self.ctx.app.policies.current))
        self.table.sortByColumn(-1, Qt.SortOrder.AscendingOrder)  # the report's own order
        if not report.rows:
            self.heading.setText(self.heading.text() + " · " + tr("nothing in this period"))

    def showEvent(self, event: QShowEvent) -> None:
        self._closed = False
        super().showEvent(event)

    def done(self, result: int) -> None:
        self._stop()
        super().done(result)

    def closeEvent(self, event: QCloseEvent) -> None:
        self._stop()
        super().closeEvent(event)

    def _stop(self) -> None:
        """Closed: results still on their way are dropped and the warm-up ends."""
        self._closed = True
        self._warm_chunks.clear()

    # ------------------------------------------------------------------ export

    def _ask_export(self) -> None:
        if self.report is None:
            return
        default = f"{self.report.name}-{self.report.period.first}-{self.report.period.last}.csv"
        path, _ = QFileDialog.getSaveFileName(self, tr("Export CSV"), default, "CSV (*.csv)")
        if path:
            self.export_csv(path)

    def export_csv(self, path: str) -> bool:
        if self.report is None:
            return False
        try:
            write_csv(self.report, path)
        except OSError as exc:
            self.banner.show_message(
                tr("The file could not be written: {error}").format(error=exc.strerror or exc)
            )
            return False
        self.banner.show_message(tr("Exported to {path}").format(path=path), "info", 6000)
        return True


def _new_chart() -> QChart:
    chart = QChart()
    chart.setAnimationOptions(QChart.AnimationOption.NoAnimation)
    chart.legend().setVisible(False)
    chart.setMargins(QMargins(4, 4, 4, 4))
    return chart


def _chart_values(report: Report, policy: Policy) -> tuple[list[str], list[float], str]:
    """Labels, values and axis title of the report's first series (money in units, percent
    out of 100)."""
    spec = report.chart
    rows = report.rows[: spec.max_points]
    key = spec.series[0]
    kind = report.column(key).kind

    def value(row: dict[str, object]) -> float:
        raw = row.get(key)
        number = float(raw) if isinstance(raw, int | float) else 0.0
        if kind == "money":
            return number / 100
        if kind == "percent":
            return number * 100
        return number

    words = next((c.words for c in report.columns if c.key == spec.label_key), "")
    labels = [word(words, r.get(spec.label_key) or r.get("key"), policy)[:26] for r in rows]
    title = tr(report.column(key).title)
    if kind == "money":
        title += f" ({report.currency})"
    if kind == "percent":
        title += " (%)"
    return labels, [value(r) for r in rows], title


def draw_chart(chart: QChart, report: Report, policy: Policy) -> None:
    """The report's chart on a new, empty `chart`: bars (or a line), and the policy's limit."""
    spec = report.chart
    labels, values, title = _chart_values(report, policy)
    kind = report.column(spec.series[0]).kind
    axis_x = QBarCategoryAxis(chart)
    axis_x.append(labels or [""])
    if spec.kind == "line" and len(labels) > 14:
        axis_x.setLabelsAngle(-60)
    axis_y = QValueAxis(chart)
    axis_y.setTitleText(title)
    top = max([*values, spec.limit or 0.0, 1.0])
    axis_y.setRange(0, top * 1.15)
    axis_y.applyNiceNumbers()
    if kind == "int":
        axis_y.setLabelFormat("%d")
    chart.addAxis(axis_x, Qt.AlignmentFlag.AlignBottom)
    chart.addAxis(axis_y, Qt.AlignmentFlag.AlignLeft)
    if spec.kind == "line":
        series: QAbstractSeries = _line(chart, title, values)
    else:
        series = _bars(chart, title, values, report.rows[: spec.max_points])
    chart.addSeries(series)
    series.attachAxis(axis_x)
    series.attachAxis(axis_y)
    if spec.limit is not None and labels:
        _limit_line(chart, spec.limit, limit_text(spec), len(labels), axis_x, axis_y)
    _chinese_fonts(chart, axis_x, axis_y)  # after addAxis: adding applies the theme's fonts


def _chinese_fonts(chart: QChart, *axes: QAbstractAxis) -> None:
    """Titles, labels and the legend in a font with Chinese glyphs (ui/fonts.py)."""
    chart.legend().setFont(cjk_font(chart.legend().font()))
    for axis in axes:
        axis.setTitleFont(cjk_font(axis.titleFont()))
        axis.setLabelsFont(cjk_font(axis.labelsFont()))


def _line(chart: QChart, title: str, values: list[float]) -> QLineSeries:
    line = QLineSeries(chart)
    line.setName(title)
    for i, v in enumerate(values):
        line.append(QPointF(i, v))
    line.setPen(QPen(BAR_COLOR, 2.5))
    return line


def _bars(chart: QChart, title: str, values: list[float], rows: list[Row]) -> QBarSeries:
    bars = QBarSeries(chart)
    bar_set = QBarSet(title, bars)
    bar_set.setColor(BAR_COLOR)
    bar_set.append(values)
    bar_set.setSelectedColor(LIMIT_COLOR)  # rows to look at (e.g. reason mismatches)
    for i, row in enumerate(rows):
        if row.get("mismatch") or row.get("over_limit"):
            bar_set.selectBar(i)
    bars.append(bar_set)
    bars.setLabelsVisible(len(values) <= 12)
    return bars


def _limit_line(
    chart: QChart,
    limit_value: float,
    name: str,
    points: int,
    axis_x: QBarCategoryAxis,
    axis_y: QValueAxis,
) -> None:
    """The policy's limit as a dashed line across the chart, the one entry in the legend."""
    limit = QLineSeries(chart)
    limit.setName(name)
    limit.append(QPointF(-0.5, limit_value))
    limit.append(QPointF(points - 0.5, limit_value))
    pen = QPen(LIMIT_COLOR, 2)
    pen.setStyle(Qt.PenStyle.DashLine)
    limit.setPen(pen)
    chart.addSeries(limit)
    limit.attachAxis(axis_x)
    limit.attachAxis(axis_y)
    chart.legend().setVisible(True)
    chart.legend().setAlignment(Qt.AlignmentFlag.AlignTop)
    for marker in chart.legend().markers():
        marker.setVisible(marker.series() is limit)
