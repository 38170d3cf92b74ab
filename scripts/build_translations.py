"""Compile resources/translations/*.ts to .qm with PySide6's lrelease (skips up-to-date ones)."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def main() -> int:
    sources = sorted((ROOT / "resources" / "translations").glob("*.ts"))
    if not sources:
        return 0
    tool = shutil.which("pyside6-lrelease", path=str(Path(sys.executable).parent))
    if tool is None:
        print("pyside6-lrelease not found: install PySide6", file=sys.stderr)
        return 1
    for ts in sources:
        qm = ts.with_suffix(".qm")
        if qm.exists() and qm.stat().st_mtime >= ts.stat().st_mtime:
            continue
        subprocess.run([tool, "-silent", str(ts), "-qm", str(qm)], check=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
