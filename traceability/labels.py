"""Display names of the domain's fixed values, translated (templates use the `label` filter)."""

from __future__ import annotations

import datetime as dt

from flask_babel import lazy_gettext as _l

LABELS = {
    # organisation kinds and states
    "enterprise": _l("Enterprise"),
    "cooperative": _l("Cooperative"),
    "household": _l("Household"),
    "farm": _l("Farm"),
    "pending": _l("Awaiting verification"),
    "verified": _l("Verified"),
    "rejected": _l("Rejected"),
    # roles
    "producer": _l("Producer"),
    "inspector": _l("Inspector"),
    "admin": _l("Administrator"),
    # site kinds
    "growing_area": _l("Growing area"),
    "barn": _l("Barn"),
    "processing": _l("Processing facility"),
    "packing": _l("Packing facility"),
    "warehouse": _l("Warehouse"),
    # batch states
    "draft": _l("Draft"),
    "published": _l("Published"),
    "suspended": _l("Suspended"),
    "recalled": _l("Recalled"),
    "expired": _l("Expired"),
    # shipments
    "sent": _l("Sent"),
    "accepted": _l("Accepted"),
    "refused": _l("Refused"),
    "cancelled": _l("Cancelled"),
    # events
    "planting": _l("Planting"),
    "fertilizing": _l("Fertilising"),
    "spraying": _l("Spraying"),
    "irrigating": _l("Irrigating"),
    "harvesting": _l("Harvesting"),
    "shipping": _l("Shipping"),
    "receiving": _l("Receiving"),
    "storing": _l("Storing"),
    "inspecting": _l("Inspecting"),
    "testing": _l("Testing"),
    # chemical purposes
    "insecticide": _l("Insecticide"),
    "fungicide": _l("Fungicide"),
    "herbicide": _l("Herbicide"),
    "fertilizer": _l("Fertiliser"),
    "growth_regulator": _l("Growth regulator"),
    "veterinary_drug": _l("Veterinary drug"),
    "other": _l("Other"),
    # lab results
    "pass": _l("Pass"),
    "fail": _l("Fail"),
    # codes
    "lot": _l("Lot code"),
    "serial": _l("Unit code"),
    # consumer reports
    "suspected_fake": _l("Suspected fake"),
    "quality": _l("Quality problem"),
    "labelling": _l("Labelling problem"),
    "new": _l("New"),
    "in_review": _l("In review"),
    "resolved": _l("Resolved"),
    "dismissed": _l("Dismissed"),
    # inspections
    "compliant": _l("Compliant"),
    "minor_issue": _l("Minor issue"),
    "violation": _l("Violation"),
    "none": _l("None"),
    "warning": _l("Warning"),
    "suspend": _l("Suspend"),
    "recall": _l("Recall"),
    # kinds of communes (the province's list)
    "commune": _l("Rural commune"),
    "ward": _l("Ward"),
    "special_zone": _l("Special zone"),
    # product categories of old records (the list's own names are shown where a product has an entry)
    "tea": _l("Tea"),
    "fruit": _l("Fruit"),
    "vegetable": _l("Vegetables"),
    "rice": _l("Rice"),
    "pork": _l("Pork"),
    "meat": _l("Meat"),
    "chicken": _l("Chicken"),
    "eggs": _l("Eggs"),
    "timber": _l("Timber"),
    "cinnamon": _l("Cinnamon"),
    "honey": _l("Honey"),
}


# Values two enums share but name differently: "processing" is a facility as a site kind, a step as an event
BY_KIND = {
    ("EventType", "processing"): _l("Processing"),
    ("EventType", "packing"): _l("Packing"),
    ("SubstanceStatus", "banned"): _l("Banned"),
    ("SubstanceStatus", "removed"): _l("Removed from the list"),
    ("SubstanceKind", "pesticide"): _l("Plant protection"),
    ("SubstanceKind", "livestock"): _l("Livestock"),
}

# The batch facts an amendment may change, as the amendment form and the pages name them
FACTS = {
    "quantity": _l("Quantity"),
    "unit": _l("Unit"),
    "planted_on": _l("Planting or start date"),
    "harvested_on": _l("Harvest date"),
    "produced_on": _l("Production or packing date"),
    "expires_on": _l("Expiry date"),
    "note": _l("Note"),
    "site_id": _l("Origin site"),
}


def label(value: object) -> str:
    """The translated display name of an enum member or value; the value itself if it has none."""
    key = getattr(value, "value", value)
    if key is None:
        return ""
    qualified = BY_KIND.get((type(value).__name__, key))
    return str(qualified or LABELS.get(key, key))


def fact_label(name: str) -> str:
    return str(FACTS.get(name, name))


def fact_value(name: str, text: str | None) -> str:
    """An amended value (kept as plain text: ISO dates, plain decimals) as the page's language writes it."""
    from flask_babel import format_date

    from traceability.i18n import number

    if text is None or text == "":
        return "—"
    if name == "quantity":
        return number(text)
    if name.endswith("_on"):
        try:
            return format_date(dt.date.fromisoformat(text), "short")
        except ValueError:
            return text
    return text
