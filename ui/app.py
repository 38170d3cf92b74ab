"""Start the GUI: QApplication, translations, stylesheet, bootstrap, sign-in, main window.

`counter-app` (no subcommand) calls `run_gui(settings)`. For the start-up benchmark,
COUNTER_APP_AUTOLOGIN="user:pin" signs in without typing and COUNTER_APP_QUIT_WHEN_READY=1
prints `ready <seconds since process start>` once the main window is usable, then quits;
COUNTER_APP_QUIT_WHEN_SHOWN=1 prints `shown <seconds>` once the first window has painted, then
quits (benchmarks/bench_coldstart.py).
"""

from __future__ import annotations

import contextlib
import logging
import os
import signal
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QCoreApplication, QEvent, QObject, Qt, QTimer, Signal
from PySide6.QtWidgets import QApplication, QWidget

from counter_app.bootstrap import App, bootstrap
from counter_app.config import Settings
from ui import i18n
from ui.context import CounterContext
from ui.counter.window import MainWindow
from ui.tasks import TaskManager
from ui.widgets import icon

log = logging.getLogger(__name__)
STYLESHEET = Path(__file__).resolve().parents[1] / "resources" / "styles" / "counter.qss"


def apply_style(app: QApplication) -> None:
    with contextlib.suppress(OSError):  # without it the plain look still works
        icons = (STYLESHEET.parents[1] / "icons").as_posix()
        app.setStyleSheet(STYLESHEET.read_text(encoding="utf-8").replace("@ICONS@", icons))


def make_window(app: App, *, tasks: TaskManager | None = None, services: bool = True) -> MainWindow:
    """The main window on a wired core (tests build theirs with this).

    `services`: the print queue worker and head-office sync (header indicators, receipt
    preview, reprint, nightly sync); tests of those wire them with their own options."""
    i18n.set_time_zone(app.policies.current.timezone)
    i18n.use_policy(lambda: app.policies.current)
    i18n.set_language(app.settings.language)
    ctx = CounterContext(app=app, tasks=tasks or TaskManager())
    currency = app.policies.current.currency
    window = MainWindow(ctx)
    # babel's locale data, once the window shows (a daemon: closing never waits for it)
    warm = threading.Thread(target=i18n.warm_up, args=(currency,), name="warm-up", daemon=True)
    after_first_paint(window, warm.start)
    if services:
        _install_services(window)
    return window


def _install_services(window: MainWindow) -> None:
    """Printing and head-office sync. Their modules (escpos, PIL, httpx: about half a second)
    load on a thread of their own once the window has painted (the sign-in screen shows at
    once); then the controllers and the header indicators are wired on the UI thread, which
    starts the print worker and the receipt helper process. Hooks set before that are kept.
    Closing the window never waits for that thread (it is a daemon): nothing is installed."""

    def load() -> None:
        import ui.devices.print_panel
        import ui.sync.panel  # noqa: F401

    def install() -> None:
        from ui.devices.print_panel import install_printing
        from ui.sync.mail import MailController
        from ui.sync.panel import install_sync

        install_printing(window)
        install_sync(window)
        window.ctx.mail = MailController(window)

    def start() -> None:
        _BackgroundLoad(window, load, install)

    after_first_paint(window, start)


class _BackgroundLoad(QObject):
    """Runs `load` on a daemon thread, then `install` on the UI thread unless the window has
    closed meanwhile."""

    _loaded = Signal(object)  # None, or the exception `load` raised

    def __init__(
        self, window: QWidget, load: Callable[[], None], install: Callable[[], None]
    ) -> None:
        super().__init__(window)
        self._install = install
        self._closed = False
        window.installEventFilter(self)
        self._loaded.connect(self._finish)  # queued: emitted from the loading thread
        threading.Thread(target=self._run, args=(load,), name="load-services", daemon=True).start()

    def _run(self, load: Callable[[], None]) -> None:
        error: BaseException | None = None
        try:
            load()
        except Exception as exc:  # reported on the UI thread
            error = exc
        with contextlib.suppress(RuntimeError):  # the window (and this object) is gone
            self._loaded.emit(error)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Close:
            self._closed = True
        return False

    def _finish(self, error: BaseException | None) -> None:
        if error is not None:
            log.error("printing and sync are not available: %s", error)
        elif not self._closed:
            self._install()


