"""The part of a lot's mass balance that shipments hold (batches' own compliance rules read it too)."""

from __future__ import annotations

from collections.abc import Collection
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from traceability.shipments.models import Shipment, ShipmentStatus


def pending_shipped(session: Session, batch_ids: Collection[int]) -> dict[int, Decimal]:
    """{lot: quantity sent to buyers and not yet accepted or refused}: reserved, though not yet an edge.
    (An accepted shipment is a genealogy edge, counted with the other uses of the lot.)"""
    if not batch_ids:
        return {}
    rows = session.execute(
        select(Shipment.batch_id, func.sum(Shipment.quantity))
        .where(Shipment.batch_id.in_(batch_ids), Shipment.status == ShipmentStatus.SENT)
        .group_by(Shipment.batch_id)
    )
    return {batch_id: Decimal(total or 0) for batch_id, total in rows}
