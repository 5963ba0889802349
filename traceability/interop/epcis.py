"""A batch's events as an EPCIS 2.0 JSON-LD document (mapping to CBV 2.0 as API.md lays it out).

harvesting → ObjectEvent ADD `commissioning` with lot master data (ILMD); processing → TransformationEvent
(inputs and output in quantity lists); planting, fertilizing, spraying, irrigating → ObjectEvent OBSERVE with a
step of our own namespace (CBV has none for them); packing, storing, shipping, receiving, inspecting → their
CBV steps; testing → `sampling`. Every eventID is the CBV 2.0 event hash, so a partner who receives the same
event twice recognises it.
"""

from __future__ import annotations

import copy
import datetime as dt
import logging
from decimal import Decimal
from typing import Any
from urllib.parse import quote

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from traceability.accounts.models import Role, User
from traceability.batches.models import Batch, BatchInput, Event, EventType
from traceability.codes.models import Code, CodeKind
from traceability.db import utcnow
from traceability.interop import identifiers as ids
from traceability.interop.event_hash import epcis_hashes_from_events, event_list_from_epcis_document_json
from traceability.shipments.services import get_visible_shipment, shipments_by_event, visible_to_producer
from traceability.tenancy import get_visible


class _QuietHasher(logging.Filter):
    """The hash package logs every event it reads on the root logger at INFO; keep only its warnings."""

    def filter(self, record: logging.LogRecord) -> bool:
        return record.levelno >= logging.WARNING or "epcis_event_hash_generator" not in record.pathname


logging.getLogger().addFilter(_QuietHasher())

EPCIS_CONTEXT = "https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld"
NS = "tn"  # our namespace prefix, declared in the document's @context
OFFSET = "+07:00"

CBV_STEPS = {
    EventType.HARVESTING: "commissioning",
    EventType.PROCESSING: "commissioning",
    EventType.PACKING: "packing",
    EventType.STORING: "storing",
    EventType.SHIPPING: "shipping",
    EventType.RECEIVING: "receiving",
    EventType.INSPECTING: "inspecting",
    EventType.TESTING: "sampling",
}
DISPOSITIONS = {
    EventType.HARVESTING: "active",
    EventType.PROCESSING: "active",
    EventType.PACKING: "in_progress",
    EventType.STORING: "sellable_not_accessible",
    EventType.SHIPPING: "in_transit",
    EventType.RECEIVING: "in_progress",
}
# field operations: no CBV step, so a step in our own vocabulary
EXTENSION_STEPS = {EventType.PLANTING, EventType.FERTILIZING, EventType.SPRAYING, EventType.IRRIGATING}


def batch_epcis(session: Session, user: User, batch_id: int, base_url: str) -> dict[str, Any]:
    """The EPCIS document of a batch the user may see (another organisation's batch is NotFound)."""
    batch = get_visible(session, Batch, batch_id, user)
    # the transformation names every input lot: load them with their products, not one query per input
    inputs = selectinload(Batch.inputs).selectinload(BatchInput.input_batch).selectinload(Batch.product)
    session.scalars(select(Batch).where(Batch.id == batch.id).options(inputs)).one()
    return EpcisExport(session, base_url).document(batch)


def _with_records(session: Session, batch_ids: list[int]) -> list[Batch]:
    """The lots with their events, products, sites and inputs (the transformations name every input lot)."""
    inputs = selectinload(Batch.inputs).selectinload(BatchInput.input_batch).selectinload(Batch.product)
    return list(
        session.scalars(
            select(Batch)
            .where(Batch.id.in_(batch_ids))
            .options(
                inputs,
                selectinload(Batch.events),
                selectinload(Batch.product),
                selectinload(Batch.site),
                selectinload(Batch.organization),
            )
        )
    )


def chain_epcis(session: Session, user: User, batch_id: int, direction: str, base_url: str) -> dict[str, Any]:
    """One EPCIS document of a lot's trace across organisations (`direction` back, forward or both): the events
    of every lot of the tree the user may see, upstream first. A producer sees its own lots, its suppliers'
    published lots and one step forward, as in the trace report."""
    from traceability.interop.trace import tree_depths

    get_visible(session, Batch, batch_id, user)
    depths = tree_depths(session, batch_id, direction)
    if user.role == Role.PRODUCER:
        depths = {i: d for i, d in depths.items() if i in visible_to_producer(session, user.organization_id, depths)}
    lots = sorted(_with_records(session, list(depths)), key=lambda b: (depths[b.id], b.id))
    return EpcisExport(session, base_url).document_of(lots, _others_shipping_hidden(session, user, lots))


