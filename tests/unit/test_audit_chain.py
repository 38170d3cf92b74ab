"""The audit hash chain detects edits, deletions, reordering and truncation."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

from counter_app.domain.audit import AuditRecord, next_record, verify_chain
from counter_app.domain.cards import contains_card_number, last4, redact_card_numbers


def chain(n: int) -> list[AuditRecord]:
    records: list[AuditRecord] = []
    at = datetime(2026, 11, 1, tzinfo=UTC)
    for i in range(n):
        prev = (records[-1].seq, records[-1].hash) if records else None
        records.append(
            next_record(
                prev,
                at + timedelta(minutes=i),
                "alice",
                "return.committed",
                f"R-{i}",
                {"total": i * 100},
            )
        )
    return records


def head(records: list[AuditRecord]) -> tuple[int, str]:
    return records[-1].seq, records[-1].hash


def test_intact_chain_verifies() -> None:
    records = chain(5)
    assert verify_chain(records, head(records)) == []


def test_edit_is_detected() -> None:
    records = chain(5)
    records[2] = replace(records[2], data_json='{"total":1}')
    assert any("changed" in p for p in verify_chain(records, head(chain(5))))


def test_deletion_reorder_and_truncation_are_detected() -> None:
    records = chain(5)
    h = head(records)
    assert verify_chain(records[:2] + records[3:], h)
    assert verify_chain([records[0], records[2], records[1], *records[3:]], h)
    assert any("removed from the end" in p for p in verify_chain(records[:4], h))
    assert verify_chain(records, None)  # head record deleted


def test_card_numbers_are_found_and_redacted() -> None:
    assert contains_card_number("paid with 4111 1111 1111 1111 yesterday")
    assert contains_card_number("4111-1111-1111-1111")
    assert not contains_card_number("order O-0000123, phone 5550001234")
    assert redact_card_numbers("x 4111111111111111 y") == "x [card number removed] y"
    assert last4("4111111111111111") == "1111"
    # A message id whose digit groups happen to pass Luhn is not a card number.
    uuid_like = "a1b2c3d4-4227-9367-0001-93f0e1d2c3b4"  # 4227936700019 passes Luhn
    assert not contains_card_number(f'{{"id": "{uuid_like}"}}')
    assert contains_card_number(f"{uuid_like} 4111 1111 1111 1111")
    sha = "ab" + "4227936700019" + "c" * 49  # a SHA-256 with a Luhn-valid digit run
    assert not contains_card_number(f'{{"hash": "{sha}"}}')
