"""What the central service does, independent of HTTP: receive pushes, serve pulls, publish.

Every function takes an Engine and runs its own transaction(s), so the HTTP layer, the CLI
and tests all share one implementation. One module per concern:

- `ingest`: messages pushed by stores (returns, stock, audit heads, resolutions);
- `pulls`: the pages stores pull (orders, catalog, policies, staff, settlements);
- `lookups`: the live order lookup (masked, rate-limited, logged);
- `publish`: what head office publishes (orders, online refunds, catalog, policy, staff);
- `settlements`: card refunds settled by the (stand-in) payment gateway;
- `stores`: registering stores and their sync status;
- `keys`: store keys (sealed with the master key, rotated, revoked) and the replay guard;
- `authorizations`: returns started online (portal / `central authorize`), claimed once;
  `portal_keys`: the returns portal's keys.
"""

from __future__ import annotations

from counter_app.central.db import is_sqlite
from counter_app.central.service.authorizations import (
    AuthorizationRefused,
    cancel_authorization,
    claim_authorization,
    create_authorization,
    get_authorization,
    list_authorizations,
    pull_authorizations,
)
from counter_app.central.service.ingest import push_messages
from counter_app.central.service.keys import (
    first_use_of_nonce,
    revoke_keys,
    rotate_key,
    valid_keys,
)
from counter_app.central.service.lookups import LookupThrottled, lookup_order, lookups_of
from counter_app.central.service.portal_keys import (
    add_portal_key,
    portal_caller,
    revoke_portal_key,
)
from counter_app.central.service.publish import (
    Assignment,
    publish_catalog,
    publish_orders,
    publish_policy,
    publish_staff,
    record_online_refund,
    staff_from_record,
)
from counter_app.central.service.pulls import (
    get_order,
    parse_cursor,
    pull_catalog,
    pull_orders,
    pull_policies,
    pull_settlements,
    pull_staff,
)
from counter_app.central.service.settlements import settle
from counter_app.central.service.stores import (
    add_store,
    message_counts,
    store_key,
    store_statuses,
    touch_store,
)
from counter_app.central.service.tx import utcnow

__all__ = [
    "Assignment",
    "AuthorizationRefused",
    "LookupThrottled",
    "add_portal_key",
    "add_store",
    "cancel_authorization",
    "claim_authorization",
    "create_authorization",
    "first_use_of_nonce",
    "get_authorization",
    "get_order",
    "is_sqlite",
    "list_authorizations",
    "lookup_order",
    "lookups_of",
    "message_counts",
    "parse_cursor",
    "portal_caller",
    "publish_catalog",
    "publish_orders",
    "publish_policy",
    "publish_staff",
    "pull_authorizations",
    "pull_catalog",
    "pull_orders",
    "pull_policies",
    "pull_settlements",
    "pull_staff",
    "push_messages",
    "record_online_refund",
    "revoke_keys",
    "revoke_portal_key",
    "rotate_key",
    "settle",
    "staff_from_record",
    "store_key",
    "store_statuses",
    "touch_store",
    "utcnow",
    "valid_keys",
]
