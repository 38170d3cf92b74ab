"""One connection string -> a printer.

``open_printer`` gives the raw python-escpos object for a URL; ``connect`` gives the app's
``Printer`` (send a document, status, drawer kick) with timeouts so a job never hangs.

python-escpos opens a device once and never reconnects after a failed first open (the device
becomes ``None`` and later writes fail with AssertionError), so every job opens a fresh
connection, sends the pre-rendered bytes and closes it. Its exceptions are odd
(DeviceNotFoundError wrapping OSError, AssertionError, usb/serial errors): all of them are
turned into ``PrintFailed`` with a reason in plain words.
"""

from __future__ import annotations

import contextlib
import importlib.util
import re
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal, Protocol, TypeVar
from urllib.parse import parse_qs, unquote, urlsplit

from escpos.constants import CD_KICK_2
from escpos.escpos import Escpos
from escpos.printer import Dummy

from counter_app.adapters.printing.errors import (
    PrinterConfigError,
    PrinterUnavailable,
    PrintFailed,
)
from counter_app.adapters.printing.escpos_render import render_escpos_bytes
from counter_app.adapters.printing.png_render import render_png
from counter_app.adapters.printing.profile import PrintProfile, load_profile
from counter_app.domain.documents import Document

SCHEMES = ("usb", "tcp", "serial", "file", "cups", "win32", "preview")
_EXTRA_FOR = {
    "usb": ("usb", "usb"),
    "serial": ("serial", "serial"),
    "cups": ("cups", "cups"),
    "win32": ("win32print", "win32"),
}  # scheme: (module, extra)
DEFAULT_TIMEOUT = 10.0
CHUNK = 4096
T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class PrinterUrl:
    """A parsed connection string."""

    scheme: str
    target: str  # host, device path, queue or printer name, or directory
    port: int | None = None
    params: tuple[tuple[str, str], ...] = ()

    def param(self, name: str, default: str | None = None) -> str | None:
        return dict(self.params).get(name, default)


def parse_printer_url(url: str) -> PrinterUrl:
    """Validate a connection string; bad ones raise PrinterConfigError in plain words."""
    if not url or "://" not in url:
        raise PrinterConfigError(
            f"'{url}' is not a printer address. Use one of: usb://VID:PID, tcp://HOST:9100, "
            "serial:///dev/ttyUSB0?baudrate=19200, file:///dev/usb/lp0, cups://QUEUE, "
            "win32://NAME, preview://FOLDER."
        )
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    if scheme not in SCHEMES:
        raise PrinterConfigError(
            f"Unknown printer connection type '{scheme}://'. "
            f"Use one of: {', '.join(s + '://' for s in SCHEMES)}."
        )
    params = tuple((k, v[-1]) for k, v in parse_qs(parts.query).items())
    netloc = unquote(parts.netloc)
    path = unquote(parts.path)
    if scheme == "tcp":
        host = parts.hostname
        try:
            port = parts.port or 9100
        except ValueError as exc:
            raise PrinterConfigError(
                f"The port in '{url}' is not a number from 1 to 65535."
            ) from exc
        if not host:
            raise PrinterConfigError(f"'{url}' has no printer host name or IP address.")
        return PrinterUrl(scheme, host, port, params)
    if scheme == "usb":
        m = re.fullmatch(r"(?:0x)?([0-9a-fA-F]{1,4}):(?:0x)?([0-9a-fA-F]{1,4})", netloc)
        if not m:
            raise PrinterConfigError(
                f"'{url}' should name the USB vendor and product id in hex, e.g. usb://04b8:0202."
            )
        return PrinterUrl(scheme, f"{m.group(1).lower()}:{m.group(2).lower()}", None, params)
    target = (
        netloc + path if scheme in ("serial", "file", "preview") else netloc or path.lstrip("/")
    )
    if not target and scheme != "preview":
        raise PrinterConfigError(f"'{url}' does not say which {scheme} printer to use.")
    if scheme == "serial":
        baud = dict(params).get("baudrate", "9600")
        if not baud.isdigit() or int(baud) <= 0:
            raise PrinterConfigError(
                f"The baud rate in '{url}' must be a whole number, e.g. 19200."
            )
    return PrinterUrl(scheme, target, None, params)


