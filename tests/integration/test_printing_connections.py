"""Connections: loopback TCP printers that work, refuse, hang up or stall; other schemes."""

from __future__ import annotations

import os
import socket
import socketserver
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from counter_app.adapters.printing import connections
from counter_app.adapters.printing.connections import (
    EscposPrinter,
    FakePrinter,
    PreviewPrinter,
    connect,
    open_printer,
    parse_printer_url,
)
from counter_app.adapters.printing.errors import PrinterConfigError, PrinterUnavailable, PrintFailed
from counter_app.adapters.printing.escpos_render import render_escpos_bytes
from counter_app.adapters.printing.samples import sample_receipt_data
from counter_app.adapters.printing.sender import PrintSender, job_fingerprint
from counter_app.domain.documents import Document, Text, build_return_receipt

TIMEOUT = 0.5


class _Server(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True
    rcvbuf: int | None = None

    def __init__(self, handler: type[socketserver.BaseRequestHandler]) -> None:
        self.received = bytearray()
        self.done = threading.Event()
        self.release = threading.Event()
        super().__init__(("127.0.0.1", 0), handler)

    def server_bind(self) -> None:
        if self.rcvbuf:
            self.socket.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, self.rcvbuf)
        super().server_bind()


class Recording(socketserver.BaseRequestHandler):
    """A healthy printer: reads everything, answers status queries, closes on EOF."""

    def handle(self) -> None:
        srv: _Server = self.server  # type: ignore[assignment]
        while chunk := self.request.recv(65536):
            srv.received += chunk
            if b"\x10\x04" in chunk:
                self.request.sendall(b"\x12")
        srv.done.set()


class HangsUp(socketserver.BaseRequestHandler):
    """Reads a little of the job, then closes the connection."""

    def handle(self) -> None:
        srv: _Server = self.server  # type: ignore[assignment]
        srv.received += self.request.recv(200)
        self.request.setsockopt(
            socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00"
        )
        self.request.close()
        srv.done.set()


class NeverReads(socketserver.BaseRequestHandler):
    """Accepts and then never reads (a jammed printer)."""

    def handle(self) -> None:
        srv: _Server = self.server  # type: ignore[assignment]
        srv.release.wait(10)


