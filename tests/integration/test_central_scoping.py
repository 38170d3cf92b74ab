"""Head office hands each store only what it needs: its own staff, masked foreign orders.

Staff: a store pulls its home staff and travelling staff, never another store's; PINs follow
the one PIN policy (managers and admins 6+ digits) when published. Live order lookup: a
store's own order in full, another store's (or an online one) with the customer masked;
a fixed budget a minute per store, kept in the database (429 past it); every lookup logged.
"""

from __future__ import annotations

import json

import pytest
from argon2 import PasswordHasher

from counter_app import sync_protocol as proto
from counter_app.central import service
from counter_app.central.cli import main
from counter_app.domain.pins import pin_problem
from tests.integration.central_fixtures import LiveCentral
from tests.integration.test_central import order

pytestmark = pytest.mark.postgres


def _staff(username: str, role: str = "cashier", pin: str = "1234", **where: object) -> object:
    return service.staff_from_record(
        {"username": username, "display_name": username.title(), "role": role, "pin": pin,
         **where}
    )


def test_each_store_pulls_only_its_own_and_travelling_staff(central: LiveCentral) -> None:
    central.add_store("S001")
    central.add_store("S002")
    service.publish_staff(central.engine, [
        _staff("ann", store="S001"),  # type: ignore[list-item]
        _staff("ben", "manager", "135790", store="S002"),  # type: ignore[list-item]
        _staff("cy", "admin", "864209", travelling=True),  # type: ignore[list-item]
    ])
    s1, _ = central.client("S001").pull_all("staff")
    s2, cursor2 = central.client("S002").pull_all("staff")
    assert sorted(m["username"] for m in s1) == ["ann", "cy"]
    assert sorted(m["username"] for m in s2) == ["ben", "cy"]
    # Disabling keeps the assignment: only ben's store hears of it.
    ben = service.staff_from_record({"username": "ben", "display_name": "Ben",
                                     "role": "manager", "pin": "135790", "store": "S002"})[0]
    service.publish_staff(central.engine, [ben.model_copy(update={"active": False})])
    assert [m["active"] for m in central.client("S002").pull("staff", cursor2).json()["items"]
            ] == [False]
    assert central.client("S001").pull_all("staff")[0] == s1


@pytest.mark.parametrize(("role", "pin", "ok"), [
    ("cashier", "1234", True), ("cashier", "123", False), ("manager", "1234", False),
    ("manager", "123456", True), ("admin", "1", False), ("admin", "12345a", False),
    ("admin", "1234567890123", False),
])
def test_one_pin_policy(role: str, pin: str, ok: bool) -> None:
    assert (pin_problem(pin, role) is None) is ok


