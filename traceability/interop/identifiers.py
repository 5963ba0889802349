"""URIs and units shared by the EPCIS export and the trace: how the outside world names our lots, sites, parties.

Lots whose product has a GTIN get the canonical GS1 Digital Link class-level URI (CBV 2.0 asks for the
id.gs1.org form in EPCIS); other lots get the registry's own URI, the lot code's public page where the lot
has been published.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from urllib.parse import quote
from zoneinfo import ZoneInfo

from traceability.accounts.models import Organization
from traceability.batches.models import Batch
from traceability.registry.models import Site

LOCAL_TZ = ZoneInfo("Asia/Ho_Chi_Minh")
GS1_RESOLVER = "https://id.gs1.org"

# UN/ECE Recommendation 20 codes for the units producers write (lower-cased, Vietnamese and English)
_REC20 = {
    "kg": "KGM",
    "kilogram": "KGM",
    "g": "GRM",
    "gram": "GRM",
    "t": "TNE",
    "tấn": "TNE",
    "tonne": "TNE",
    "ton": "TNE",
    "tạ": None,  # 100 kg: no Rec 20 code; converted below
    "l": "LTR",
    "lít": "LTR",
    "litre": "LTR",
    "liter": "LTR",
    "ml": "MLT",
    "cái": "H87",
    "quả": "H87",
    "con": "H87",
    "piece": "H87",
    "pcs": "H87",
}
_SCALED = {"tạ": (Decimal(100), "KGM")}


def rec20_quantity(quantity: Decimal, unit: str | None) -> tuple[Decimal, str | None]:
    """The quantity and its UN/ECE Rec 20 code; units without a code keep their number and no uom."""
    key = (unit or "").strip().lower()
    if key in _SCALED:
        factor, code = _SCALED[key]
        return quantity * factor, code
    return quantity, _REC20.get(key)


def plain_number(value: Decimal) -> int | float:
    """A quantity as a JSON or spreadsheet number: whole ones as integers, others as decimals."""
    return int(value) if value == value.to_integral_value() else float(value)


def lot_uri(batch: Batch, base_url: str, code_value: str | None) -> str:
    """The class-level identifier of a lot (product + lot number)."""
    gtin = batch.product.gtin if batch.product is not None else None
    if gtin:
        return f"{GS1_RESOLVER}/01/{gtin}/10/{quote(batch.lot_code, safe='')}"
    if code_value:
        return f"{base_url}/c/{code_value}"
    return f"{base_url}/id/batches/{batch.id}"


def site_uri(site: Site, base_url: str) -> str:
    return f"{base_url}/id/sites/{site.id}"


def party_uri(org: Organization, base_url: str) -> str:
    return f"{base_url}/id/organizations/{quote(org.tax_code, safe='')}"


def partner_uri(partner: str, base_url: str) -> str:
    """A trading partner written as free text: kept as is when it already is a URI."""
    text = partner.strip()
    if text.startswith(("http://", "https://", "urn:")) and " " not in text:
        return text
    return f"{base_url}/id/partners/{quote(text, safe='')}"


def local_iso(moment: dt.datetime) -> str:
    """A timestamp in Việt Nam time with its offset, to the millisecond (EPCIS eventTime)."""
    return moment.astimezone(LOCAL_TZ).isoformat(timespec="milliseconds")


def start_of_day(day: dt.date) -> dt.datetime:
    """Midnight in Việt Nam of a recorded date, for facts the registry keeps as dates only."""
    return dt.datetime.combine(day, dt.time(), tzinfo=LOCAL_TZ)


def input_label(lot_code: str, quantity: Decimal, unit: str) -> str:
    """How an input lot is written in a spreadsheet cell: `LOT-1 (50 kg)`."""
    return f"{lot_code} ({quantity.normalize():f} {unit})"
