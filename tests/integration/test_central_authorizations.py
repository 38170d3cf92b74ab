"""Return authorizations at head office, on SQLite and PostgreSQL: what creation refuses (on
the order, its returns, the other open authorizations and the published policy), the expiry,
one claim company-wide, and `return.committed` consuming a code exactly once."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from pydantic import ValidationError
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from counter_app.central import db as central_db
from counter_app.central import service
from counter_app.central.models import CentralAuthorization, CentralReturn
from counter_app.central.service.auth_reserve import SUPERSEDED_BY
from counter_app.domain.auth_code import display_code, parse_code
from tests.integration.authorization_helpers import committed, push, request, seed
from tests.pg import PostgresServer

NOW = datetime.now(UTC).replace(microsecond=0)


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def ho(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'central.db'}"
    else:
        server: PostgresServer = request.getfixturevalue("pg_server")
        url = server.create_database()
    central_db.upgrade(url)
    engine = central_db.make_engine(url)
    seed(engine, NOW)
    yield engine
    engine.dispose()


def refused(engine: Engine, wanted: object) -> str:
    with pytest.raises(service.AuthorizationRefused) as caught:
        service.create_authorization(engine, wanted, NOW, "test")  # type: ignore[arg-type]
    return caught.value.code


def count(engine: Engine) -> int:
    with Session(engine) as session:
        return len(session.execute(select(CentralAuthorization.id)).all())


def test_creation_checks_the_order_the_policy_and_what_is_left(ho: Engine) -> None:
    cases = {
        "unknown_order": request("O-NOPE"),
        "unknown_line": request(lines=((9, 1, "wrong_size"),)),
        "final_sale": request(lines=((2, 1, "wrong_size"),)),
        "outside_window": request("O-OLD"),
        "already_returned": request(lines=((1, 3, "wrong_size"),)),
        "bad_reason": request(lines=((1, 1, "felt_like_it"),)),
        "bad_quantity": request(lines=((1, 1, "wrong_size"), (1, 1, "wrong_size"))),
    }
    for code, wanted in cases.items():
        assert refused(ho, wanted) == code, code
    assert count(ho) == 0  # nothing written by a refusal
    first = service.create_authorization(ho, request(lines=((1, 2, "wrong_size"),)), NOW, "t")
    assert refused(ho, request()) == "already_authorized"  # both units are reserved
    # cancelling frees them again
    service.cancel_authorization(ho, first.display_code, NOW, "hq")
    second = service.create_authorization(ho, request(), NOW, "t")
    assert second.authorization.status == "open" and count(ho) == 2


def test_a_return_at_a_store_counts_and_the_expiry_is_the_earlier_of_window_and_days(
    ho: Engine,
) -> None:
    assert push(ho, "S001", committed("S001", "R-PLAIN", [(1, "SKU-1", 1)]))[0].status == (
        "accepted"
    )
    assert refused(ho, request(lines=((1, 2, "wrong_size"),))) == "already_returned"
    made = service.create_authorization(ho, request(), NOW, "portal:web").authorization
    assert made.expires_at == NOW + timedelta(days=service.authorizations.AUTHORIZATION_DAYS)
    late = service.create_authorization(ho, request("O-LATE"), NOW, "t").authorization
    assert NOW + timedelta(days=4) < late.expires_at < NOW + timedelta(days=7)  # window end
    assert parse_code(display_code(made.code)) == made.code
    assert made.customer_first_name == "Ada" and made.lines[0].sku == "SKU-1"


def test_a_code_already_taken_draws_a_fresh_one(ho: Engine) -> None:
    fixed = secrets.token_bytes(7)
    draws = iter([fixed, fixed, fixed, secrets.token_bytes(7)])
    one = service.create_authorization(
        ho, request(), NOW, "t", random_bytes=lambda n: next(draws)
    ).authorization
    two = service.create_authorization(
        ho, request(lines=((3, 1, "defective"),)), NOW, "t", random_bytes=lambda n: next(draws)
    ).authorization
    assert one.code != two.code and next(draws, None) is None  # the third draw was used


def test_claimed_once_company_wide(ho: Engine) -> None:
    code = service.create_authorization(ho, request(), NOW, "t").authorization.code
    used = service.claim_authorization(ho, "S001", code, "R-1", NOW)
    assert (used.status, used.used_by_store, used.used_return_ref) == ("used", "S001", "R-1")
    again = service.claim_authorization(ho, "S001", display_code(code), "R-1", NOW)
    assert again == used  # the same claim is answered the same
    for store, ref in (("S002", "R-9"), ("S001", "R-2")):
        with pytest.raises(service.AuthorizationRefused) as caught:
            service.claim_authorization(ho, store, code, ref, NOW)
        assert caught.value.code == "authorization_used"
        assert f"store S001 on {NOW.date().isoformat()}" in str(caught.value)
    with pytest.raises(service.AuthorizationRefused) as cancel:
        service.cancel_authorization(ho, code, NOW, "hq")
    assert cancel.value.code == "authorization_used"


def test_expired_cancelled_tampered_and_guessed_codes(ho: Engine) -> None:
    code = service.create_authorization(ho, request(), NOW, "t").authorization.code
    later = NOW + timedelta(days=15)
    assert service.get_authorization(ho, code, later).status == "expired"  # type: ignore[union-attr]
    with pytest.raises(service.AuthorizationRefused) as expired:
        service.claim_authorization(ho, "S001", code, "R-1", later)
    assert expired.value.code == "authorization_expired" and "expired on" in str(expired.value)
    other = service.create_authorization(ho, request(lines=((3, 1, "defective"),)), NOW, "t")
    service.cancel_authorization(ho, other.display_code, NOW, "hq")
    with pytest.raises(service.AuthorizationRefused) as cancelled:
        service.claim_authorization(ho, "S001", other.authorization.code, "R-1", NOW)
    assert cancelled.value.code == "authorization_cancelled"
    assert f"cancelled on {NOW.date().isoformat()}" in str(cancelled.value)
    tampered = code[:-1] + ("0" if code[-1] != "0" else "1")
    guessed = "7K3QD9MZ2X" + "F"
    for bad in (tampered, guessed, "RA-NOT-A-CODE"):
        assert service.get_authorization(ho, bad, NOW) is None
        with pytest.raises(service.AuthorizationRefused) as unknown:
            service.claim_authorization(ho, "S001", bad, "R-1", NOW)
        assert unknown.value.code == "unknown_authorization"
    assert [a.code for a in service.list_authorizations(ho, "cancelled", NOW)] == [
        other.authorization.code
    ]
    assert [a.code for a in service.list_authorizations(ho, "expired", later)] == [code]


def test_ingest_consumes_a_code_once_and_keeps_the_status_token(ho: Engine) -> None:
    code = service.create_authorization(ho, request(), NOW, "t").authorization.code
    token = secrets.token_urlsafe(16)
    first = push(ho, "S001", committed("S001", "R-1", [(1, "SKU-1", 1)], code, token))
    assert first[0].status == "accepted", first
    second = push(ho, "S002", committed("S002", "R-2", [(1, "SKU-1", 1)], code))
    assert (second[0].reason or "").startswith("authorization_used"), second
    assert "store S001" in (second[0].reason or "")
    again = push(ho, "S001", committed("S001", "R-3", [(3, "SKU-3", 1)], token=token))
    assert (again[0].reason or "").startswith("duplicate_status_token"), again
    for malformed in ("short", token + "x", "bad token with spaces!"):
        with pytest.raises(ValidationError):  # refused with the batch's schema check
            push(ho, "S001", committed("S001", "R-4", [(3, "SKU-3", 1)], token=malformed))
    with Session(ho) as session:
        row = session.get(CentralReturn, "R-1")
        assert row is not None and (row.authorization_code, row.status_token) == (code, token)
        assert session.get(CentralReturn, "R-2") is None
    used = service.get_authorization(ho, code, NOW)
    assert used is not None and (used.used_by_store, used.used_return_ref) == ("S001", "R-1")


def test_ingest_after_a_claim_and_the_refusals(ho: Engine) -> None:
    code = service.create_authorization(ho, request(), NOW, "t").authorization.code
    service.claim_authorization(ho, "S001", code, "R-1", NOW)
    assert push(ho, "S001", committed("S001", "R-1", [(1, "SKU-1", 1)], code))[0].status == (
        "accepted"
    )
    late = service.create_authorization(ho, request(lines=((3, 1, "defective"),)), NOW, "t")
    later = NOW + timedelta(days=20)  # committed (and received) after the expiry
    expired = committed("S001", "R-4", [(3, "SKU-3", 1)], late.authorization.code, at=later)
    result = push(ho, "S001", expired, now=later)[0]
    assert (result.reason or "").startswith("authorization_expired"), result
    cases = {
        "unknown_authorization": committed("S001", "R-5", [(3, "SKU-3", 1)], "7K3QD9MZ2XF"),
        "authorization_mismatch": committed(
            "S001", "R-6", [(1, "SKU-1", 1)], late.authorization.code, number="O-LATE"
        ),
    }  # fmt: skip
    for reason, wire in cases.items():
        result = push(ho, "S001", wire)[0]
        assert (result.reason or "").startswith(reason), (reason, result)
    service.cancel_authorization(ho, late.authorization.code, NOW, "hq")
    result = push(ho, "S001", committed("S001", "R-7", [(3, "SKU-3", 1)], late.authorization.code))
    assert (result[0].reason or "").startswith("authorization_cancelled"), result


def test_goods_back_without_the_code_cancel_the_codes_that_no_longer_fit(ho: Engine) -> None:
    older = service.create_authorization(ho, request(), NOW, "t").authorization
    newer = service.create_authorization(ho, request(), NOW + timedelta(seconds=1), "t")
    assert push(ho, "S002", committed("S002", "R-PLAIN", [(1, "SKU-1", 1)]))[0].status == (
        "accepted"
    )
    kept = service.get_authorization(ho, older.code, NOW)
    gone = service.get_authorization(ho, newer.authorization.code, NOW)
    assert kept is not None and kept.status == "open"
    assert gone is not None and gone.status == "cancelled"
    with Session(ho) as session:
        row = session.execute(
            select(CentralAuthorization).where(CentralAuthorization.code == gone.code)
        ).scalar_one()
        assert row.cancelled_by == SUPERSEDED_BY
    page = service.pull_authorizations(ho, "S001", 0, 100, NOW)
    assert [a.code for a in page.items][-1] == gone.code  # the change is pulled again