def _serve(
    handler: type[socketserver.BaseRequestHandler], rcvbuf: int | None = None
) -> Iterator[_Server]:
    _Server.rcvbuf = rcvbuf
    srv = _Server(handler)
    t = threading.Thread(target=srv.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    t.start()
    try:
        yield srv
    finally:
        srv.release.set()
        srv.shutdown()
        srv.server_close()
        _Server.rcvbuf = None


@pytest.fixture
def recording() -> Iterator[_Server]:
    yield from _serve(Recording)


@pytest.fixture
def hangs_up() -> Iterator[_Server]:
    yield from _serve(HangsUp)


@pytest.fixture
def never_reads() -> Iterator[_Server]:
    yield from _serve(NeverReads, rcvbuf=4096)


def _url(srv: _Server) -> str:
    return f"tcp://127.0.0.1:{srv.server_address[1]}"


def _big_doc() -> Document:
    # Chinese on a Western profile: many raster lines, hundreds of KB.
    return Document("t", "big", tuple(Text(f"退货收据 第{i}行 测试打印") for i in range(200)))


def test_healthy_printer_receives_the_full_job(recording: _Server) -> None:
    doc = build_return_receipt(sample_receipt_data())
    printer = EscposPrinter(_url(recording), "TM-T88V", timeout=2)
    result = PrintSender().send_job(doc, printer)
    assert result.printed, result.reason
    assert recording.done.wait(2)
    assert bytes(recording.received) == render_escpos_bytes(doc, "TM-T88V")


def test_raw_job_and_drawer_kick(recording: _Server) -> None:
    printer = connect(_url(recording), "TM-T88V", timeout=2)
    result = PrintSender().send_job(b"\x1b@hello\n", printer)
    assert result.printed and result.bytes_sent == 8
    printer.kick_drawer()
    time.sleep(0.1)
    assert bytes(recording.received).endswith(b"\x1bp\x00\x32\x32")


def test_status_from_a_printer_that_answers(recording: _Server) -> None:
    st = connect(_url(recording), "TM-T88V", timeout=2).status()
    assert st is not None and st.online is True and st.paper == "ok"


def test_refused_connection_fails_fast_in_plain_words() -> None:
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()  # nothing listens there now
    printer = EscposPrinter(f"tcp://127.0.0.1:{port}", "TM-T88V", timeout=TIMEOUT)
    start = time.monotonic()
    result = PrintSender().send_job(build_return_receipt(sample_receipt_data()), printer)
    assert result.status == "failed" and "refused" in result.reason
    assert not result.possibly_printed
    assert time.monotonic() - start < 2
    st = printer.status()
    assert st is not None and st.online is False and "refused" in st.detail
    with pytest.raises(PrintFailed, match="refused"):
        printer.send(Document("t", "t", (Text("x"),)))


def test_printer_closing_mid_job_is_a_failure(hangs_up: _Server) -> None:
    printer = EscposPrinter(_url(hangs_up), "TM-T88V", timeout=TIMEOUT)
    start = time.monotonic()
    result = PrintSender().send_job(_big_doc(), printer)
    assert result.status == "failed", "a partial job must not count as printed"
    assert "closed the connection" in result.reason or "did not" in result.reason
    assert result.possibly_printed
    assert time.monotonic() - start < 5 * TIMEOUT + 1


def test_printer_that_never_reads_times_out(never_reads: _Server) -> None:
    printer = EscposPrinter(_url(never_reads), "TM-T88V", timeout=TIMEOUT)
    start = time.monotonic()
    result = PrintSender().send_job(_big_doc(), printer)
    elapsed = time.monotonic() - start
    assert result.status == "failed"
    assert "did not respond in time" in result.reason or "did not confirm" in result.reason
    assert elapsed < 4 * TIMEOUT + 1, elapsed


def test_small_job_to_a_printer_that_never_reads_is_not_reported_printed(
    never_reads: _Server,
) -> None:
    # Fits in the socket buffers, so sending "succeeds": only the missing close reveals it.
    printer = EscposPrinter(_url(never_reads), "TM-T88V", timeout=TIMEOUT)
    result = PrintSender().send_job(b"\x1b@short job\n", printer)
    assert result.status == "failed" and result.possibly_printed
    assert "may or may not have printed" in result.reason


@pytest.mark.parametrize(
    "url",
    [
        "",
        "printer",
        "lpt://x",
        "tcp://",
        "tcp://host:99999",
        "usb://zz:1",
        "usb://04b8",
        "serial:///dev/ttyUSB0?baudrate=fast",
        "cups://",
        "win32://",
    ],
)
def test_bad_connection_strings_are_explained(url: str) -> None:
    with pytest.raises(PrinterConfigError) as err:
        connect(url)
    assert len(str(err.value)) > 20


def test_good_connection_strings_parse() -> None:
    assert parse_printer_url("tcp://10.0.0.5").port == 9100
    assert parse_printer_url("tcp://printer.local:9101").port == 9101
    assert parse_printer_url("usb://04B8:0202").target == "04b8:0202"
    u = parse_printer_url("serial:///dev/ttyUSB0?baudrate=19200")
    assert u.target == "/dev/ttyUSB0" and u.param("baudrate") == "19200"
    assert parse_printer_url("file:///dev/usb/lp0").target == "/dev/usb/lp0"
    assert parse_printer_url("win32://EPSON%20TM-T20").target == "EPSON TM-T20"
    assert parse_printer_url("cups://Receipts").target == "Receipts"
    with pytest.raises(PrinterConfigError, match="Unknown printer model"):
        connect("tcp://127.0.0.1", profile="NoSuchPrinter")


@pytest.mark.parametrize(
    ("url", "extra"),
    [
        ("usb://04b8:0202", "usb"),
        ("serial:///dev/ttyS0", "serial"),
        ("cups://Q", "cups"),
        ("win32://Q", "win32"),
    ],
)
def test_missing_optional_library_names_the_extra(
    url: str, extra: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(connections.importlib.util, "find_spec", lambda name: None)
    with pytest.raises(PrinterUnavailable, match=rf"pip install counter-app\[{extra}\]"):
        connect(url)
    with pytest.raises(PrinterUnavailable):
        open_printer(url)


def test_file_printer_writes_the_job(tmp_path: Path) -> None:
    target = tmp_path / "lp0"
    target.touch()
    doc = build_return_receipt(sample_receipt_data())
    result = PrintSender().send_job(doc, connect(f"file://{target}", "TM-T88V", timeout=2))
    assert result.printed, result.reason
    assert target.read_bytes() == render_escpos_bytes(doc, "TM-T88V")
    missing = connect(f"file://{tmp_path}/no/such/dir/lp0", timeout=2)
    bad = PrintSender().send_job(doc, missing)
    assert bad.status == "failed" and "No printer found" in bad.reason


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs a FIFO")
def test_a_device_that_blocks_forever_does_not_hang_the_job(tmp_path: Path) -> None:
    fifo = tmp_path / "stuck"
    os.mkfifo(fifo)  # opening it for writing blocks until someone reads: a stuck driver
    printer = connect(f"file://{fifo}", timeout=0.2)
    start = time.monotonic()
    with pytest.raises(PrintFailed, match="did not finish"):
        printer.kick_drawer()
    assert time.monotonic() - start < 2
    fd = os.open(fifo, os.O_RDONLY | os.O_NONBLOCK)  # release the abandoned writer thread
    time.sleep(0.05)
    os.close(fd)


def test_preview_printer_writes_png(tmp_path: Path) -> None:
    printer = connect(f"preview://{tmp_path}/out", "TM-T88V")
    assert isinstance(printer, PreviewPrinter)
    result = PrintSender().send_job(build_return_receipt(sample_receipt_data()), printer)
    assert result.printed
    assert (
        printer.last_path is not None and printer.last_path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    )
    assert printer.status() is not None and printer.status().online  # type: ignore[union-attr]


def test_fake_printer_and_sender() -> None:
    fake = FakePrinter()
    sender = PrintSender()
    doc = Document("t", "t", (Text("hi"),))
    fake.fail("The printer is out of paper.", times=1)
    first = sender.send_job(doc, fake)
    assert first.status == "failed" and first.reason == "The printer is out of paper."
    assert sender.send_job(doc, fake).printed
    assert fake.documents == [doc]
    assert job_fingerprint(doc) == job_fingerprint(Document.from_json(doc.to_json()))
    assert job_fingerprint(doc) != job_fingerprint(b"x")


def test_status_is_none_where_the_connection_cannot_tell(tmp_path: Path) -> None:
    assert connect(f"file://{tmp_path}/lp0").status() is None
    fake = FakePrinter()
    assert fake.status() is not None
    fake.current_status = None
    assert fake.status() is None