def _require_extra(scheme: str) -> None:
    if scheme in _EXTRA_FOR:
        module, extra = _EXTRA_FOR[scheme]
        if importlib.util.find_spec(module) is None:
            raise PrinterUnavailable(
                f"{scheme}:// printers need an optional library that is not installed: "
                f"install the '{extra}' extra: pip install counter-app[{extra}]"
            )


class PreviewDevice(Dummy):  # type: ignore[misc]
    """A python-escpos 'printer' for preview://: keeps the bytes, writes them on close."""

    def __init__(self, directory: Path, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.directory = directory

    def close(self) -> None:
        data = self.output
        if data:
            self.directory.mkdir(parents=True, exist_ok=True)
            name = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%f") + ".escpos"
            (self.directory / name).write_bytes(data)
            self.clear()


def _preview_dir(target: str) -> Path:
    return Path(target) if target else Path.cwd() / "artifacts" / "preview"


def open_printer(url: str, profile: str | None = None, timeout: float = DEFAULT_TIMEOUT) -> Escpos:
    """The python-escpos printer object for `url` (not opened yet; opens on first use)."""
    u = parse_printer_url(url)
    _require_extra(u.scheme)
    prof = load_profile(profile or u.param("profile"))
    kw: dict[str, Any] = {"profile": prof.name}
    if u.scheme == "tcp":
        from escpos.printer import Network

        return Network(u.target, u.port or 9100, timeout=timeout, **kw)
    if u.scheme == "usb":
        from escpos.printer import Usb

        vid, pid = (int(x, 16) for x in u.target.split(":"))
        extra: dict[str, Any] = {}
        for key in ("in_ep", "out_ep"):
            if u.param(key):
                extra[key] = int(str(u.param(key)), 0)
        return Usb(vid, pid, timeout=int(timeout * 1000), **extra, **kw)
    if u.scheme == "serial":
        from escpos.printer import Serial

        baud = int(u.param("baudrate", "9600") or 9600)
        return Serial(u.target, baudrate=baud, timeout=timeout, **kw)
    if u.scheme == "file":
        from escpos.printer import File

        return File(u.target, **kw)
    if u.scheme == "cups":
        from escpos.printer import CupsPrinter

        return CupsPrinter(u.target, **kw)
    if u.scheme == "win32":
        from escpos.printer import Win32Raw

        return Win32Raw(u.target, **kw)
    return PreviewDevice(_preview_dir(u.target), **kw)


# ---------------------------------------------------------------------------------------------
# The Printer interface
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class PrinterStatus:
    online: bool | None
    paper: Literal["ok", "low", "out"] | None = None
    detail: str = ""


class Printer(Protocol):
    """What the app needs from a printer. Every method may block: call from a worker."""

    url: str
    profile: PrintProfile

    def render(self, document: Document) -> bytes:
        """The bytes this printer would receive for `document`."""
        ...

    def send(self, document: Document) -> None:
        """Print; raise PrintFailed with a plain-words reason on any failure."""
        ...

    def send_raw(self, data: bytes) -> None: ...

    def status(self) -> PrinterStatus | None:
        """Online / paper state where the connection can tell; None where it cannot."""
        ...

    def kick_drawer(self) -> None: ...


def _with_deadline(fn: Callable[[], T], seconds: float, what: str) -> T:
    """Run `fn` in a daemon thread; give up after `seconds` so a stuck driver never hangs us."""
    box: dict[str, Any] = {}

    def run() -> None:
        try:
            box["value"] = fn()
        except BaseException as exc:
            box["error"] = exc

    t = threading.Thread(target=run, name="printer-io", daemon=True)
    t.start()
    t.join(seconds)
    if t.is_alive():
        raise PrintFailed(
            f"The printer did not finish {what} within {seconds:.0f} seconds. Check that it is "
            "switched on, has paper and its cover is closed.",
            possibly_printed=True,
        )
    if "error" in box:
        raise box["error"]
    return box["value"]  # type: ignore[no-any-return]


def _explain(exc: BaseException, where: str) -> str:
    """Plain words for python-escpos / socket / usb / serial failures."""
    cause = exc.__cause__ or exc.__context__ or exc
    text = f"{type(cause).__name__}: {cause}".lower()
    if isinstance(cause, ConnectionRefusedError) or "refused" in text:
        return (
            f"The printer at {where} refused the connection. "
            "Check that it is switched on and its address is right."
        )
    if isinstance(cause, TimeoutError | socket.timeout) or "timed out" in text:
        return (
            f"The printer at {where} did not respond in time. "
            "It may be off, busy, out of paper or its cover may be open."
        )
    if isinstance(cause, BrokenPipeError | ConnectionResetError | ConnectionAbortedError):
        return f"The printer at {where} closed the connection before the whole job was received."
    if "not found" in text or "no such" in text or isinstance(cause, FileNotFoundError):
        return f"No printer found at {where}. Check that it is plugged in and switched on."
    if isinstance(cause, PermissionError) or "access" in text or "permission" in text:
        return f"This computer is not allowed to use the printer at {where} (permission denied)."
    if isinstance(cause, AssertionError):
        return f"The connection to the printer at {where} could not be opened."
    return f"Printing to {where} failed: {cause}"


class EscposPrinter:
    """A real printer reached through python-escpos; a fresh connection per job."""

    def __init__(
        self,
        url: str,
        profile: str | None = None,
        timeout: float = DEFAULT_TIMEOUT,
        confirm_timeout: float | None = None,
    ) -> None:
        self.url = url
        self._u = parse_printer_url(url)
        if self._u.scheme == "preview":
            raise PrinterConfigError("preview:// is not a device; use connect() for it.")
        _require_extra(self._u.scheme)
        self._profile_spec = profile or self._u.param("profile")
        self.profile = load_profile(self._profile_spec)
        self.timeout = timeout
        confirm = self._u.param("confirm", "eof")
        self.confirm_timeout = 0.0 if confirm == "none" else (confirm_timeout or timeout)
        self.where = url.split("?")[0]

    def render(self, document: Document) -> bytes:
        return render_escpos_bytes(document, self.profile)

    def send(self, document: Document) -> None:
        self.send_raw(self.render(document))

    def kick_drawer(self) -> None:
        self.send_raw(CD_KICK_2)

    def _open(self) -> Escpos:
        return open_printer(self.url, self._profile_spec, timeout=self.timeout)

    def send_raw(self, data: bytes) -> None:
        if self._u.scheme == "tcp":
            self._send_tcp(data)
            return
        # Drivers with their own (sometimes absent) timeouts: bound the whole job.
        budget = self.timeout * 2 + len(data) / 1000.0  # ~1 KB/s: a 9600-baud serial printer

        def job() -> None:
            dev = self._open()
            try:
                dev.open()
                for i in range(0, len(data), CHUNK):
                    dev._raw(data[i : i + CHUNK])
            finally:
                dev.close()

        try:
            _with_deadline(job, budget, "printing")
        except PrintFailed:
            raise
        except Exception as exc:
            raise PrintFailed(_explain(exc, self.where)) from exc

    def _send_tcp(self, data: bytes) -> None:
        dev = self._open()
        sent = 0
        try:
            dev.open()  # DeviceNotFoundError on refused / unreachable / timeout
            sock = dev.device
            if not isinstance(sock, socket.socket):
                raise PrintFailed(
                    f"The connection to the printer at {self.where} could not be opened."
                )
            for i in range(0, len(data), CHUNK):
                dev._raw(data[i : i + CHUNK])  # sendall; timeout = no progress for `timeout`
                sent = i + CHUNK
            if self.confirm_timeout:
                self._await_eof(sock)
        except PrintFailed:
            raise
        except Exception as exc:
            raise PrintFailed(_explain(exc, self.where), possibly_printed=sent > 0) from exc
        finally:
            with contextlib.suppress(Exception):  # closing a broken socket: nothing to learn
                dev.close()

    def _await_eof(self, sock: socket.socket) -> None:
        """Half-close and wait for the printer to close: proof it took the whole job."""
        sock.shutdown(socket.SHUT_WR)
        deadline = time.monotonic() + self.confirm_timeout
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise PrintFailed(
                    f"The printer at {self.where} did not confirm the job within "
                    f"{self.confirm_timeout:.0f} seconds; it may or may not have printed.",
                    possibly_printed=True,
                )
            sock.settimeout(left)
            try:
                chunk = sock.recv(1024)
            except TimeoutError:
                continue
            if not chunk:
                return  # orderly close: everything was read

    def status(self) -> PrinterStatus | None:
        if self._u.scheme not in ("tcp", "usb", "serial"):
            return None
        quick = min(self.timeout, 3.0)

        def probe() -> PrinterStatus:
            dev = open_printer(self.url, self._profile_spec, timeout=quick)
            try:
                dev.open()
                online = dev.is_online()
                paper = {0: "out", 1: "low", 2: "ok"}.get(dev.paper_status())
                return PrinterStatus(online=online, paper=paper)  # type: ignore[arg-type]
            finally:
                dev.close()

        try:
            return _with_deadline(probe, quick * 3, "the status check")
        except Exception as exc:
            return PrinterStatus(online=False, paper=None, detail=_explain(exc, self.where))


class PreviewPrinter:
    """preview://DIR: every document becomes a PNG file in DIR (on-screen preview, demos)."""

    def __init__(self, url: str, profile: str | None = None) -> None:
        self.url = url
        u = parse_printer_url(url)
        self.directory = _preview_dir(u.target)
        self.profile = load_profile(profile or u.param("profile"))
        self.last_path: Path | None = None

    def render(self, document: Document) -> bytes:
        return render_png(document, self.profile)

    def _write(self, stem: str, suffix: str, data: bytes) -> None:
        safe = re.sub(r"[^A-Za-z0-9._-]+", "_", stem)[:60] or "job"
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%f")
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
            path = self.directory / f"{stamp}-{safe}{suffix}"
            path.write_bytes(data)
        except OSError as exc:
            raise PrintFailed(
                f"Cannot write the preview to {self.directory}: {exc.strerror}"
            ) from exc
        self.last_path = path

    def send(self, document: Document) -> None:
        self._write(document.title, ".png", self.render(document))

    def send_raw(self, data: bytes) -> None:
        self._write("raw", ".escpos", data)

    def status(self) -> PrinterStatus | None:
        return PrinterStatus(online=True, paper="ok", detail=f"preview to {self.directory}")

    def kick_drawer(self) -> None:
        return None


class FakePrinter:
    """In-memory printer for tests elsewhere: records jobs, can be told to fail."""

    def __init__(self, profile: str | None = None) -> None:
        self.url = "fake://"
        self.profile = load_profile(profile)
        self.documents: list[Document] = []
        self.raw: list[bytes] = []
        self.drawer_kicks = 0
        self.fail_reason: str | None = None
        self.fail_times: int | None = None  # None = every time while fail_reason is set
        self.fail_possibly_printed = False
        self.current_status: PrinterStatus | None = PrinterStatus(online=True, paper="ok")

    def fail(
        self,
        reason: str = "The printer is out of paper.",
        times: int | None = None,
        possibly_printed: bool = False,
    ) -> None:
        self.fail_reason, self.fail_times = reason, times
        self.fail_possibly_printed = possibly_printed

    def _maybe_fail(self) -> None:
        if self.fail_reason is None:
            return
        reason = self.fail_reason
        if self.fail_times is not None:
            self.fail_times -= 1
            if self.fail_times <= 0:
                self.fail_reason = None
        raise PrintFailed(reason, possibly_printed=self.fail_possibly_printed)

    def render(self, document: Document) -> bytes:
        return render_escpos_bytes(document, self.profile)

    def send(self, document: Document) -> None:
        self._maybe_fail()
        self.documents.append(document)

    def send_raw(self, data: bytes) -> None:
        self._maybe_fail()
        self.raw.append(data)

    def status(self) -> PrinterStatus | None:
        return self.current_status

    def kick_drawer(self) -> None:
        self._maybe_fail()
        self.drawer_kicks += 1


def connect(url: str, profile: str | None = None, timeout: float = DEFAULT_TIMEOUT) -> Printer:
    """The app-level Printer for a connection string (validated now, opened per job)."""
    if parse_printer_url(url).scheme == "preview":
        return PreviewPrinter(url, profile)
    return EscposPrinter(url, profile, timeout=timeout)
