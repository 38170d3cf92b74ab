"""Which authorizations the counter refuses and how it says so (pure: no database): one line,
the date in the store's zone, used / cancelled / expired, and open ones pass until expiry."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from counter_app.domain.auth_code import new_code
from counter_app.services.authorization_desk import from_item, raise_if_unusable
from counter_app.services.errors import AuthorizationRefused

NOW = datetime(2026, 12, 3, 2, 30, tzinfo=UTC)  # still 2 Dec in New York


def _day(moment: datetime) -> str:
    local = moment.astimezone(ZoneInfo("America/New_York"))
    return f"{local.day} {local:%b %Y}"


def _item(**extra: object) -> dict[str, object]:
    base: dict[str, object] = {
        "code": new_code(bytes(range(7))), "order_number": "O-1", "status": "open",
        "refund": "store_credit",
        "lines": [{"line_no": 2, "sku": "APP-1", "quantity": 2, "reason": "wrong_size"}],
        "created_at": (NOW - timedelta(days=1)).isoformat(),
        "expires_at": (NOW + timedelta(days=1)).isoformat(),
        "status_token": "A" * 22,
    }  # fmt: skip
    return base | extra


def test_open_passes_and_converts() -> None:
    found = from_item(_item())
    raise_if_unusable(found, NOW, _day)
    assert found.refund == "store_credit" and found.line(2) is not None
    assert found.line(2).quantity == 2 and found.line(1) is None  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("extra", "text"),
    [
        ({"status": "used", "used_by_store": "S002", "used_at": NOW.isoformat()},
         "This return code was already used at store S002 on 2 Dec 2026."),
        ({"status": "used"}, "This return code was already used."),
        ({"status": "cancelled", "cancelled_at": NOW.isoformat()},
         "This return code was cancelled on 2 Dec 2026."),
        ({"expires_at": NOW.isoformat()}, "This return code expired on 2 Dec 2026."),
        ({"status": "expired", "expires_at": (NOW - timedelta(days=5)).isoformat()},
         "This return code expired on 27 Nov 2026."),
    ],
)  # fmt: skip
def test_refusals_say_what_and_when(extra: dict[str, object], text: str) -> None:
    with pytest.raises(AuthorizationRefused) as refused:
        raise_if_unusable(from_item(_item(**extra)), NOW, _day)
    assert str(refused.value) == text


def test_a_malformed_item_is_refused_before_use() -> None:
    with pytest.raises(ValueError):
        from_item(_item(status_token="short"))
    with pytest.raises(ValueError):
        from_item(_item(lines=[]))