def test_publish_staff_refuses_short_pins_weak_hashes_and_no_assignment(
    central: LiveCentral, tmp_path: object, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(ValueError, match="admin's PIN is 6 to 12 digits"):
        _staff("eve", "admin", "1", store="S001")
    with pytest.raises(ValueError, match="too cheap"):
        service.staff_from_record({
            "username": "eve", "display_name": "Eve", "role": "admin", "store": "S001",
            "pin_hash": PasswordHasher(time_cost=1, memory_cost=8, parallelism=1).hash("1")})
    with pytest.raises(ValueError, match="say where"):
        _staff("eve")
    with pytest.raises(ValueError, match="store code"):
        _staff("eve", store="S 1; drop")
    db = str(central.engine.url.render_as_string(hide_password=False))
    staff = tmp_path / "staff.jsonl"  # type: ignore[operator]
    staff.write_text(json.dumps({"username": "eve", "display_name": "Eve", "role": "admin",
                                 "pin": "1", "store": "S001"}) + "\n")
    assert main(["central", "publish-staff", str(staff), "--db", db]) == 2
    assert "admin's PIN is 6 to 12 digits" in capsys.readouterr().err
    staff.write_text(json.dumps({"username": "eve", "display_name": "Eve", "role": "admin",
                                 "pin": "97531864", "store": "S001"}) + "\n")
    assert main(["central", "publish-staff", str(staff), "--db", db]) == 0


def _full_order(number: str, store: str | None) -> proto.Order:
    base = order(number, quantity=2, store=store)
    customer = proto.Customer(code="C-9", name="Mia Wong", email="mia@example.com",
                              phone="+1 555 010 1234", loyalty_tier="gold")
    return base.model_copy(update={"customer": customer})


def _lookup(central: LiveCentral, store: str, number: str) -> object:
    return central.client(store).request("GET", f"/v1/stores/{store}/orders/{number}")


def test_lookup_masks_other_stores_orders_and_is_logged(central: LiveCentral) -> None:
    central.add_store("S001")
    central.add_store("S002")
    service.publish_orders(central.engine, [_full_order("O-1", "S001"),
                                            _full_order("O-WEB", None)])
    own = _lookup(central, "S001", "O-1")
    assert own.status_code == 200  # type: ignore[attr-defined]
    assert own.json()["customer"]["email"] == "mia@example.com"  # type: ignore[attr-defined]
    for store, number in (("S002", "O-1"), ("S002", "O-WEB")):
        answer = _lookup(central, store, number)
        body = answer.json()  # type: ignore[attr-defined]
        assert answer.status_code == 200  # type: ignore[attr-defined]
        assert body["customer"] == {"code": "C-9", "name": "M•••", "email": "m•••@example.com",
                                    "phone": "•••• 1234", "loyalty_tier": None}
        assert "Mia" not in json.dumps(body) and "555" not in json.dumps(body)
        assert body["lines"][0]["paid_minor"] == 3998 and body["lines"][0]["sku"] == "SKU-1"
        assert body["payments"] == [{"tender": "card", "amount_minor": 3998,
                                     "card_brand": "VISA", "card_last4": "4242"}]
    assert _lookup(central, "S002", "O-404").status_code == 404  # type: ignore[attr-defined]
    log = [(r.store, r.order_number, r.found, r.masked)
           for r in service.lookups_of(central.engine)]
    assert log == [("S001", "O-1", True, False), ("S002", "O-1", True, True),
                   ("S002", "O-WEB", True, True), ("S002", "O-404", False, False)]
    assert all(r.at is not None for r in service.lookups_of(central.engine))


def test_lookups_are_throttled_per_store(central: LiveCentral) -> None:
    central.add_store("S001")
    central.add_store("S002")
    service.publish_orders(central.engine, [_full_order("O-1", "S001")])
    walker = central.client("S002")
    answers = [walker.request("GET", f"/v1/stores/S002/orders/O-{n}").status_code
               for n in range(service.lookups.LOOKUPS_PER_MINUTE + 3)]
    assert answers[: service.lookups.LOOKUPS_PER_MINUTE].count(429) == 0
    assert answers[service.lookups.LOOKUPS_PER_MINUTE :] == [429, 429, 429]
    refused = walker.request("GET", "/v1/stores/S002/orders/O-1")
    assert refused.status_code == 429
    assert refused.json() == {"error": "rate_limited", "details": [], "message": (
        "too many order lookups from this store (30 a minute); try again in a minute")}
    # Refused lookups are not logged (a flood does not grow the log); other stores unaffected.
    assert len(service.lookups_of(central.engine, "S002")) == service.lookups.LOOKUPS_PER_MINUTE
    assert _lookup(central, "S001", "O-1").status_code == 200  # type: ignore[attr-defined]


def test_a_store_losing_an_account_pulls_it_disabled(central: LiveCentral) -> None:
    central.add_store("S001")
    central.add_store("S002")
    service.publish_staff(central.engine, [
        _staff("ann", store="S001"),  # type: ignore[list-item]
        _staff("cy", "admin", "864209", travelling=True),  # type: ignore[list-item]
    ])
    s1, c1 = central.client("S001").pull_all("staff")
    s2, c2 = central.client("S002").pull_all("staff")
    service.publish_staff(central.engine, [
        _staff("ann", store="S002"),  # type: ignore[list-item]  (moved)
        _staff("cy", "admin", "864209", store="S001"),  # type: ignore[list-item]  (settled)
    ])
    new1 = central.client("S001").pull("staff", c1).json()["items"]
    new2 = central.client("S002").pull("staff", c2).json()["items"]
    new1.sort(key=lambda m: m["username"])
    new2.sort(key=lambda m: m["username"])
    assert [(m["username"], m["active"]) for m in new1] == [("ann", False), ("cy", True)]
    assert [(m["username"], m["active"]) for m in new2] == [("ann", True), ("cy", False)]
    hasher = PasswordHasher()
    gone = new1[0]["pin_hash"]
    assert gone != s1[0]["pin_hash"] and not _verifies(hasher, gone, "1234")
    assert _verifies(hasher, new2[0]["pin_hash"], "1234") and s2


def _verifies(hasher: PasswordHasher, pin_hash: str, pin: str) -> bool:
    try:
        return hasher.verify(pin_hash, pin)
    except Exception:
        return False
