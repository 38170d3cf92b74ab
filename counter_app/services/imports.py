"""Loading orders and the catalog from a file: a store without head office loads its sales.

The file is JSON lines, one `Order` (or `CatalogItem`) of sync_protocol per line — exactly
what head office's pulls deliver — and it is written by the pull's own appliers
(services/sync_apply), so an imported order is the same rows a pulled one is.

A file is all-or-nothing: every line is checked first (each problem names the line and the
field), then everything is written in one transaction, or nothing is. Importing the same
order again changes nothing; an order whose sale differs from the one already here is
refused with what changed (a sale is never rewritten after the fact).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, TypeVar

from pydantic import BaseModel, ValidationError
from sqlalchemy import Connection, Engine, select

from counter_app.adapters.db import tables as t
from counter_app.services.errors import BadInput
from counter_app.services.import_checks import order_changes, order_problems
from counter_app.services.sync_apply import apply_catalog_item, apply_order
from counter_app.services.unit_of_work import UnitOfWork
from counter_app.sync_protocol import CatalogItem, Order

MAX_FILE_BYTES = 32 * 1024 * 1024  # a year of a busy store's sales fits several times over
MAX_LINE_BYTES = 512 * 1024  # an order of 1000 lines (the protocol's limit) fits
MAX_PROBLEMS = 20  # more than this and the file is the wrong file; say so, not every line

Kind = Literal["orders", "catalog"]
M = TypeVar("M", bound=BaseModel)


class ImportRefused(BadInput):
    """The file was not imported (nothing was written); `problems` has one line each."""

    def __init__(self, problems: list[str]) -> None:
        shown = problems[:MAX_PROBLEMS]
        if len(problems) > MAX_PROBLEMS:
            shown.append(f"… and {len(problems) - MAX_PROBLEMS} more problems")
        super().__init__("\n".join(shown))
        self.problems = shown


@dataclass(frozen=True)
class ImportReport:
    kind: Kind
    file: str
    added: int
    updated: int
    unchanged: int

    def summary(self) -> str:
        noun = "orders" if self.kind == "orders" else "catalog items"
        parts = [f"{self.added} {noun} added"]
        if self.kind == "catalog":
            parts.append(f"{self.updated} updated")
        parts.append(f"{self.unchanged} already here")
        return f"{self.file}: " + ", ".join(parts)


# ------------------------------------------------------------------ reading and checking


def _field(loc: tuple[int | str, ...]) -> str:
    return ".".join(str(part) for part in loc)


def _reason(error: Any) -> str:
    """Pydantic's message in the words of the rest of the app."""
    kind, ctx = error["type"], error.get("ctx") or {}
    words: dict[str, Callable[[], str]] = {
        "missing": lambda: "is required",
        "extra_forbidden": lambda: "is not a field of this format",
        "greater_than_equal": lambda: f"must be at least {ctx.get('ge')}",
        "less_than_equal": lambda: f"must be at most {ctx.get('le')}",
        "string_too_long": lambda: f"is too long (at most {ctx.get('max_length')} characters)",
        "string_too_short": lambda: f"must have at least {ctx.get('min_length')} characters",
        "too_short": lambda: f"must have at least {ctx.get('min_length')} items",
        "too_long": lambda: f"must have at most {ctx.get('max_length')} items",
        "int_type": lambda: "must be a whole number",
        "int_from_float": lambda: "must be a whole number",
        "bool_type": lambda: "must be true or false",
        "string_type": lambda: "must be text in quotes",
        "list_type": lambda: "must be a list",
        "literal_error": lambda: f"must be one of {ctx.get('expected')}",
        "string_pattern_mismatch": lambda: "has characters or a shape that is not allowed",
        "timezone_aware": lambda: "must be a time with its zone, e.g. 2026-11-01T18:30:00+01:00",
    }
    if kind in words:
        return words[kind]()
    message = str(error.get("msg", "is not valid"))
    return message.removeprefix("Value error, ").removeprefix("Assertion failed, ")


def _problem(name: str, number: int, field: str, reason: str) -> str:
    where = f"{name}, line {number}"
    return f"{where}, field '{field}': {reason}" if field else f"{where}: {reason}"