def run_gui(settings: Settings) -> int:
    started = time.perf_counter()
    qt_app = QApplication.instance() or QApplication(sys.argv[:1])
    assert isinstance(qt_app, QApplication)
    qt_app.setApplicationName("Returns Counter")
    qt_app.setOrganizationName("counter-app")
    qt_app.setWindowIcon(icon("app"))
    apply_style(qt_app)
    i18n.set_language(settings.language)
    _reap_leftover(settings)
    try:
        core = bootstrap(settings)
    except Exception as exc:  # no database: say so in words, never a traceback
        from PySide6.QtWidgets import QMessageBox

        box = QMessageBox(
            QMessageBox.Icon.Critical,
            QCoreApplication.translate("App", "Returns Counter"),
            QCoreApplication.translate(
                "App",
                "The store database cannot be opened. Check the settings or call "
                "support.\n\n{error}",
            ).format(error=str(exc).splitlines()[0] if str(exc) else type(exc).__name__),
        )
        box.setTextFormat(Qt.TextFormat.PlainText)  # the error may quote data
        box.exec()
        return 1
    window = make_window(core)
    if core.policy_warning:
        window.banner.show_message(core.policy_warning, "warning")
    window.showMaximized()  # the counter's one window; a 1366x768 screen is used in full
    _install_excepthook(window)
    _quit_on_terminate(window)
    _quit_when_shown(window, started)
    _autologin(window, started)
    try:
        return qt_app.exec()
    finally:
        services = (window.ctx.printing, window.ctx.sync, window.ctx.mail)
        for service in services:  # no-ops after the window closed
            if service is not None:
                service.stop()
        window.ctx.tasks.shutdown()
        core.close()


def _reap_leftover(settings: Settings) -> None:
    """A receipt helper a crashed run left behind is ended before this run starts its own."""
    from ui.devices.render_process import reap_leftover

    try:
        killed = reap_leftover(settings.home)
    except Exception as exc:  # a stale pid file never stops the counter from starting
        log.warning("leftover helper check failed: %s", exc)
        return
    if killed:
        log.warning("ended %d helper process(es) left by a previous run: %s", len(killed), killed)


def _quit_on_terminate(window: MainWindow) -> None:
    """SIGTERM / SIGHUP (a logout, a service manager, a shutdown) close the window the way
    the cashier would: the return's work finishes, the helpers end, the database closes.
    Python runs signal handlers between bytecodes only, so a timer wakes it while Qt waits."""

    def terminate(_signum: int, _frame: object) -> None:
        window.close()
        QCoreApplication.quit()

    for name in ("SIGTERM", "SIGHUP"):
        number = getattr(signal, name, None)
        if number is not None:
            signal.signal(number, terminate)
    wake = QTimer(window)
    wake.setInterval(250)
    wake.timeout.connect(lambda: None)
    wake.start()


def _install_excepthook(window: MainWindow) -> None:
    """A bug in a UI callback is logged and shown as a banner; the window keeps working and
    the return in progress is kept (Qt would otherwise print a traceback or abort)."""
    previous = sys.excepthook

    def hook(kind: type[BaseException], exc: BaseException, tb: object) -> None:
        log.error("unexpected error in the window", exc_info=(kind, exc, tb))  # type: ignore[arg-type]
        if issubclass(kind, KeyboardInterrupt):
            previous(kind, exc, tb)  # type: ignore[arg-type]
            return
        try:
            window.show_unexpected()
        except Exception:  # the banner itself failed: keep the default behaviour
            previous(kind, exc, tb)  # type: ignore[arg-type]

    sys.excepthook = hook


class _FirstPaint(QObject):
    """Calls `then` (on the next turn of the event loop) once the window has painted."""

    def __init__(self, window: QWidget, then: Callable[[], None]) -> None:
        super().__init__(window)
        self._then = then
        window.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Paint:
            watched.removeEventFilter(self)
            QTimer.singleShot(0, self._then)
        return False


def after_first_paint(window: QWidget, then: Callable[[], None]) -> None:
    """Run `then` once the window is on screen and drawn: work that can wait (printing, sync)
    never delays the first picture the cashier sees."""
    _FirstPaint(window, then)


def _quit_when_shown(window: MainWindow, started: float) -> None:
    if os.environ.get("COUNTER_APP_QUIT_WHEN_SHOWN") != "1":
        return

    def shown() -> None:
        print(f"shown {time.perf_counter() - started:.4f}", flush=True)
        window.close()
        QTimer.singleShot(0, QCoreApplication.quit)

    after_first_paint(window, shown)


def _autologin(window: MainWindow, started: float) -> None:
    auto = os.environ.get("COUNTER_APP_AUTOLOGIN", "")
    quit_when_ready = os.environ.get("COUNTER_APP_QUIT_WHEN_READY") == "1"
    if not auto:
        return
    username, _, pin = auto.partition(":")

    def ready(_user: object) -> None:
        if quit_when_ready:
            QCoreApplication.processEvents()
            print(f"ready {time.perf_counter() - started:.4f}", flush=True)
            window.close()
            QTimer.singleShot(0, QCoreApplication.quit)

    window.signed_in.connect(ready)
    window.login.username.setText(username)
    window.login.pin.setText(pin)
    window.login.submit()
