"""Running `counter-app` in-process with a given standard input, signing in as an
administrator, and the whole-store snapshot that "nothing changed" is checked against."""

from __future__ import annotations

import contextlib
import io
import sys
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, MetaData, select

from counter_app.cli.main import main

ADMIN, ADMIN_PIN = "admin", "000000"  # the demo store's administrator
AS_ADMIN = ("--admin", ADMIN, "--admin-pin", "-")


def cli(home: Path, *args: str, stdin: str = "") -> tuple[int, str, str]:
    """`counter-app --home HOME ARGS...` with `stdin` as standard input: (exit, out, err)."""
    out, err = io.StringIO(), io.StringIO()
    saved = sys.stdin
    sys.stdin = io.StringIO(stdin)
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            code = main(["--home", str(home), *args])
    finally:
        sys.stdin = saved
    return code, out.getvalue(), err.getvalue()


def admin_cli(home: Path, *args: str, then: str = "") -> tuple[int, str, str]:
    """The same, signed in as the demo administrator; `then` are the lines after the PIN."""
    return cli(home, *args, *AS_ADMIN, stdin=f"{ADMIN_PIN}\n{then}")


def first_admin(home: Path, username: str = ADMIN, pin: str = ADMIN_PIN) -> None:
    """A new store's first administrator (`counter-app setup`)."""
    code, _out, err = cli(home, "setup", "--admin", username, "--pin", "-", stdin=f"{pin}\n")
    assert code == 0, err


def store_state(engine: Engine, home: Path) -> dict[str, Any]:
    """Every row of every table (column -> value), and the config file's bytes."""
    meta = MetaData()
    meta.reflect(engine)
    state: dict[str, Any] = {}
    with engine.connect() as conn:
        for table in meta.sorted_tables:
            rows = [dict(row._mapping) for row in conn.execute(select(table))]
            state[table.name] = sorted(rows, key=repr)
    config = home / "config.toml"
    state["config.toml"] = config.read_bytes() if config.exists() else None
    return state


def _sign_in_column(name: str) -> bool:
    return any(word in name for word in ("attempt", "lock", "fail"))


def sign_in_bookkeeping(state: dict[str, Any]) -> dict[str, Any]:
    """`state` without what a refused sign-in is meant to write: the failed-attempt count and
    lockout columns (and any table of attempts), the `sign_in.*` audit entries and the audit
    head that chains them."""
    kept = {k: v for k, v in state.items() if not _sign_in_column(k) and k != "audit_head"}
    kept["users"] = [
        {col: value for col, value in row.items() if not _sign_in_column(col)}
        for row in state.get("users", [])
    ]
    kept["audit_entries"] = [
        row
        for row in state.get("audit_entries", [])
        if not str(row.get("action", "")).startswith("sign_in.")
    ]
    return kept