def _lines(path: Path) -> Iterator[tuple[int, bytes]]:
    """(line number, bytes) of every non-blank line; ImportRefused for an oversized file."""
    name = path.name
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise ImportRefused([f"{name}: cannot be read ({exc.strerror or exc})"]) from None
    if size > MAX_FILE_BYTES:
        raise ImportRefused([f"{name}: larger than {MAX_FILE_BYTES // (1024 * 1024)} MB"])
    with path.open("rb") as handle:
        for number, raw in enumerate(iter(lambda: handle.readline(MAX_LINE_BYTES + 1), b""), 1):
            if len(raw.rstrip(b"\r\n")) > MAX_LINE_BYTES:
                raise ImportRefused(
                    [f"{name}, line {number}: longer than {MAX_LINE_BYTES // 1024} KB"]
                )
            if raw.strip():
                yield number, raw


def read_file(path: Path, model: type[M]) -> list[tuple[int, M]]:
    """Every line of `path` as a `model`, or ImportRefused listing every bad line."""
    items: list[tuple[int, M]] = []
    problems: list[str] = []
    for number, raw in _lines(path):
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            problems.append(_problem(path.name, number, "", "is not UTF-8 text"))
            continue
        try:
            items.append((number, model.model_validate_json(text)))
        except ValidationError as exc:
            for error in exc.errors():
                whole = error["type"] == "model_type" and not error["loc"]
                if whole or error["type"] in ("json_invalid", "json_type"):
                    reason = "is not a JSON object (one per line)"
                    problems.append(_problem(path.name, number, "", reason))
                    break
                problems.append(_problem(path.name, number, _field(error["loc"]), _reason(error)))
    if problems:
        raise ImportRefused(problems)
    if not items:
        raise ImportRefused([f"{path.name}: has no lines to import"])
    return items


# ------------------------------------------------------------------ writing


def import_orders(engine: Engine, path: Path) -> ImportReport:
    """Import an orders file (JSON lines of `Order`); all of it, or nothing."""
    items = read_file(path, Order)
    added = unchanged = 0
    with UnitOfWork(engine, write=True) as uow:
        problems: list[str] = []
        seen: dict[str, dict[str, Any]] = {}
        for number, order in items:
            item = order.model_dump(mode="json")
            for field, reason in order_problems(uow.conn, item):
                problems.append(_problem(path.name, number, field, reason))
            if problems:
                continue  # the checks below read rows an earlier bad line would have written
            changes = order_changes(uow.conn, item, seen.get(order.number))
            if changes is None:
                apply_order(uow.conn, item)
                seen[order.number] = item
                added += 1
            elif changes:
                problems.append(
                    _problem(
                        path.name,
                        number,
                        "",
                        f"order {order.number} is already here with a different sale "
                        f"({'; '.join(changes)}); a sale is not changed by an import",
                    )
                )
            else:
                unchanged += 1
        if problems:
            raise ImportRefused(problems)  # the unit of work rolls back: nothing was written
        uow.commit()
    return ImportReport("orders", path.name, added, 0, unchanged)


def _catalog_row(conn: Connection, sku: str) -> dict[str, Any] | None:
    row = conn.execute(select(t.products).where(t.products.c.sku == sku)).mappings().first()
    if row is None:
        return None
    codes = conn.execute(
        select(t.product_barcodes.c.barcode).where(t.product_barcodes.c.sku == sku)
    ).scalars()
    return {
        "name": row["name"],
        "category": row["category"],
        "serialised": bool(row["serialised"]),
        "price_minor": int(row["price_minor"]),
        "currency": row["currency"],
        "vendor": row["vendor"] or "",
        "style": row["style"],
        "size": row["size"],
        "colour": row["colour"],
        "barcodes": set(codes),
    }


# The catalog columns compared to tell "unchanged" from "updated".
COMPARED_FIELDS = (
    "name", "category", "serialised", "price_minor", "currency", "vendor", "style", "size",
    "colour",
)  # fmt: skip


def import_catalog(engine: Engine, path: Path) -> ImportReport:
    """Import a catalog file (JSON lines of `CatalogItem`): new items added, known updated."""
    items = read_file(path, CatalogItem)
    added = updated = unchanged = 0
    with UnitOfWork(engine, write=True) as uow:
        for _number, product in items:
            item = product.model_dump(mode="json")
            before = _catalog_row(uow.conn, product.sku)
            wanted = {k: v for k, v in item.items() if k in COMPARED_FIELDS}
            wanted["vendor"] = wanted.get("vendor") or ""
            wanted |= {k: wanted.get(k) or None for k in ("style", "size", "colour")}
            if before is not None:
                has_codes = set(product.barcodes) <= before.pop("barcodes")
                if has_codes and before == wanted:
                    unchanged += 1
                    continue
            apply_catalog_item(uow.conn, item)
            added, updated = (added + 1, updated) if before is None else (added, updated + 1)
        uow.commit()
    return ImportReport("catalog", path.name, added, updated, unchanged)
