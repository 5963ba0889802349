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

from epcis_event_hash_generator.hash_generator import epcis_hashes_from_events
from epcis_event_hash_generator.json_to_py import event_list_from_epcis_document_json
from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from traceability.accounts.models import User
from traceability.batches.models import Batch, BatchInput, Event, EventType
from traceability.codes.models import Code, CodeKind
from traceability.db import utcnow
from traceability.interop import identifiers as ids
from traceability.shipments.services import shipments_by_event
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


class EpcisExport:
    def __init__(self, session: Session, base_url: str):
        self.session = session
        self.base_url = base_url.rstrip("/")
        self._codes: dict[int, str] = {}  # lot code by batch id, read by document()
        self._shipments: dict[int, Any] = {}  # shipment by its shipping or receiving event id

    def document(self, batch: Batch) -> dict[str, Any]:
        # the lot codes of the batch and of its inputs in one query, not one per lot
        lots = [batch.id, *(edge.input_batch_id for edge in batch.inputs)]
        found = select(Code.batch_id, Code.value).where(Code.batch_id.in_(lots), Code.kind == CodeKind.LOT)
        self._codes = {batch_id: value for batch_id, value in self.session.execute(found)}
        self._shipments = shipments_by_event(self.session, [event.id for event in batch.events])
        events = [self.event(batch, event) for event in batch.events]
        if batch.inputs and not any(e.type == EventType.PROCESSING for e in batch.events):
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
