"""The batch pages' forms: field specs for the generic form template, and reading the form back."""

from __future__ import annotations

import re
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from traceability import db
from traceability.accounts.models import User
from traceability.batches.models import Batch, ChemicalPurpose, EventType, LabResult
from traceability.batches.schemas import AMENDABLE
from traceability.forms import as_values, choices, spec
from traceability.labels import FACTS, label
from traceability.registry.models import Product, Site

INPUT_ROWS = 3  # empty input rows on a new batch's form; an existing batch shows all of its inputs and one more
BATCH_NAMES = [
    "product_id",
    "site_id",
    "lot_code",
    "quantity",
    "unit",
    "planted_on",
    "harvested_on",
    "produced_on",
    "expires_on",
    "note",
]


def event_label(value: EventType) -> str:
    return label(value)  # "processing" and "packing" read as steps here, as facilities on sites


def _own(model: type, user: User) -> list:
    return db.session.scalars(
        select(model).where(model.organization_id == user.organization_id).order_by(model.name)
    ).all()


def _sites(user: User) -> list[tuple[int, str]]:
    return [(s.id, s.name) for s in _own(Site, user)]


def batch_fields(user: User, batch: Batch | None) -> list[dict]:
    return [
        spec(
            "product_id", _l("Product"), "select", options=[(p.id, p.name) for p in _own(Product, user)], required=True
        ),
        spec("site_id", _l("Origin site"), "select", options=_sites(user), blank="—", publish=True),
        spec("lot_code", _l("Lot code"), hint=_l("Leave empty to have one suggested; unique in your organisation.")),
        spec("quantity", _l("Quantity"), required=True, attrs='inputmode="decimal"'),
        spec("unit", _l("Unit"), hint=_l("Empty: the product's unit.")),
        spec("planted_on", _l("Planting or start date"), "date"),
        spec("harvested_on", _l("Harvest date"), "date", publish=True, hint=_l("This or the production date.")),
        spec("produced_on", _l("Production or packing date"), "date", publish=True),
        spec("expires_on", _l("Expiry date"), "date", hint=_l("Empty: worked out from the product's shelf life.")),
        spec("note", _l("Note"), "textarea"),
    ]


def batch_values(batch: Batch, copy: bool = False) -> dict[str, Any]:
    """A batch's values for the form; a copy keeps what repeats (product, site, quantity) and drops the rest."""
    if copy:
        return as_values(batch, ["product_id", "site_id", "quantity", "unit"])
    values = as_values(batch, BATCH_NAMES)
    for n, edge in enumerate(batch.inputs, start=1):
        values[f"input_{n}_batch"] = edge.input_batch_id
        values[f"input_{n}_quantity"] = edge.quantity
    return values


def input_rows(batch: Batch | None) -> int:
    return max(INPUT_ROWS, len(batch.inputs) + 1) if batch else INPUT_ROWS


def parse_batch_form(values: dict[str, Any]) -> dict[str, Any]:
    """The form's input rows as the `inputs` list the schema takes."""
    data = {k: v for k, v in values.items() if not k.startswith("input_")}
    inputs = []
    rows = sorted({int(m.group(1)) for k in values if (m := re.match(r"input_(\d+)_(?:batch|quantity)$", k))})
    for n in rows:
        batch_id = (values.get(f"input_{n}_batch") or "").strip()
        quantity = (values.get(f"input_{n}_quantity") or "").strip()
        if batch_id or quantity:
            inputs.append({"batch_id": batch_id or None, "quantity": quantity or None})
    data["inputs"] = inputs
    return data


def amended_value_field(name: str, sites: list[tuple[int, str]]) -> dict:
    """The input an amended fact takes: a select of the organisation's sites, a date picker, a number, text."""
    label = _FIELD_LABELS[name]  # prefilled with the current value, to be changed
    if name == "site_id":
        return spec("value", label, "select", options=sites, required=True)
    if name.endswith("_on"):
        return spec("value", label, "date", hint=_l("Empty to remove the date."))
    if name == "quantity":
        return spec("value", label, required=True, attrs='inputmode="decimal"')
    if name == "note":
        return spec("value", label, "textarea")
    return spec("value", label, required=True)


def amendment_values(batch: Batch, name: str) -> dict[str, Any]:
    """The amendment form's starting values: the fact's current value, as its input takes it."""
    current = as_values(batch, [name])[name]
    return {"field": name, "value": current.isoformat() if hasattr(current, "isoformat") else current}


def record_fields(user: User, batch: Batch, amend: str | None = None) -> dict[str, list[dict]]:
    sites = _sites(user)
    return {
        "event": [
            spec(
                "type",
                _l("What happened"),
                "select",
                options=[(t.value, event_label(t)) for t in EventType if t != EventType.SPRAYING],
                required=True,
                hint=_l("A spraying is recorded under Chemical applications."),
            ),
            spec("occurred_at", _l("When"), "datetime-local", required=True),
            spec("site_id", _l("Where"), "select", options=sites, blank="—"),
            spec("note", _l("Note"), "textarea"),
        ],
        "chemical": [
            spec("applied_on", _l("Date applied"), "date", required=True),
            spec("trade_name", _l("Trade name"), required=True),
            spec(
                "active_ingredient",
                _l("Active ingredient(s)"),
                required=True,
                hint=_l("As on the label, e.g. Thiamethoxam 25%"),
            ),
            spec("registration_no", _l("Registration number")),
            spec("purpose", _l("Purpose"), "select", options=choices(ChemicalPurpose), required=True),
            spec("dose", _l("Dose"), attrs='inputmode="decimal"'),
            spec("dose_unit", _l("Dose unit")),
            spec("area_treated", _l("Area treated (ha)"), attrs='inputmode="decimal"'),
            spec(
                "phi_days",
                _l("Pre-harvest interval (days)"),
                attrs='inputmode="numeric"',
                hint=_l("Printed on the label"),
            ),
        ],
        "lab_test": [
            spec("laboratory", _l("Laboratory"), required=True),
            spec("certificate_no", _l("Certificate number")),
            spec("sampled_on", _l("Sampled on"), "date", required=True),
            spec("reported_on", _l("Reported on"), "date"),
            spec("analyte", _l("What was tested"), required=True),
            spec("result", _l("Result"), "select", options=choices(LabResult), required=True),
            spec("value", _l("Value")),
            spec("unit", _l("Unit")),
            spec("limit", _l("Limit")),
            spec(
                "document",
                _l("Report (PDF, JPEG, PNG or WebP)"),
                "file",
                attrs='accept="application/pdf,image/jpeg,image/png,image/webp"',
            ),
        ],
        # chosen first (amendable_facts), then the form takes the fact's own input
        "amendment": [
            spec("field", "", "hidden"),
            amended_value_field(amend, sites),
            spec("reason", _l("Reason"), "textarea", required=True),
        ]
        if amend in AMENDABLE
        else [],
    }


def amendable_facts() -> list[tuple[str, Any]]:
    return [(f, _FIELD_LABELS[f]) for f in AMENDABLE]


_FIELD_LABELS = FACTS
