"""`counter-app central` commands for access: keys, accounts, and `serve`'s options.

No secret is ever taken from the command line (every user of the machine can read it in the
process list): the master key comes from $CENTRAL_MASTER_KEY or `--master-key-file`, the admin
request key from $CENTRAL_ADMIN_KEY or `--admin-key-file`, passwords from stdin or a file.
"""

from __future__ import annotations

import argparse
import getpass
import ipaddress
import os
import re
import sys
from datetime import timedelta
from pathlib import Path
from typing import Any

from counter_app.central.master_key import FILE_ENV, MasterKey

ADMIN_KEY_ENV = "CENTRAL_ADMIN_KEY"
SMTP_URL_ENV = "CENTRAL_SMTP_URL"
SMTP_PASSWORD_ENV = "CENTRAL_SMTP_PASSWORD"
MAIL_FROM_ENV = "CENTRAL_MAIL_FROM"
PUBLIC_URL_ENV = "CENTRAL_PUBLIC_URL"
DEFAULT_MAIL_FROM = "returns@localhost"
_HOSTNAME = re.compile(r"^(?=.{1,253}$)[A-Za-z0-9]([A-Za-z0-9-]{0,62})(\.[A-Za-z0-9-]{1,63})*$")


def use_master_key_file(args: argparse.Namespace) -> None:
    """`--master-key-file` is handed on through the environment, so migrations, the service
    and its worker processes all find it the same way."""
    path = getattr(args, "master_key_file", None)
    if path:
        MasterKey.from_file(path)  # one clear line now, not a failure in each worker
        os.environ[FILE_ENV] = str(Path(path).resolve())


def store_setup_lines(store: str, key: str) -> list[str]:
    """What the operator does on the store with a new key (read from stdin, not argv)."""
    return [
        f"On store {store}, run `counter-app config set central_key - --admin YOU` and give "
        "this key on standard input after your PIN (shown only once):",
        key,
    ]


def check_host(host: str) -> str:
    try:
        ipaddress.ip_address(host)
        return host
    except ValueError:
        if _HOSTNAME.match(host):
            return host
    raise ValueError(f"--host {host[:60]!r} is not an IP address or host name")


def check_port(port: str) -> int:
    if not port.isdigit() or not 1 <= int(port) <= 65535:
        raise ValueError(f"--port {port[:20]!r} is not a port number from 1 to 65535")
    return int(port)


def _readable(path: str | None, what: str) -> str | None:
    if path is not None and not Path(path).is_file():
        raise ValueError(f"{what} {path}: no such file")
    return path


def admin_key(args: argparse.Namespace) -> str | None:
    if args.admin_key_file:
        key = Path(args.admin_key_file).read_text(encoding="utf-8").strip()
        if not key:
            raise ValueError(f"--admin-key-file {args.admin_key_file} is empty")
        return key
    return os.environ.get(ADMIN_KEY_ENV) or None


def serve_options(args: argparse.Namespace) -> dict[str, Any]:
    """uvicorn's options from `serve`'s arguments, each checked with one clear line."""
    if bool(args.tls_cert) != bool(args.tls_key):
        raise ValueError("give both --tls-cert and --tls-key (or neither)")
    if args.workers < 1 or args.workers > 64:
        raise ValueError("--workers is a number from 1 to 64")
    return {
        "host": check_host(args.host),
        "port": check_port(args.port),
        "ssl_certfile": _readable(args.tls_cert, "--tls-cert"),
        "ssl_keyfile": _readable(args.tls_key, "--tls-key"),
        "log_level": args.log_level,
    }


def add_serve_arguments(serve: argparse.ArgumentParser) -> None:
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", default="8700", help="1-65535 (default 8700)")
    serve.add_argument(
        "--admin-key-file",
        help=f"file holding the key of head-office requests (or ${ADMIN_KEY_ENV})",
    )
    serve.add_argument("--tls-cert", help="PEM certificate (chain) to serve https with")
    serve.add_argument("--tls-key", help="PEM private key of --tls-cert")
    serve.add_argument("--workers", type=int, default=1, help="worker processes (default 1)")
    serve.add_argument("--openapi", action="store_true", help="serve /openapi.json")
    serve.add_argument("--log-level", default="info")
    add_smtp_arguments(serve)


