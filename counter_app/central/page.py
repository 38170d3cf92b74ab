"""The head-office page: which store synced when, and what needs attention.

Plain server-rendered HTML, no scripts; every value from the database is escaped. The one
inline style sheet is allowed by its hash in the Content-Security-Policy (`STYLE_HASH`).
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Sequence
from datetime import datetime, timedelta
from html import escape

from counter_app.sync_protocol import StoreStatus

STALE_AFTER = timedelta(hours=26)  # nightly sync plus slack

_STYLE = """
body { font-family: system-ui, sans-serif; margin: 2rem; color: #1d1d1f; }
h1 { font-size: 1.6rem; margin-bottom: 0.2rem; }
p.meta { color: #555; margin-top: 0; }
table { border-collapse: collapse; min-width: 60rem; }
th, td { text-align: left; padding: 0.5rem 0.9rem; border-bottom: 1px solid #ddd; }
th { background: #f2f2f4; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
tr.stale td.last-sync { color: #b00020; font-weight: 600; }
tr.never td.last-sync { color: #b00020; font-style: italic; }
td.exceptions.open { color: #fff; background: #c62828; font-weight: 600; }
code { font-size: 0.85rem; }
form.login { display: grid; gap: 0.6rem; max-width: 20rem; }
form.signout { float: right; }
p.error { color: #b00020; font-weight: 600; }
tr.audit-refused td { background: #fdecea; }
tr.audit-refused td.audit { color: #fff; background: #c62828; font-weight: 600; }
"""
STYLE_HASH = "sha256-" + base64.b64encode(hashlib.sha256(_STYLE.encode()).digest()).decode()


def _when(value: datetime | None, now: datetime) -> tuple[str, str]:
    """(text, row class) for a last-sync time."""
    if value is None:
        return "never", "never"
    age = now - value
    stale = "stale" if age > STALE_AFTER else "ok"
    return value.strftime("%Y-%m-%d %H:%M:%S UTC"), stale


def _anchor_cell(s: StoreStatus, head: str, row_class: str) -> tuple[str, str]:
    """The audit cell: the anchored head; red with the reason when the latest was refused."""
    anchor = s.audit_anchor
    if anchor is None:
        return head, row_class
    if anchor.seq:
        head = f"#{anchor.seq} <code>{escape(anchor.hash[:16])}</code> anchored"
    if anchor.refused:
        head += f"<br>head refused: {escape(anchor.refused)}"
        row_class += " audit-refused"
    return head, row_class


def render_status_page(statuses: Sequence[StoreStatus], now: datetime) -> str:
    rows = []
    for s in statuses:
        when, row_class = _when(s.last_contact_at, now)
        head = (
            f"#{s.audit_head.seq} <code>{escape(s.audit_head.hash[:16])}</code>"
            if s.audit_head
            else "—"
        )
        exc_class = "exceptions num open" if s.open_exceptions else "exceptions num"
        head, row_class = _anchor_cell(s, head, row_class)
        rows.append(
            f'<tr class="{row_class}" data-store="{escape(s.store)}">'
            f'<td class="code">{escape(s.store)}</td>'
            f'<td class="name">{escape(s.name)}</td>'
            f'<td class="last-sync">{escape(when)}</td>'
            f'<td class="messages num">{s.messages_received}</td>'
            f'<td class="{exc_class}">{s.open_exceptions}</td>'
            f'<td class="audit">{head}</td>'
            "</tr>"
        )
    body = "\n".join(rows) or '<tr><td colspan="6">No stores registered yet.</td></tr>'
    stale = sum(1 for s in statuses if _when(s.last_contact_at, now)[1] != "ok")
    open_total = sum(s.open_exceptions for s in statuses)
    plural = "" if open_total == 1 else "s"
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="refresh" content="60">
<title>Returns Counter — head office</title>
<style>{_STYLE}</style>
</head>
<body>
<form class="signout" method="post" action="/logout"><button type="submit">Sign out</button></form>
<h1>Returns Counter — head office</h1>
<p class="meta">{len(statuses)} stores · {stale} not synced in the last
{int(STALE_AFTER.total_seconds() // 3600)} h · {open_total} open exception{plural} ·
as of {escape(now.strftime("%Y-%m-%d %H:%M:%S UTC"))}</p>
<table id="stores">
<thead><tr><th>Store</th><th>Name</th><th>Last sync</th><th class="num">Messages received</th>
<th class="num">Open exceptions</th><th>Audit-chain head</th></tr></thead>
<tbody>
{body}
</tbody>
</table>
</body>
</html>
"""


def render_login_page(failed: bool = False) -> str:
    """The sign-in form; a failed attempt says only that it failed (not which part)."""
    error = '<p class="error">Wrong user name or password.</p>' if failed else ""
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>Sign in — Returns Counter head office</title>
<style>{_STYLE}</style>
</head>
<body>
<h1>Returns Counter — head office</h1>
{error}
<form class="login" method="post" action="/login">
<label>User name <input name="username" autocomplete="username" required></label>
<label>Password <input name="password" type="password" autocomplete="current-password"
required></label>
<button type="submit">Sign in</button>
</form>
</body>
</html>
"""
