"""Typed, line-aware access to a parsed policy TOML document (used by policy_loader).

tomllib does not report where keys are, so `_KeyLines` scans the text for table headers and
`key =` lines; `_Reader` converts values and raises PolicyError naming the key and its line.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any, TypeVar

from counter_app.domain.money import Money, parse_money
from counter_app.domain.policy_model import (
    KNOWN_CONDITIONS,
    PolicyError,
)

Path_ = tuple[str | int, ...]
T = TypeVar("T")

_HEADER = re.compile(r"^\s*(\[\[?)\s*([^\]]+?)\s*\]\]?\s*(#.*)?$")
_KEY = re.compile(
    r"""^\s*((?:[A-Za-z0-9_\-]+|"[^"]*"|'[^']*')(?:\s*\.\s*(?:[A-Za-z0-9_\-]+|"[^"]*"|'[^']*'))*)\s*="""
)
_TOML_LINE = re.compile(r"line (\d+)")


def _split_dotted(text: str) -> list[str]:
    parts = re.findall(r"""[A-Za-z0-9_\-]+|"[^"]*"|'[^']*'""", text)
    return [p[1:-1] if p[:1] in "\"'" else p for p in parts]


def _bracket_balance(value: str) -> int:
    """Opened minus closed brackets in a line of TOML, ignoring strings and comments."""
    value = re.sub(r'"(?:[^"\\]|\\.)*"|\'[^\']*\'', "", value).split("#", 1)[0]
    return value.count("[") + value.count("{") - value.count("]") - value.count("}")


class _KeyLines:
    """Maps key paths to the line they are written on (1-based), by scanning the text."""

    def __init__(self, text: str) -> None:
        self._lines: dict[Path_, int] = {}
        table: Path_ = ()
        array_counts: dict[Path_, int] = {}
        depth = 0  # open brackets of a value spanning several lines: not headers, not keys
        for number, raw in enumerate(text.splitlines(), start=1):
            line = raw.strip()
            if depth > 0:
                depth = max(depth + _bracket_balance(line), 0)
                continue
            if not line or line.startswith("#"):
                continue
            header = _HEADER.match(line)
            if header and not _KEY.match(line):
                parts: Path_ = tuple(_split_dotted(header.group(2)))
                if header.group(1) == "[[":
                    index = array_counts.get(parts, 0)
                    array_counts[parts] = index + 1
                    parts = (*parts, index)
                table = parts
                self._lines.setdefault(table, number)
                continue
            key = _KEY.match(raw)
            if key:
                self._lines.setdefault((*table, *_split_dotted(key.group(1))), number)
                depth = max(_bracket_balance(raw[key.end() :]), 0)

    def line_of(self, path: Path_) -> int | None:
        """Line of `path`, or of the closest enclosing key or table that was found."""
        for end in range(len(path), 0, -1):
            if path[:end] in self._lines:
                return self._lines[path[:end]]
        return None


def _key_text(path: Path_) -> str:
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + part
    return out


class _Reader:
    """Typed access to the parsed document that raises PolicyError with key and line."""

    def __init__(self, source: str, lines: _KeyLines, currency: str = "USD") -> None:
        self.source = source
        self.lines = lines
        self.currency = currency

    def error(self, path: Path_, problem: str) -> PolicyError:
        return PolicyError(self.source, _key_text(path), self.lines.line_of(path), problem)

    def table(
        self, doc: Mapping[str, Any], path: Path_, allowed: frozenset[str] | None
    ) -> dict[str, Any]:
        value: Any = doc
        for part in path:
            value = value[part]
        if not isinstance(value, dict):
            raise self.error(path, "must be a table")
        if allowed is not None:
            for key in value:
                if key not in allowed:
                    raise self.error(
                        (*path, key), f"unknown key (expected one of: {', '.join(sorted(allowed))})"
                    )
        return value

    def get(
        self,
        table: Mapping[str, Any],
        path: Path_,
        key: str,
        kind: Callable[[Any, Path_], T],
        default: T | None = None,
    ) -> T:
        if key not in table:
            if default is None:
                raise self.error(path, f"missing key '{key}'")
            return default
        return kind(table[key], (*path, key))

    # -- converters: each takes the raw value and its path ----------------------------
    def string(self, value: Any, path: Path_) -> str:
        if not isinstance(value, str):
            raise self.error(path, f"must be a string, not {_type_name(value)}")
        return value

    def boolean(self, value: Any, path: Path_) -> bool:
        if not isinstance(value, bool):
            raise self.error(path, f"must be true or false, not {_type_name(value)}")
        return value

    def days(self, value: Any, path: Path_) -> int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise self.error(path, f"must be a whole number of days, not {_type_name(value)}")
        if value < 0:
            raise self.error(path, "must not be negative")
        if value > 3660:
            raise self.error(path, "must be at most 3660 days")
        return value

    def count(self, value: Any, path: Path_) -> int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise self.error(path, f"must be a whole number, not {_type_name(value)}")
        if value < 0:
            raise self.error(path, "must not be negative")
        return value

    def percent(self, value: Any, path: Path_) -> Decimal:
        if isinstance(value, bool) or not isinstance(value, int | float | str):
            raise self.error(path, f"must be a number from 0 to 100, not {_type_name(value)}")
        try:
            number = Decimal(str(value))
        except InvalidOperation:
            raise self.error(path, f"must be a number from 0 to 100, not {value!r}") from None
        if not number.is_finite() or number < 0 or number > 100:
            raise self.error(path, f"must be a percentage from 0 to 100, not {value}")
        return number

    def money(self, value: Any, path: Path_) -> Money:
        if not isinstance(value, str):
            raise self.error(
                path,
                f'must be an amount written as a string, e.g. "10.00", not {_type_name(value)}',
            )
        try:
            amount = parse_money(value, self.currency)
        except ValueError:
            raise self.error(path, f"not an amount with at most two decimals: {value!r}") from None
        if amount.is_negative():
            raise self.error(path, "must not be negative")
        return amount

    def local_date(self, value: Any, path: Path_) -> date:
        if isinstance(value, datetime) or not isinstance(value, date):
            raise self.error(
                path, f"must be a date like 2026-12-24, not {_type_name(value)} {value!r}"
            )
        return value

    def string_list(self, value: Any, path: Path_) -> tuple[str, ...]:
        if not isinstance(value, list):
            raise self.error(path, f"must be a list of strings, not {_type_name(value)}")
        for item in value:
            if not isinstance(item, str):
                raise self.error(
                    path, f"must be a list of strings; found {_type_name(item)} {item!r}"
                )
        return tuple(value)

    def conditions(self, value: Any, path: Path_) -> frozenset[str]:
        items = self.string_list(value, path)
        for item in items:
            if item not in KNOWN_CONDITIONS:
                raise self.error(
                    path, f"unknown condition {item!r} (known: {', '.join(KNOWN_CONDITIONS)})"
                )
        return frozenset(items)


def _type_name(value: Any) -> str:
    return {
        bool: "a boolean",
        int: "an integer",
        float: "a decimal number",
        str: "a string",
        list: "a list",
        dict: "a table",
    }.get(type(value), type(value).__name__)