def add_smtp_arguments(parser: argparse.ArgumentParser) -> None:
    """Where customer e-mails go: a URL without its password (that comes from a file or the
    environment, never the command line)."""
    parser.add_argument(
        "--smtp",
        help=f"mail server: smtp://host:587?starttls=1, smtps://user@host (or ${SMTP_URL_ENV})",
    )
    parser.add_argument(
        "--smtp-password-file",
        help=f"file holding the mail server password (or ${SMTP_PASSWORD_ENV})",
    )
    parser.add_argument("--mail-from", help=f"sender address (or ${MAIL_FROM_ENV})")
    parser.add_argument(
        "--public-url",
        help=f"https URL of head office's public pages, for the status link (or ${PUBLIC_URL_ENV})",
    )


def public_url(args: argparse.Namespace) -> str | None:
    url = args.public_url or os.environ.get(PUBLIC_URL_ENV) or None
    if url is not None and not url.startswith(("https://", "http://")):
        raise ValueError(f"--public-url {url[:60]!r} is not an https:// URL")
    return url


def smtp_settings(args: argparse.Namespace) -> tuple[str | None, str]:
    """(SMTP URL with its password, sender); the URL None when no mail server is set."""
    from urllib.parse import quote, urlsplit, urlunsplit

    from counter_app.adapters.mail import MailError, parse_smtp_url, require_tls_for_login

    sender = args.mail_from or os.environ.get(MAIL_FROM_ENV) or DEFAULT_MAIL_FROM
    if args.smtp and urlsplit(args.smtp).password:
        raise ValueError("--smtp must not hold a password: use --smtp-password-file")
    url = args.smtp or os.environ.get(SMTP_URL_ENV) or None
    if url is None:
        return None, sender
    password = os.environ.get(SMTP_PASSWORD_ENV)
    if args.smtp_password_file:
        lines = Path(args.smtp_password_file).read_text(encoding="utf-8").splitlines()
        password = lines[0] if lines else ""
    parts = urlsplit(url)
    if password and parts.username and not parts.password:
        host = parts.netloc.rpartition("@")[2]
        netloc = f"{parts.username}:{quote(password, safe='')}@{host}"
        url = urlunsplit(parts._replace(netloc=netloc))
    try:
        require_tls_for_login(parse_smtp_url(url))
    except MailError as exc:
        raise ValueError(f"mail server setting: {exc}") from None
    return url, sender


def cmd_rotate_key(args: argparse.Namespace, engine: Any) -> int:
    from counter_app.central.service import rotate_key

    grace = timedelta(hours=args.grace_hours)
    key = rotate_key(engine, args.store, MasterKey.resolve(), grace)
    print(f"new key issued; the old key of {args.store} stops working in {args.grace_hours:g} h")
    print("\n".join(store_setup_lines(args.store, key)))
    return 0


def cmd_revoke_key(args: argparse.Namespace, engine: Any) -> int:
    from counter_app.central.service import revoke_keys

    count = revoke_keys(engine, args.store)
    print(f"revoked {count} key(s) of {args.store}; `central rotate-key {args.store}` issues one")
    return 0


def read_password(args: argparse.Namespace) -> str:
    if args.password_file:
        lines = Path(args.password_file).read_text(encoding="utf-8").splitlines()
        return lines[0] if lines else ""
    if not sys.stdin.isatty():
        return sys.stdin.readline().rstrip("\r\n")
    first = getpass.getpass("password: ")
    if getpass.getpass("again: ") != first:
        raise ValueError("the two passwords differ")
    return first


def cmd_add_admin(args: argparse.Namespace, engine: Any) -> int:
    from counter_app.central.service.admins import add_admin

    add_admin(engine, args.username, read_password(args))
    print(f"head-office account {args.username} can sign in to the status page")
    return 0


def cmd_new_master_key(args: argparse.Namespace) -> int:
    """Print a fresh master key, to keep in a file readable only by the service."""
    print(MasterKey.generate())
    return 0


def register_access(add: Any, commands: Any, guard: Any) -> None:
    """Add the key and account commands; `add(name, func, help)` gives --db and the guard."""
    rotate = add("rotate-key", cmd_rotate_key, "issue a new store key (old one valid for a grace)")
    rotate.add_argument("store")
    rotate.add_argument("--grace-hours", type=float, default=24.0)
    revoke = add("revoke-key", cmd_revoke_key, "revoke every key of a store at once")
    revoke.add_argument("store")
    admin = add("add-admin", cmd_add_admin, "add a head-office account (password from stdin)")
    admin.add_argument("username")
    admin.add_argument("--password-file", help="read the password from this file's first line")
    master = commands.add_parser("new-master-key", help="print a new master key")
    master.set_defaults(func=guard(cmd_new_master_key))
