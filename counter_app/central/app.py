"""The HTTP face of the central service: the signed /v1 API and the head-office console.

`create_app(settings)` builds everything; nothing (engine, key cache) exists at import.
`/openapi.json` is served only with `settings.openapi` (`counter-app central openapi` prints
the contract without a server). Every answer passes `ResponseGuard` (signature, headers).
The routes live in `counter_app.central.api`, one router per concern.
"""

from __future__ import annotations

from fastapi import FastAPI

from counter_app.central.api.audit import audit_router
from counter_app.central.api.authorization_pages import authorization_page_router
from counter_app.central.api.authorization_routes import authorization_router
from counter_app.central.api.chart_routes import chart_router
from counter_app.central.api.console_routes import console_router
from counter_app.central.api.contract import install_contract
from counter_app.central.api.errors import install_error_handlers
from counter_app.central.api.gate import ADMIN, CentralSettings, Gate
from counter_app.central.api.page_routes import page_router
from counter_app.central.api.pulls import pull_router
from counter_app.central.api.push import push_router
from counter_app.central.api.session import install_sign_in
from counter_app.central.api.settlement_routes import settlement_router
from counter_app.central.api.signing import ResponseGuard
from counter_app.central.api.status import status_router
from counter_app.central.api.status_page_routes import status_page_router
from counter_app.central.db import make_engine

__all__ = ["ADMIN", "CentralSettings", "create_app"]


def create_app(settings: CentralSettings) -> FastAPI:
    engine = settings.engine or make_engine(settings.db_url)
    gate = Gate(settings, engine)
    app = FastAPI(
        title="Returns Counter central",
        version="1",
        docs_url=None,
        redoc_url=None,
        openapi_url="/openapi.json" if settings.openapi else None,
    )
    install_error_handlers(app)
    install_contract(app)
    install_sign_in(app)
    app.state.engine = engine
    app.state.settings = settings
    app.state.gate = gate  # the console's sign-in dependency reads it
    routers = (push_router(gate), pull_router(gate), status_router(gate), audit_router(gate),
               authorization_router(gate))  # fmt: skip
    pages = (page_router(gate), console_router(gate), settlement_router(gate),
             authorization_page_router(gate), chart_router(gate),
             status_page_router(gate))  # fmt: skip
    for router in (*routers, *pages):
        app.include_router(router)
    app.add_middleware(ResponseGuard)
    return app


def app_from_environment() -> FastAPI:
    """The app of one `central serve --workers N` worker process, configured by the parent
    through the environment: $COUNTER_CENTRAL_DB, $CENTRAL_ADMIN_KEY, the master key
    ($CENTRAL_MASTER_KEY or $CENTRAL_MASTER_KEY_FILE), $COUNTER_CENTRAL_OPENAPI and the mail
    server ($CENTRAL_SMTP_URL, password included, $CENTRAL_MAIL_FROM, $CENTRAL_PUBLIC_URL)."""
    import os

    from counter_app.central.master_key import MasterKey

    settings = CentralSettings(
        db_url=os.environ["COUNTER_CENTRAL_DB"],
        admin_key=os.environ.get("CENTRAL_ADMIN_KEY") or None,
        master_key=MasterKey.resolve(),
        openapi=bool(os.environ.get("COUNTER_CENTRAL_OPENAPI")),
        smtp_url=os.environ.get("CENTRAL_SMTP_URL") or None,
        mail_from=os.environ.get("CENTRAL_MAIL_FROM") or "returns@localhost",
        public_url=os.environ.get("CENTRAL_PUBLIC_URL") or None,
    )
    return create_app(settings)
