"""The trace report: one row per critical tracking event (CTE) of every batch in a lot's tree, with its key
data elements (KDEs): lot code, product, quantity and unit, location, date, previous source or next recipient,
reference document.

A batch whose harvest or transformation was not recorded as an event still gets that row from the batch
record itself, so no lot of the tree is missing. A handful of queries whatever the size of the tree: the
recursive walk, then the batches, their events and their inputs, each in one round trip (chunked for huge trees).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator
from decimal import Decimal
from typing import Any, NamedTuple

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session

from traceability.accounts.models import Organization, Role, User
from traceability.batches.genealogy import ancestors, descendants
from traceability.batches.models import Batch, BatchInput, Event, EventType
from traceability.errors import invalid
from traceability.interop import identifiers as ids
from traceability.registry.models import Product, Site
from traceability.shipments.services import visible_to_producer
from traceability.tenancy import get_visible

DIRECTIONS = ("back", "forward", "both")
FORMATS = ("json", "csv", "xlsx")
COLUMNS = (
    "depth",
    "event",
    "occurred_at",
    "lot_code",
    "product",
    "gtin",
    "quantity",
    "unit",
    "location",
    "location_code",
    "source_or_recipient",
    "reference_document",
    "organization",
    "batch_id",
)
# the events a trace is made of; field operations and tests are in the EPCIS export, not the trace
CTE_TYPES = (
    EventType.HARVESTING,
    EventType.PROCESSING,
    EventType.PACKING,
    EventType.STORING,
    EventType.SHIPPING,
    EventType.RECEIVING,
)
_CHUNK = 5000


def tree_depths(session: Session, batch_id: int, direction: str) -> dict[int, int]:
    """{batch_id: signed depth} of the tree: negative upstream (inputs), 0 the batch, positive downstream."""
    depths = {batch_id: 0}
    if direction in ("back", "both"):
        depths.update({b: -d for b, d in ancestors(session, batch_id).items()})
    if direction in ("forward", "both"):
        for b, d in descendants(session, batch_id).items():
            depths.setdefault(b, d)
    return depths


def batch_trace(
    session: Session, user: User, batch_id: int, direction: str = "both", sort: str | None = None
) -> list[dict[str, Any]]:
    """The trace of a batch the user may see. A producer's trace shows its own organisation's lots, its
    suppliers' published lots upstream, and one step forward: its buyers' published lots made from its own."""
    if direction not in DIRECTIONS:
        raise invalid("direction", _("Choose one of: %(choices)s.", choices=", ".join(DIRECTIONS)))
    get_visible(session, Batch, batch_id, user)
    depths = tree_depths(session, batch_id, direction)
    only = visible_to_producer(session, user.organization_id, depths) if user.role == Role.PRODUCER else None
    rows = list(trace_rows(session, depths, only))
    return sort_rows(rows, sort)


def sort_rows(rows: list[dict[str, Any]], sort: str | None) -> list[dict[str, Any]]:
    """Sorted by a column (`-column` for descending); by default upstream first, then by time."""
    if not sort:
        return sorted(rows, key=lambda r: (r["depth"], r["occurred_at"], r["lot_code"]))
    column = sort.lstrip("-")
    if column not in COLUMNS:
        raise invalid("sort", _("Sort by one of: %(choices)s.", choices=", ".join(COLUMNS)))
    present = [r for r in rows if r[column] is not None]
    missing = [r for r in rows if r[column] is None]  # empty cells last, either way
    present.sort(key=lambda r: r[column], reverse=sort.startswith("-"))
    return present + missing


def _chunks(values: list[int]) -> Iterator[list[int]]:
    for start in range(0, len(values), _CHUNK):
        yield values[start : start + _CHUNK]


def trace_rows(session: Session, depths: dict[int, int], only: set[int] | None = None) -> Iterator[dict[str, Any]]:
    batch_ids = sorted(depths)
    batches = {row.id: row for row in _fetch(session, _batch_query(), Batch.id, batch_ids)}
    inputs = _inputs(session, batch_ids, batches)
    events: dict[int, list[Any]] = defaultdict(list)
    for event in _fetch(session, _event_query(), Event.batch_id, batch_ids):
        events[event.batch_id].append(event)
    for batch_id in batch_ids:
        batch = batches[batch_id]
        if only is not None and batch_id not in only:
            continue
        yield from _rows_of(batch, depths[batch_id], events[batch_id], inputs[batch_id])


def _fetch(session: Session, query: Any, column: Any, ids_: list[int]) -> Iterable[Any]:
    for chunk in _chunks(ids_):
        yield from session.execute(query.where(column.in_(chunk)))


def _batch_query() -> Any:
    return (
        select(
            Batch.id,
            Batch.organization_id,
            Batch.lot_code,
            Batch.quantity,
            Batch.unit,
            Batch.harvested_on,
            Batch.produced_on,
            Batch.created_at,
            Product.name.label("product"),
            Product.gtin,
            Site.name.label("site"),
            Site.area_code,
            Organization.name.label("organization"),
        )
        .join(Product, Product.id == Batch.product_id)
        .join(Organization, Organization.id == Batch.organization_id)
        .outerjoin(Site, Site.id == Batch.site_id)
    )


def _inputs(session: Session, batch_ids: list[int], known: dict[int, Any]) -> dict[int, list[InputLot]]:
    """The inputs of each batch with the lot codes they are known by. Two index lookups rather than a join,
    which a planner may turn into a scan of every batch."""
    edges = list(_fetch(session, select(*_EDGE_COLUMNS), BatchInput.batch_id, batch_ids))
    lots = {i: (row.lot_code, row.unit) for i, row in known.items()}
    missing = sorted({e.input_batch_id for e in edges} - lots.keys())  # inputs outside the tree (forward)
    lots.update({r.id: (r.lot_code, r.unit) for r in _fetch(session, select(*_LOT_COLUMNS), Batch.id, missing)})
    inputs: dict[int, list[InputLot]] = defaultdict(list)
    for edge in edges:
        lot_code, unit = lots[edge.input_batch_id]
        inputs[edge.batch_id].append(InputLot(lot_code, edge.quantity, unit))
    return inputs


class InputLot(NamedTuple):
    lot_code: str
    quantity: Decimal
    unit: str


_EDGE_COLUMNS = (BatchInput.batch_id, BatchInput.input_batch_id, BatchInput.quantity)
_LOT_COLUMNS = (Batch.id, Batch.lot_code, Batch.unit)


def _event_query() -> Any:
    return (
        select(
            Event.id,
            Event.batch_id,
            Event.type,
            Event.occurred_at,
            Event.partner,
            Site.name.label("site"),
            Site.area_code,
        )
        .outerjoin(Site, Site.id == Event.site_id)
        .where(Event.type.in_(CTE_TYPES))
        .order_by(Event.occurred_at, Event.id)
    )


def _inputs_text(edges: list[Any]) -> str:
    return "; ".join(ids.input_label(e.lot_code, e.quantity, e.unit) for e in sorted(edges, key=lambda e: e.lot_code))


def _rows_of(batch: Any, depth: int, events: list[Any], edges: list[Any]) -> Iterator[dict[str, Any]]:
    base = {
        "depth": depth,
        "lot_code": batch.lot_code,
        "product": batch.product,
        "gtin": batch.gtin,
        "quantity": batch.quantity,
        "unit": batch.unit,
        "organization": batch.organization,
        "batch_id": batch.id,
    }
    origin = "processing" if edges else "harvesting"
    received = edges and any(e.type == EventType.RECEIVING for e in events)  # a lot bought and passed on
    if not received and not any(e.type in (EventType.HARVESTING, EventType.PROCESSING) for e in events):
        day = batch.produced_on or batch.harvested_on
        yield {
            **base,
            "event": origin,
            "occurred_at": ids.local_iso(ids.start_of_day(day) if day else batch.created_at),
            "location": batch.site,
            "location_code": batch.area_code,
            "source_or_recipient": _inputs_text(edges) if edges else batch.site,
            "reference_document": f"batch/{batch.id}",
        }
    for event in events:
        if event.type == EventType.PROCESSING:
            other = _inputs_text(edges) or event.partner
        elif event.type == EventType.HARVESTING:
            other = event.site or batch.site
        else:
            other = event.partner
        yield {
            **base,
            "event": event.type.value,
            "occurred_at": ids.local_iso(event.occurred_at),
            "location": event.site or batch.site,
            "location_code": event.area_code or batch.area_code,
            "source_or_recipient": other,
            "reference_document": f"event/{event.id}",
        }


def json_rows(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Rows for JSON: quantities as numbers."""
    return [{**r, "quantity": None if r["quantity"] is None else ids.plain_number(r["quantity"])} for r in rows]
