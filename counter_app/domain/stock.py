"""Where returned stock goes: a line's disposition by its reason and condition, and one table
from a disposition to its stock place.

A unit's disposition is its condition's own (the policy's `[conditions]`) unless the
customer's reason says more: `DEFAULT_REASON_DISPOSITIONS` are the reason × condition cells
that override it, and a policy's `[dispositions.<reason>]` tables override those cell by
cell (`Policy.disposition`). The places are the ``stock_movements.location`` CHECK values;
open-box units are kept under their own ``-OB`` SKU priced at `OPEN_BOX_PRICE_PERCENT` of the
original.
"""

from __future__ import annotations

from collections.abc import Mapping
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


# A unit returned because it does not work goes back to the vendor whatever its grade (an
# unopened box may still hold a dead unit), unless the customer damaged it (scrap, the
# condition's own). One damaged in transit is never sold as new, even if it looks it.
DEFAULT_REASON_DISPOSITIONS: Mapping[str, Mapping[str, str]] = MappingProxyType(
    {
        "defective": MappingProxyType(
            dict.fromkeys(("new", "like_new", "opened", "used"), "return_to_vendor")
        ),
        "damaged_in_transit": MappingProxyType(
            dict.fromkeys(("new", "like_new"), "restock_open_box")
        ),
    }
)
# No policy may restock as new a unit returned for one of these reasons or graded so.
NEVER_AS_NEW_REASONS = frozenset({"defective", "damaged_in_transit"})
NEVER_AS_NEW_CONDITIONS = frozenset({"defective", "damaged"})
