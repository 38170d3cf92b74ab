"""Files only this account may read: the data folder 0700, its files 0600, whatever the umask.

The data folder holds the central key, the voucher secret, the SMTP password (config.toml),
PIN hashes and customer details (the database and its WAL/SHM files) and condition photos.
Modes are set when a file or folder is created (a chmod afterwards leaves a window), and
`loose_permissions` lists what someone loosened later, for a warning at start.
"""

from __future__ import annotations

import contextlib
import logging
import os
import stat
import tempfile
from collections.abc import Iterator
from pathlib import Path

PRIVATE_DIR = 0o700
PRIVATE_FILE = 0o600
POSIX = os.name == "posix"
_PHOTO_CHECK_LIMIT = 2000  # a start-up check must stay quick on a store with years of photos

log = logging.getLogger("counter_app.permissions")
_warned: set[Path] = set()


def make_private_dir(path: Path) -> Path:
    """Create `path` (and missing parents); the folders created here get 0700."""
    path = Path(path).expanduser()
    missing = [p for p in (path, *path.parents) if not p.exists()]
    for folder in reversed(missing):
        with contextlib.suppress(FileExistsError):
            folder.mkdir(mode=PRIVATE_DIR)
            if POSIX:
                os.chmod(folder, PRIVATE_DIR)  # mkdir's mode is filtered by the umask
    return path


def private_opener(path: str, flags: int) -> int:
    """An `opener` for open(): a new file is created 0600 and kept so, whatever the umask."""
    fd = os.open(path, flags, PRIVATE_FILE)
    if POSIX and flags & os.O_CREAT:
        st = os.fstat(fd)
        if stat.S_IMODE(st.st_mode) & 0o077 and st.st_uid == os.geteuid():
            os.fchmod(fd, stat.S_IMODE(st.st_mode) & ~0o077)
    return fd


def create_private_file(path: Path) -> bool:
    """Create an empty 0600 file unless it exists; True when it was created here."""
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, PRIVATE_FILE)
    except FileExistsError:
        return False
    try:
        if POSIX:
            os.fchmod(fd, PRIVATE_FILE)
    finally:
        os.close(fd)
    return True


def write_atomic(path: Path, text: str) -> None:
    """Replace `path` with `text` in one step: a 0600 temp file in the same folder, fsync,
    os.replace, then fsync the folder so the rename survives a power cut."""
    folder = path.parent
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    if POSIX:
        dir_fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)


def _open_to_others(path: Path) -> int | None:
    """The mode of `path` when group or others have any access to it, else None."""
    try:
        mode = stat.S_IMODE(path.stat().st_mode)
    except OSError:
        return None
    return mode if mode & 0o077 else None


def _private_paths(home: Path) -> Iterator[Path]:
    yield home
    yield home / "config.toml"
    for name in ("counter.db", "counter.db-wal", "counter.db-shm"):
        yield home / name
    with contextlib.suppress(OSError):
        yield from sorted(home.glob("*.log"))
    photos = home / "photos"
    yield photos
    with contextlib.suppress(OSError), os.scandir(photos) as entries:
        for i, entry in enumerate(entries):
            if i >= _PHOTO_CHECK_LIMIT:
                break
            yield Path(entry.path)


def loose_permissions(home: Path, extra: tuple[Path, ...] = ()) -> list[tuple[Path, int]]:
    """Each private file or folder that group or others may access, with its mode."""
    if not POSIX:
        return []
    found: list[tuple[Path, int]] = []
    for path in (*_private_paths(Path(home)), *extra):
        mode = _open_to_others(path)
        if mode is not None:
            found.append((path, mode))
    return found


def warn_if_loose(home: Path, extra: tuple[Path, ...] = ()) -> list[tuple[Path, int]]:
    """Log one warning line (once per folder and process) when private files are open."""
    loose = loose_permissions(home, extra)
    key = Path(home).resolve() if loose else Path(home)
    if loose and key not in _warned:
        _warned.add(key)
        shown = ", ".join(f"{p.name or p} ({m:04o})" for p, m in loose[:4])
        more = f" and {len(loose) - 4} more" if len(loose) > 4 else ""
        log.warning(
            "other users of this computer can read the counter's data in %s: %s%s; "
            "run: chmod -R go-rwx %s",
            home,
            shown,
            more,
            home,
        )
    return loose
