"""The /v1 HTTP API and the head-office page, one APIRouter per concern.

`gate` signs requests in and out; `push`, `pulls` and `status` define the routes. The
routers are built per app by `counter_app.central.app.create_app`, never at import.
"""
