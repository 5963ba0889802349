"""The actors of a lot's chain, from origin to this lot, for the consumer's page.

Each actor's facts are read from that actor's own records (an organisation's name, status and sites; a
supplier's record as the receiving organisation keeps it, marked as declared by it), never from what a buyer
typed about its supplier. A few queries whatever the depth: the walk upstream, then the lots, their deliveries
and their receipts.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from traceability.batches.genealogy import ancestors
from traceability.batches.models import Batch, BatchInput, BatchStatus
from traceability.shipments.models import Delivery, Shipment, ShipmentStatus

MAX_ACTORS = 30  # the page stays light however many households delivered: the rest are counted, not listed
MAX_ORIGINS = 12  # growing places listed for processed goods; the page says how many more
MAX_HOPS = 10  # traders passing a lot on unchanged, one after another


def _place(site: Any, org: Any) -> str:
    if site is not None:
        parts = [site.commune, site.province]
        text = ", ".join(p for p in parts if p)
        return f"{text} ({site.area_code})" if site.area_code else text
    return ", ".join(p for p in (org.commune, org.province) if p)


def chain_of(session: Session, batch: Batch) -> list[dict[str, Any]]:
    """[{name, verified, role, place, date, declared_by}], oldest first, ending with this lot's organisation.

    role: grower (a supplier without an account), producer (grew or made the lot from nothing recorded),
    collector (received it from growers), processor (made it from inputs), trader (received it and passed it on
    unchanged)."""
    depths = {batch.id: 0, **ancestors(session, batch.id)}
    lots = {
        b.id: b
        for b in session.scalars(
            select(Batch)
            .where(Batch.id.in_(depths), Batch.status != BatchStatus.DRAFT)
            .options(selectinload(Batch.organization), selectinload(Batch.site))
        )
    }
    with_inputs = set(session.scalars(select(BatchInput.batch_id).where(BatchInput.batch_id.in_(lots)).distinct()))
    deliveries = {
        d.batch_id: d
        for d in session.scalars(
            select(Delivery).where(Delivery.batch_id.in_(lots)).options(selectinload(Delivery.supplier))
        )
    }
    receipts = {
        s.received_batch_id: s
        for s in session.scalars(
            select(Shipment).where(Shipment.received_batch_id.in_(lots), Shipment.status == ShipmentStatus.ACCEPTED)
        )
    }
    steps: dict[tuple[str, int], tuple[int, dict[str, Any]]] = {}

    def add(key: tuple[str, int], depth: int, actor: dict[str, Any]) -> None:
        # an actor met on several lots keeps its most downstream step: its part in this product
        if key not in steps or depth < steps[key][0]:
            steps[key] = (depth, actor)

    for lot_id, lot in lots.items():
        org, depth = lot.organization, depths[lot_id]
        delivery, receipt = deliveries.get(lot_id), receipts.get(lot_id)
        if delivery is not None:
            supplier = delivery.supplier
            place = ", ".join(p for p in (supplier.commune, f"{delivery.area_code}") if p)
            add(
                ("supplier", supplier.id),
                depth + 1,
                {
                    "name": supplier.name,
                    "verified": False,
                    "role": "grower",
                    "place": place,
                    "date": lot.harvested_on,
                    "declared_by": org.name,
                },
            )
        if receipt is not None:
            role, day = "trader", receipt.received_on
        elif delivery is not None:
            role, day = "collector", delivery.received_on
        else:
            role = "processor" if lot_id in with_inputs else "producer"
            day = lot.produced_on or lot.harvested_on
        add(
            ("organization", org.id),
            depth,
            {
                "name": org.name,
                "verified": org.is_verified,
                "role": role,
                "place": _place(lot.site, org),
                "date": day,
                "declared_by": None,
            },
        )
    ordered = sorted(steps.values(), key=lambda s: (-s[0], s[1]["date"] or dt.date.min, s[1]["name"]))
    actors = [actor for _depth, actor in ordered]
    if len(actors) > MAX_ACTORS:  # keep the origin end and this lot's end; the middle is summarised
        actors = actors[: MAX_ACTORS - 5] + actors[-5:]
    return actors


def continued_lots(session: Session, batch: Batch, options: tuple = ()) -> list[Batch]:
    """The lots a received lot passes on unchanged, nearest first: the supplier's lot it was received from, and
    if that one was itself received, its own supplier's, and so on (published lots only). Empty for any other
    lot. `options` are loader options for each lot's records (one query a hop)."""
    path: list[Batch] = []
    current = batch
    for _hop in range(MAX_HOPS):
        source = session.scalar(
            select(Batch)
            .join(Shipment, Shipment.batch_id == Batch.id)
            .where(
                Shipment.received_batch_id == current.id,
                Shipment.status == ShipmentStatus.ACCEPTED,
                Batch.status != BatchStatus.DRAFT,
            )
            .options(selectinload(Batch.site), selectinload(Batch.organization), *options)
        )
        if source is None:
            break
        path.append(source)
        current = source
    return path


def grown_in(session: Session, batch: Batch) -> tuple[list[dict[str, Any]], int]:
    """Where the raw materials of a processed lot were grown, whoever grew them: the growing area of each lot at
    the start of its genealogy (a site of its organisation, or the planting area of a household's delivery, as
    the receiving organisation declared it): ([{name, grower, place, area_code, declared_by}], at most MAX_ORIGINS;
    how many more)."""
    depths = {batch.id: 0, **ancestors(session, batch.id)}  # a household's delivery is its own origin
    lots = {
        b.id: b
        for b in session.scalars(
            select(Batch)
            .where(Batch.id.in_(depths), Batch.status != BatchStatus.DRAFT)
            .options(selectinload(Batch.organization), selectinload(Batch.site))
        )
    }
    with_inputs = set(session.scalars(select(BatchInput.batch_id).where(BatchInput.batch_id.in_(lots)).distinct()))
    leaves = [lots[i] for i in lots if i not in with_inputs]
    deliveries = {
        d.batch_id: d
        for d in session.scalars(
            select(Delivery)
            .where(Delivery.batch_id.in_([b.id for b in leaves]))
            .options(selectinload(Delivery.supplier))
        )
    }
    found: dict[tuple, dict[str, Any]] = {}
    for lot in leaves:
        delivery = deliveries.get(lot.id)
        if delivery is not None:
            supplier = delivery.supplier
            found.setdefault(
                ("area", delivery.area_code, supplier.id),
                {
                    "name": supplier.name,
                    "grower": supplier.name,
                    "place": ", ".join(p for p in (supplier.commune, lot.organization.province) if p),
                    "area_code": delivery.area_code,
                    "declared_by": lot.organization.name,
                },
            )
        elif lot.site is not None:
            site = lot.site
            found.setdefault(
                ("site", site.id),
                {
                    "name": site.name,
                    "grower": lot.organization.name,
                    "place": ", ".join(p for p in (site.commune, site.province) if p),
                    "area_code": site.area_code,
                    "declared_by": None,
                },
            )
    origins = sorted(found.values(), key=lambda o: (o["area_code"] or "", o["name"]))
    return origins[:MAX_ORIGINS], max(0, len(origins) - MAX_ORIGINS)
