"""The HTTP face of the central service: the signed /v1 API and the head-office page.

`create_app(settings)` builds everything; nothing (engine, key cache) exists at import.
The routes live in `counter_app.central.api`, one router per concern.
"""

from __future__ import annotations

from fastapi import FastAPI

from counter_app.central.api.audit import audit_router
from counter_app.central.api.contract import install_contract
from counter_app.central.api.errors import install_error_handlers
from counter_app.central.api.gate import ADMIN, CentralSettings, Gate
from counter_app.central.api.pulls import pull_router
from counter_app.central.api.push import push_router
from counter_app.central.api.status import status_router
from counter_app.central.db import make_engine

__all__ = ["ADMIN", "CentralSettings", "create_app"]


def create_app(settings: CentralSettings) -> FastAPI:
    engine = settings.engine or make_engine(settings.db_url)
    gate = Gate(settings, engine)
    app = FastAPI(title="Returns Counter central", version="1", docs_url=None, redoc_url=None)
    install_error_handlers(app)
    install_contract(app)
    app.state.engine = engine
    app.state.settings = settings
    routers = (push_router(gate), pull_router(gate), status_router(gate), audit_router(gate))
    for router in routers:
        app.include_router(router)
    return app
