"""Display names of the domain's fixed values, translated (templates use the `label` filter)."""

from __future__ import annotations

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
}


def label(value: object) -> str:
    """The translated display name of an enum member or value; the value itself if it has none."""
    key = getattr(value, "value", value)
    return str(LABELS.get(key, key)) if key is not None else ""
