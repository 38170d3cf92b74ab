"""The customer's e-mail for a return authorization: the code, its QR, the items, what to
bring and until when. Sent once, right after the authorization is made (a failed send is
logged; the portal still has the code and QR to show).

Templates: `templates/email/authorization.<en|zh>.txt` (first line `Subject: ...`) and `.html`
(Jinja2, autoescaped); the HTML part shows the QR as an inline PNG (`cid:`). Language: Chinese
when the order's customer name is written in Chinese characters or the address is under
`.cn`, else English (orders carry no locale). Sent with the store's own mail adapter
(`counter_app.adapters.mail.SmtpSender`: TLS rules, one clear error).
"""

from __future__ import annotations

import logging
import re
import ssl
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formataddr, make_msgid
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from babel.dates import format_datetime
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from counter_app import sync_protocol as proto
from counter_app.adapters.mail import MailError, MailSender, SmtpSender
from counter_app.central.models import CatalogProduct, CentralAuthorization, CentralOrder
from counter_app.central.qr import qr_png
from counter_app.central.service.auth_policy import latest_policy
from counter_app.central.service.authorizations import (
    authorization_out,
    created_answer,
    lines_of,
)
from counter_app.central.service.tx import utcnow
from counter_app.domain.auth_code import display_code

log = logging.getLogger("counter_app.central")

TEMPLATES = Path(__file__).with_name("templates") / "email"
LOCALES = {"en": "en_US", "zh": "zh_Hans_CN"}
POLICY_LANGUAGE = {"en": "en", "zh": "zh_CN"}  # the policy's [labels.<language>] tables
_NO_SECONDS = {"en": "MMM d, y h:mm a", "zh": "y年M月d日 HH:mm"}  # expiry to the minute
REFUNDS = {
    "en": {"original": "to your original payment", "store_credit": "store credit",
           "exchange": "an exchange"},
    "zh": {"original": "退回原支付方式", "store_credit": "店内余额", "exchange": "换货"},
}  # fmt: skip
_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
_ENV = Environment(
    loader=FileSystemLoader(TEMPLATES),
    autoescape=select_autoescape(["html"]),
    undefined=StrictUndefined,
    trim_blocks=True,
    keep_trailing_newline=True,
)


def language_for(customer_name: str | None, email: str) -> str:
    """zh for a customer whose name is in Chinese characters or whose address is .cn."""
    if _CJK.search(customer_name or "") or email.lower().rstrip(".").endswith(".cn"):
        return "zh"
    return "en"


@dataclass(frozen=True)
class Notice:
    """Everything the e-mail says, read from head office's records."""

    created: proto.AuthorizationCreated
    email: str
    language: str
    names: dict[str, str]  # sku -> product name
    reasons: dict[str, str]  # reason code -> label
    zone: str
    public_url: str | None = None  # head office's public pages (the status page link)


def notice_of(engine: Engine, code: str, public_url: str | None = None) -> Notice | None:
    """The e-mail of authorization `code` (canonical), or None if it has no address."""
    with Session(engine) as session:
        row = session.execute(
            select(CentralAuthorization).where(CentralAuthorization.code == code)
        ).scalar_one_or_none()
        if row is None or not row.email:
            return None
        lines = lines_of(session, [row.id])[row.id]
        order = session.get(CentralOrder, row.order_number)
        customer = str(((order.customer if order else None) or {}).get("name") or "")
        skus = sorted({line.sku for line in lines})
        query = select(CatalogProduct.sku, CatalogProduct.name).where(CatalogProduct.sku.in_(skus))
        names = {sku: name for sku, name in session.execute(query)}
        policy = latest_policy(session)
        language = language_for(customer, row.email)
        labels = POLICY_LANGUAGE[language]
        return Notice(
            created=created_answer(authorization_out(row, lines, utcnow())),
            email=row.email,
            language=language,
            names=names,
            reasons={code: policy.reason_label(code, labels) for code in policy.reason_rules},
            zone=policy.timezone,
            public_url=public_url,
        )


def _fields(notice: Notice) -> dict[str, Any]:
    auth = notice.created.authorization
    lang = notice.language
    expires = auth.expires_at.astimezone(ZoneInfo(notice.zone))
    return {
        "code": display_code(auth.code),
        "order_number": auth.order_number,
        "first_name": auth.customer_first_name,
        "expires": format_datetime(expires, _NO_SECONDS[lang], locale=LOCALES[lang]),
        "refund": REFUNDS[lang][auth.refund],
        "status_url": f"{notice.public_url.rstrip('/')}{notice.created.status_path}"
        if notice.public_url
        else "",
        "qr_cid": "",
        "items": [
            {
                "quantity": line.quantity,
                "name": notice.names.get(line.sku, line.sku),
                "sku": line.sku,
                "reason": notice.reasons.get(line.reason, line.reason),
            }
            for line in auth.lines
        ],
    }


def build_authorization_email(notice: Notice, sender: str) -> EmailMessage:
    """Plain text and HTML (with the QR inline), UTF-8."""
    fields = _fields(notice)
    domain = sender.rpartition("@")[2] or None
    cid = make_msgid("qr", domain=domain)
    fields["qr_cid"] = cid[1:-1]
    text = _ENV.get_template(f"authorization.{notice.language}.txt").render(fields)
    first, _, body = text.partition("\n")
    if not first.startswith("Subject:"):
        raise ValueError("authorization e-mail template: the first line must be 'Subject: ...'")
    message = EmailMessage()
    message["Subject"] = first.removeprefix("Subject:").strip()
    message["From"] = formataddr(("Returns", sender))
    message["To"] = notice.email
    message["Message-ID"] = make_msgid(domain=domain)
    message["X-Return-Authorization"] = fields["code"]
    message.set_content(body.lstrip("\n"), charset="utf-8")
    html = _ENV.get_template(f"authorization.{notice.language}.html").render(fields)
    message.add_alternative(html, subtype="html", charset="utf-8")
    html_part = message.get_body(preferencelist=("html",))
    assert html_part is not None
    png = qr_png(fields["code"])
    html_part.add_related(png, maintype="image", subtype="png", cid=cid, filename="qr.png")
    return message


def send_authorization_email(
    engine: Engine,
    code: str,
    smtp_url: str,
    sender: str,
    *,
    mailer: MailSender | None = None,
    context: ssl.SSLContext | None = None,
    public_url: str | None = None,
) -> bool:
    """Send the e-mail of authorization `code`; False (logged) when not sent."""
    try:
        notice = notice_of(engine, code, public_url)
        if notice is None:
            return False
        (mailer or SmtpSender(smtp_url, context=context)).send(
            build_authorization_email(notice, sender)
        )
    except MailError as exc:
        log.warning("authorization %s: e-mail not sent: %s", display_code(code), exc)
        return False
    log.info("authorization %s: e-mail sent", display_code(code))
    return True
