"""An organisation's batches as a spreadsheet: one row per batch, its inputs on the same row."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session, aliased

from traceability.accounts.models import Organization, Role, User
from traceability.batches.models import Batch, BatchInput
from traceability.codes.models import Code, CodeKind
from traceability.errors import NotFound, invalid
from traceability.interop.identifiers import input_label
from traceability.registry.models import Product, Site

COLUMNS = (
    "lot_code",
    "product",
    "gtin",
    "quantity",
    "unit",
    "site",
    "area_code",
    "planted_on",
    "harvested_on",
    "produced_on",
    "expires_on",
    "status",
    "inputs",
    "code",
    "batch_id",
)


def export_organization(session: Session, user: User, organization_id: int | None) -> Organization:
    """The organisation whose batches the user may export: a producer its own; inspectors and admins any."""
    if user.role == Role.PRODUCER:
        if organization_id not in (None, user.organization_id):
            raise NotFound(_("Not found."))
        organization_id = user.organization_id
    elif organization_id is None:
        raise invalid("organization_id", _("Name the organisation whose batches to export."))
    org = session.get(Organization, organization_id)
    if org is None:
        raise NotFound(_("Not found."))
    return org


def batch_rows(session: Session, org: Organization) -> list[dict[str, Any]]:
    """Every batch of the organisation, oldest first, with its lot code (QR) and inputs."""
    query = (
        select(
            Batch.id.label("batch_id"),
            Batch.lot_code,
            Product.name.label("product"),
            Product.gtin,
            Batch.quantity,
            Batch.unit,
            Site.name.label("site"),
            Site.area_code,
            Batch.planted_on,
            Batch.harvested_on,
            Batch.produced_on,
            Batch.expires_on,
            Batch.status,
            Code.value.label("code"),
        )
        .join(Product, Product.id == Batch.product_id)
        .outerjoin(Site, Site.id == Batch.site_id)
        .outerjoin(Code, (Code.batch_id == Batch.id) & (Code.kind == CodeKind.LOT))
        .where(Batch.organization_id == org.id)
        .order_by(Batch.created_at, Batch.id)
    )
    rows = [dict(row._mapping) for row in session.execute(query)]
    source = aliased(Batch)
    inputs: dict[int, list[str]] = defaultdict(list)
    edges = (
        select(BatchInput.batch_id, source.lot_code, BatchInput.quantity, source.unit)
        .join(source, source.id == BatchInput.input_batch_id)
        .join(Batch, Batch.id == BatchInput.batch_id)
        .where(Batch.organization_id == org.id)
        .order_by(source.lot_code)
    )
    for edge in session.execute(edges):
        inputs[edge.batch_id].append(input_label(edge.lot_code, edge.quantity, edge.unit))
    for row in rows:
        row["status"] = row["status"].value
        row["inputs"] = "; ".join(inputs[row["batch_id"]])
    return rows