def shipment_epcis(session: Session, user: User, shipment_id: int, base_url: str) -> dict[str, Any]:
    """One EPCIS document of a shipment and its lots: the sender's lot (published, so public anyway) with all
    its events, and the buyer's received lot: all its events for the buyer and inspectors, its receiving event
    alone for the sender (one step forward, never the buyer's other records)."""
    shipment = get_visible_shipment(session, user, shipment_id)
    ids_ = [shipment.batch_id, *([shipment.received_batch_id] if shipment.received_batch_id else [])]
    lots = {b.id: b for b in _with_records(session, ids_)}
    ordered = [lots[i] for i in ids_]
    limits = _others_shipping_hidden(session, user, ordered)
    is_sender = user.role == Role.PRODUCER and user.organization_id == shipment.organization_id
    if shipment.received_batch_id and is_sender:
        limits[shipment.received_batch_id] = {shipment.receiving_event_id} - {None}
    else:
        limits.pop(shipment.received_batch_id, None)
    return EpcisExport(session, base_url).document_of(ordered, limits, frozenset(limits) & {shipment.received_batch_id})


def _others_shipping_hidden(session: Session, user: User, lots: list[Batch]) -> dict[int, set[int]]:
    """For a producer, the events it may see of other organisations' lots: all but their shipments to third
    parties (whom else a supplier sells to is its own business); a shipment to the caller, or to a lot of this
    same document, stays. Inspectors and admins see every event."""
    if user.role != Role.PRODUCER:
        return {}
    foreign = [b for b in lots if b.organization_id != user.organization_id]
    in_document = {b.id for b in lots}
    shipping = shipments_by_event(session, [e.id for b in foreign for e in b.events if e.type == EventType.SHIPPING])
    tax_code = user.organization.tax_code
    limits = {}
    for batch in foreign:
        kept = set()
        for event in batch.events:
            if event.type == EventType.SHIPPING:
                shipment = shipping.get(event.id)
                if shipment is None or not (
                    shipment.to_tax_code == tax_code or shipment.received_batch_id in in_document
                ):
                    continue
            kept.add(event.id)
        limits[batch.id] = kept
    return limits


