"""Where returned stock goes: one table from a line's disposition to its stock place.

The places are the ``stock_movements.location`` CHECK values; open-box units are kept under
their own ``-OB`` SKU priced at `OPEN_BOX_PRICE_PERCENT` of the original.
"""

from __future__ import annotations

from types import MappingProxyType

LOCATION_BY_DISPOSITION = MappingProxyType(
    {
        "restock_new": "sellable",
        "restock_open_box": "open_box",
        "return_to_vendor": "vendor",
        "scrap": "scrap",
    }
)
LOCATIONS: tuple[str, ...] = tuple(LOCATION_BY_DISPOSITION.values())
# Dispositions whose units go back on a shelf to be sold again.
SELLABLE_DISPOSITIONS = frozenset(
    d for d, place in LOCATION_BY_DISPOSITION.items() if place in ("sellable", "open_box")
)
OPEN_BOX_PRICE_PERCENT = 80


def location_for(disposition: str) -> str:
    """The stock place of a disposition (KeyError for one the policy does not know)."""
    return LOCATION_BY_DISPOSITION[disposition]