class EpcisExport:
    def __init__(self, session: Session, base_url: str):
        self.session = session
        self.base_url = base_url.rstrip("/")
        self._codes: dict[int, str] = {}  # lot code by batch id, read by document()
        self._shipments: dict[int, Any] = {}  # shipment by its shipping or receiving event id

    def document(self, batch: Batch) -> dict[str, Any]:
        return self.document_of([batch])

    def document_of(
        self, lots: list[Batch], events_of: dict[int, set[int]] | None = None, only_events: frozenset = frozenset()
    ) -> dict[str, Any]:
        """One document of several lots' events, in the order given (upstream first); `events_of`, when given,
        limits a lot to those event ids (a lot absent from it keeps all its events); lots in `only_events` get
        no transformation made up for them."""
        # the lot codes of the lots and of their inputs in one query, not one per lot
        wanted = {b.id for b in lots} | {edge.input_batch_id for b in lots for edge in b.inputs}
        found = select(Code.batch_id, Code.value).where(Code.batch_id.in_(wanted), Code.kind == CodeKind.LOT)
        self._codes = {batch_id: value for batch_id, value in self.session.execute(found)}
        self._shipments = shipments_by_event(self.session, [e.id for b in lots for e in b.events])
        events = []
        for batch in lots:
            limit = (events_of or {}).get(batch.id)
            own = [e for e in batch.events if limit is None or e.id in limit]
            events += [self.event(batch, event) for event in own]
            made = batch.inputs and not any(e.type == EventType.PROCESSING for e in batch.events)
            if made and batch.id not in only_events:
                # made from other batches without a recorded processing step: the transformation still happened
                day = batch.produced_on or batch.harvested_on
                moment = ids.start_of_day(day) if day else batch.created_at
                events.append(self._transformation(batch, moment, batch.site, note=None))
        doc = {
            "@context": [EPCIS_CONTEXT, {NS: f"{self.base_url}/voc/"}],
            "type": "EPCISDocument",
            "schemaVersion": "2.0",
            "creationDate": ids.local_iso(utcnow()),
            "epcisBody": {"eventList": events},
        }
        _set_event_ids(doc)
        return doc

    # --- identifiers -------------------------------------------------------------------------------------

    def lot(self, batch: Batch) -> str:
        return ids.lot_uri(batch, self.base_url, self._codes.get(batch.id))

    def quantity(self, batch: Batch, quantity: Decimal | None = None) -> dict[str, Any]:
        amount, uom = ids.rec20_quantity(batch.quantity if quantity is None else quantity, batch.unit)
        # the schema wants a number, not a string
        element: dict[str, Any] = {"epcClass": self.lot(batch), "quantity": ids.plain_number(amount)}
        if uom:
            element["uom"] = uom
        return element

    # --- events ------------------------------------------------------------------------------------------

    def event(self, batch: Batch, event: Event) -> dict[str, Any]:
        site = event.site or batch.site
        if event.type == EventType.PROCESSING:
            return self._transformation(batch, event.occurred_at, site, event.note)
        body: dict[str, Any] = {
            "type": "ObjectEvent",
            "eventTime": ids.local_iso(event.occurred_at),
            "eventTimeZoneOffset": OFFSET,
            "action": "ADD" if event.type == EventType.HARVESTING else "OBSERVE",
            "quantityList": [self.quantity(batch)],
            "bizStep": CBV_STEPS.get(event.type) or f"{NS}:{event.type.value}",
        }
        if event.type in DISPOSITIONS:
            body["disposition"] = DISPOSITIONS[event.type]
        body.update(self._where(site))
        if event.type == EventType.SHIPPING:
            body["sourceList"] = self._own_parties(batch, site, "source")
            if event.partner:
                body["destinationList"] = [self._partner(event.partner, "destination")]
        elif event.type == EventType.RECEIVING:
            if event.partner:
                body["sourceList"] = [self._partner(event.partner, "source")]
            body["destinationList"] = self._own_parties(batch, site, "destination")
        if event.id in self._shipments:  # between organisations of the registry: both parties and the document
            body.update(self._shipment(batch, event, self._shipments[event.id]))
        if event.type == EventType.HARVESTING:
            body["ilmd"] = self._ilmd(batch)
        if event.note:
            body[f"{NS}:note"] = event.note
        return body

    def _transformation(self, batch: Batch, moment: dt.datetime, site: Any, note: str | None) -> dict[str, Any]:
        body: dict[str, Any] = {
            "type": "TransformationEvent",
            "eventTime": ids.local_iso(moment),
            "eventTimeZoneOffset": OFFSET,
            "inputQuantityList": [self.quantity(edge.input_batch, edge.quantity) for edge in batch.inputs],
            "outputQuantityList": [self.quantity(batch)],
            "bizStep": CBV_STEPS[EventType.PROCESSING],
            "disposition": DISPOSITIONS[EventType.PROCESSING],
            **self._where(site),
            "ilmd": self._ilmd(batch),
        }
        if not body["inputQuantityList"]:
            del body["inputQuantityList"]  # processing recorded on a batch with no registered inputs
        if note:
            body[f"{NS}:note"] = note
        return body

    def _where(self, site: Any) -> dict[str, Any]:
        if site is None:
            return {}
        uri = ids.site_uri(site, self.base_url)
        return {"readPoint": {"id": uri}, "bizLocation": {"id": uri}}

    def _own_parties(self, batch: Batch, site: Any, kind: str) -> list[dict[str, str]]:
        parties = [{"type": "owning_party", kind: ids.party_uri(batch.organization, self.base_url)}]
        if site is not None:
            parties.append({"type": "location", kind: ids.site_uri(site, self.base_url)})
        return parties

    def _shipment(self, batch: Batch, event: Event, shipment: Any) -> dict[str, Any]:
        """Source and destination of a shipment between organisations, each as owning and possessing party and
        location, and its delivery note or invoice as the business transaction."""

        def parties(tax_code: str, site: Any, kind: str) -> list[dict[str, str]]:
            party = f"{self.base_url}/id/organizations/{quote(tax_code, safe='')}"
            found = [{"type": "owning_party", kind: party}, {"type": "possessing_party", kind: party}]
            if site is not None:
                found.append({"type": "location", kind: ids.site_uri(site, self.base_url)})
            return found

        sender = shipment.organization.tax_code
        shipped = event.type == EventType.SHIPPING
        return {
            "quantityList": [self.quantity(batch, shipment.quantity if shipped else shipment.received_quantity)],
            "sourceList": parties(sender, shipment.from_site, "source"),
            "destinationList": parties(shipment.to_tax_code, event.site or shipment.to_site, "destination"),
            "bizTransactionList": [
                {
                    "type": "desadv",
                    "bizTransaction": f"{self.base_url}/id/documents/{quote(sender, safe='')}/"
                    f"{quote(shipment.reference_doc, safe='')}",
                }
            ],
        }

    def _partner(self, partner: str, kind: str) -> dict[str, str]:
        return {"type": "owning_party", kind: ids.partner_uri(partner, self.base_url)}

    def _ilmd(self, batch: Batch) -> dict[str, Any]:
        ilmd: dict[str, Any] = {"cbvmda:lotNumber": batch.lot_code, "cbvmda:countryOfOrigin": "VN"}
        if batch.harvested_on:
            ilmd["cbvmda:harvestStartDate"] = batch.harvested_on.isoformat()
            ilmd["cbvmda:harvestEndDate"] = batch.harvested_on.isoformat()
        if batch.expires_on:
            ilmd["cbvmda:itemExpirationDate"] = batch.expires_on.isoformat()
        if batch.site is not None and batch.site.area_code:
            ilmd[f"{NS}:growingAreaCode"] = batch.site.area_code
        ilmd[f"{NS}:productName"] = batch.product.name
        return ilmd


def _set_event_ids(doc: dict[str, Any]) -> None:
    events = doc["epcisBody"]["eventList"]
    if not events:
        return
    # the hasher rewrites what it reads, so it gets a copy
    hashes = epcis_hashes_from_events(event_list_from_epcis_document_json(copy.deepcopy(doc)))
    doc["epcisBody"]["eventList"] = [
        {"eventID": event_id, **event} for event, event_id in zip(events, hashes, strict=True)
    ]
