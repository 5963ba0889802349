"""Field work without signal: the field pack an inspector takes along, and what the phone sends back.

The pack holds the organisations, sites and batches of the communes chosen, each batch's record written out
as the workspace shows it (labels, dates and numbers already in the inspector's language, since the phone has
no catalog of its own), the codes that lead to each batch, and the batch's version, so a suspension or recall
requested offline can be held if the batch changed meanwhile.

What the phone sends back carries keys it made itself (UUIDs): an inspection, or a photo, sent twice is kept
once, however often a weak signal makes the phone repeat itself.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from typing import Any

from babel import dates
from flask_babel import format_date, format_datetime, get_babel, get_locale, get_timezone
from flask_babel import gettext as _
from sqlalchemy import ColumnElement, and_, bindparam, func, or_, select, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, selectinload

from traceability.accounts.models import Organization, User
from traceability.batches.models import Amendment, Batch, BatchStatus
from traceability.codes.models import Code, CodeKind
from traceability.errors import Conflict, Forbidden, invalid
from traceability.i18n import number
from traceability.inspection import scope, services
from traceability.inspection.models import Inspection, InspectionAction, InspectionPhotoKey
from traceability.inspection.photos import store_photos
from traceability.inspection.schemas import CLIENT_KEY
from traceability.labels import fact_label, fact_value, label
from traceability.public.models import ConsumerReport, ReportStatus
from traceability.reference import lists
from traceability.reference import services as reference
from traceability.reference.models import Commune
from traceability.registry.models import Product, Site
from traceability.shipments.models import Shipment, ShipmentStatus

MAX_COMMUNES = 20
MAX_PACK_BATCHES = 2000  # a phone holds this easily (about 2 KB a batch); more is a sign of a wrong choice
# unit codes listed per batch: beyond this the pack recognises the batch by its lot code only (printed serials
# of a huge batch would make the pack heavy, and the lot code is on every package of it too)
MAX_UNIT_CODES = 500


@dataclass
class PackChoice:
    """What the inspector chose to take along: communes of the reference list (codes, or names as typed, which
    must name one commune of the list), or organisations, or sites."""

    communes: list[str] = field(default_factory=list)
    organization_ids: list[int] = field(default_factory=list)
    site_ids: list[int] = field(default_factory=list)


def pack_communes(session: Session) -> list[tuple[str, list[tuple[str, str]]]]:
    """The communes to choose from: the province's reference list (active units), wards then communes, as
    option groups [(title, [(code, name)])]."""
    return reference.commune_options(session)


def chosen_communes(session: Session, choice: PackChoice) -> list[Commune]:
    """The reference list's communes the choice names: by code, else by name (accents, case and "xã"/"phường"
    aside) when it names exactly one. Anything else is refused, naming what was not found."""
    found: dict[str, Commune] = {}
    values = [v.strip() for v in choice.communes if v and v.strip()]
    by_code = {c.code: c for c in session.scalars(select(Commune).where(Commune.code.in_(values)))} if values else {}
    unknown = []
    for value in values:
        commune = by_code.get(value) or reference.match_commune(session, value)
        if commune is None:
            unknown.append(value)
        else:
            found.setdefault(commune.code, commune)
    if unknown:
        raise invalid(
            "commune",
            _("Not a commune or ward of the province's list: %(names)s.", names=", ".join(unknown)),
            "query",
        )
    return list(found.values())


def _in_communes(session: Session, model: type, communes: list[Commune]) -> ColumnElement[bool]:
    """Rows of `model` (sites or organisations) located in `communes`: tied to the list by code, or, for rows
    kept as typed (no code: typed before the list, or a name the list could not tell apart), whose text names one
    of them whatever its spelling. The few distinct texts without a code are compared here, in Python, with the
    reference list's own comparison (lists.commune_key), so both databases decide alike."""
    keys = {lists.commune_key(c.name) for c in communes}
    typed = [
        text
        for text in session.scalars(select(model.commune).where(model.commune_code.is_(None)).distinct())
        if text and lists.commune_key(text) in keys
    ]
    located = model.commune_code.in_([c.code for c in communes])
    if typed:
        located = or_(located, and_(model.commune_code.is_(None), model.commune.in_(typed)))
    return located


def pack_batch_ids(session: Session, choice: PackChoice, communes: list[Commune] | None = None) -> list[int]:
    """The batches a pack holds: those whose site or producer is in a chosen commune (of the reference list),
    or of a chosen organisation or site. The one place that reads the choice."""
    if communes is None:
        communes = chosen_communes(session, choice)
    conditions = []
    if communes:
        conditions.append(_in_communes(session, Site, communes))
        conditions.append(_in_communes(session, Organization, communes))
    if choice.organization_ids:
        conditions.append(Batch.organization_id.in_(choice.organization_ids))
    if choice.site_ids:
        conditions.append(Batch.site_id.in_(choice.site_ids))
    if not conditions:
        return []
    stmt = (
        select(Batch.id)
        .join(Organization, Batch.organization_id == Organization.id)
        .outerjoin(Site, Batch.site_id == Site.id)
        .where(or_(*conditions))
        .order_by(Batch.id)
        .limit(MAX_PACK_BATCHES + 1)
    )
    ids = list(session.scalars(stmt))
    if len(ids) > MAX_PACK_BATCHES:
        raise invalid(
            "commune", _("More than %(n)s batches: choose fewer communes.", n=number(MAX_PACK_BATCHES)), "query"
        )
    return ids


def batch_version(batch: Batch) -> str:
    """What the pack remembers of a batch to tell later whether it changed: its status and last change."""
    changed = batch.updated_at
    if changed.tzinfo is None:
        changed = changed.replace(tzinfo=dt.UTC)
    return f"{batch.status.value}@{changed.astimezone(dt.UTC).strftime('%Y%m%dT%H%M%S.%f')}"


def _version_time(version: str) -> dt.datetime | None:
    try:
        return dt.datetime.strptime(version.partition("@")[2], "%Y%m%dT%H%M%S.%f").replace(tzinfo=dt.UTC)
    except ValueError:
        return None


def _dt(value: dt.datetime | None) -> str:
    return format_datetime(value, "short") if value else ""


class _Writer:
    """Labels, dates and numbers as the workspace writes them, each distinct value written once per pack (a pack
    repeats the same few statuses and kinds thousands of times). The language and time zone are looked up once:
    Flask-Babel looks them up at every call, which was a good part of preparing a pack of 200 batches."""

    def __init__(self) -> None:
        self._labels: dict = {}
        self._dates: dict = {}
        self._numbers: dict = {}
        self._facts: dict = {}
        self._locale = get_locale()
        self._tz = get_timezone()
        # the app's own pattern for the language (traceability/i18n.py), as flask_babel.format_datetime finds it
        self._dt_format = get_babel().instance.date_formats["datetime.short"] or "short"

    def label(self, value: object) -> str:
        if value not in self._labels:
            self._labels[value] = label(value)
        return self._labels[value]

    def d(self, value: dt.date | None) -> str:
        if value not in self._dates:
            self._dates[value] = format_date(value, "short") if value else ""
        return self._dates[value]

    def dt(self, value: dt.datetime | None) -> str:
        """As flask_babel.format_datetime(value, "short") writes it."""
        if not value:
            return ""
        if value.tzinfo is None:
            value = value.replace(tzinfo=dt.UTC)
        return dates.format_datetime(value, self._dt_format, tzinfo=self._tz, locale=self._locale)

    def number(self, value: object) -> str:
        if value not in self._numbers:
            self._numbers[value] = number(value)
        return self._numbers[value]

    def label_of_fact(self, name: str) -> str:
        if ("fact", name) not in self._labels:
            self._labels["fact", name] = fact_label(name)
        return self._labels["fact", name]

    def fact(self, name: str, value: str | None) -> str:
        if (name, value) not in self._facts:
            self._facts[name, value] = fact_value(name, value)
        return self._facts[name, value]


def _org(w: _Writer, org: Organization) -> dict[str, Any]:
    return {
        "id": org.id,
        "name": org.name,
        "tax_code": org.tax_code,
        "address": org.address,
        "commune": org.commune,
        "phone": org.phone,
        "email": org.email,
        "status": org.status.value,
        "status_text": w.label(org.status),
    }


def _site(w: _Writer, site: Site) -> dict[str, Any]:
    return {
        "id": site.id,
        "organization_id": site.organization_id,
        "name": site.name,
        "kind_text": w.label(site.kind),
        "commune": site.commune,
        "address": site.address,
        "area_code": site.area_code,
    }


def _inspection(w: _Writer, i: Inspection) -> dict[str, Any]:
    return {
        "when": w.dt(i.inspected_at),
        "inspector": i.inspector.full_name,
        "result": i.result.value,
        "result_text": w.label(i.result),
        "action_text": w.label(i.action) if i.action != InspectionAction.NONE else "",
        "findings": i.findings or "",
        "samples": [s.sample_code + (f" ({s.laboratory})" if s.laboratory else "") for s in i.samples],
    }


def _batch(
    w: _Writer,
    b: Batch,
    lot: str | None,
    serials: list[str] | None,
    unit_count: int,
    inspections: list,
    upstream: list,
    reports: list,
) -> dict:
    return {
        "id": b.id,
        "version": batch_version(b),
        "lot_code": b.lot_code,
        "product": b.product.name,
        "category_text": w.label(b.product.category),
        "status": b.status.value,
        "status_text": w.label(b.status),
        "status_reason": b.status_reason or "",
        "status_changed_at": w.dt(b.status_changed_at),
        "organization_id": b.organization_id,
        "site_id": b.site_id,
        "quantity_text": f"{w.number(b.quantity)} {b.unit}",
        "harvested_on": w.d(b.harvested_on),
        "produced_on": w.d(b.produced_on),
        "expires_on": w.d(b.expires_on),
        "published_at": w.dt(b.published_at),
        "lot_code_value": lot,
        "unit_codes": serials,  # None when the batch has more than MAX_UNIT_CODES
        "unit_code_count": unit_count,
        "events": [{"when": w.dt(e.occurred_at), "type_text": w.label(e.type), "note": e.note or ""} for e in b.events],
        "chemicals": [
            {
                "applied_on": w.d(c.applied_on),
                "trade_name": c.trade_name,
                "active_ingredient": c.active_ingredient,
                "phi_days": c.phi_days,
            }
            for c in b.chemicals
        ],
        "lab_tests": [
            {
                "sampled_on": w.d(t.sampled_on),
                "laboratory": t.laboratory,
                "analyte": t.analyte,
                "result": t.result.value,
                "result_text": w.label(t.result),
            }
            for t in b.lab_tests
        ],
        "amendments": [
            {
                "when": w.dt(m.created_at),
                "field_text": w.label_of_fact(m.field),
                "before": w.fact(m.field, m.old_value),
                "after": w.fact(m.field, m.new_value),
                "reason": m.reason,
            }
            for m in b.amendments
        ],
        "inspections": inspections,
        "upstream": upstream,  # recalled or suspended inputs, nearest first
        "reports": reports,  # open consumer reports
    }


# The inputs upstream of each batch of the pack, at any depth, that are suspended or recalled:
# (batch, flagged input, depth). The consumer page's walk (public/lookup.py) for many batches in one statement.
_FLAGGED_UPSTREAM = text(
    """
    WITH RECURSIVE upstream(root, id, depth) AS (
      SELECT batch_id, input_batch_id, 1 FROM batch_inputs WHERE batch_id IN :ids
      UNION
      SELECT upstream.root, batch_inputs.input_batch_id, upstream.depth + 1
      FROM batch_inputs JOIN upstream ON batch_inputs.batch_id = upstream.id
      WHERE upstream.depth < 1000
    )
    SELECT upstream.root, batches.id, min(upstream.depth)
    FROM upstream JOIN batches ON batches.id = upstream.id
    WHERE batches.status IN ('suspended', 'recalled')
    GROUP BY upstream.root, batches.id
    """
).bindparams(bindparam("ids", expanding=True))


def _upstream_warnings(session: Session, w: _Writer, ids: list[int]) -> dict[int, list[dict[str, Any]]]:
    """For each batch, what an inspector must know of its inputs: a lot it was made from, or received from a
    supplier, that is recalled or suspended (nearest first). Three statements for the whole pack."""
    found = session.execute(_FLAGGED_UPSTREAM, {"ids": ids}).all() if ids else []
    if not found:
        return {}
    flagged = {
        b.id: b
        for b in session.scalars(
            select(Batch)
            .where(Batch.id.in_({upstream for _root, upstream, _depth in found}))
            .options(selectinload(Batch.product), selectinload(Batch.organization))
        )
    }
    received = set(
        session.execute(
            select(Shipment.received_batch_id, Shipment.batch_id).where(
                Shipment.received_batch_id.in_({root for root, _upstream, _depth in found}),
                Shipment.status == ShipmentStatus.ACCEPTED,
            )
        ).all()
    )
    warnings: dict[int, list[tuple]] = {}
    for root, upstream_id, depth in found:
        upstream = flagged[upstream_id]
        values = {
            "input": f"{upstream.product.name} ({upstream.lot_code})",
            "producer": upstream.organization.name,
            "day": w.d(upstream.status_changed_at),
            "reason": (upstream.status_reason or "").strip().rstrip(".") or _("no reason given"),
        }
        from_supplier = depth == 1 and (root, upstream_id) in received
        recalled = upstream.status == BatchStatus.RECALLED
        if from_supplier:
            message = (
                _("Received from %(producer)s: %(input)s, recalled on %(day)s: %(reason)s.", **values)
                if recalled
                else _("Received from %(producer)s: %(input)s, suspended on %(day)s: %(reason)s.", **values)
            )
        else:
            message = (
                _("Made from %(input)s of %(producer)s, recalled on %(day)s: %(reason)s.", **values)
                if recalled
                else _("Made from %(input)s of %(producer)s, suspended on %(day)s: %(reason)s.", **values)
            )
        warnings.setdefault(root, []).append(
            (
                depth,
                upstream_id,
                {
                    "kind": "recall" if recalled else "suspension",
                    "batch_id": upstream_id,
                    "lot_code": upstream.lot_code,
                    "received": from_supplier,
                    "text": message,
                },
            )
        )
    return {root: [e[2] for e in sorted(entries, key=lambda e: e[:2])] for root, entries in warnings.items()}


def _open_reports(session: Session, w: _Writer, ids: list[int]) -> dict[int, list[dict[str, Any]]]:
    """The consumer reports on each batch still to be worked (new or in review), oldest first. The consumer's
    contact stays on the server: the phone may be lost."""
    reports: dict[int, list[dict[str, Any]]] = {}
    if not ids:
        return reports
    for r in session.scalars(
        select(ConsumerReport)
        .where(
            ConsumerReport.batch_id.in_(ids),
            ConsumerReport.status.in_([ReportStatus.NEW, ReportStatus.IN_REVIEW]),
        )
        .order_by(ConsumerReport.created_at, ConsumerReport.id)
    ):
        reports.setdefault(r.batch_id, []).append(
            {
                "receipt": r.receipt,
                "when": w.dt(r.created_at),
                "kind_text": w.label(r.kind),
                "status_text": w.label(r.status),
                "message": r.message,
            }
        )
    return reports


def build_pack(session: Session, choice: PackChoice, now: dt.datetime | None = None) -> dict[str, Any]:
    """The field pack: everything the phone needs to find and read the chosen batches without signal."""
    communes = chosen_communes(session, choice)
    ids = pack_batch_ids(session, choice, communes)
    w = _Writer()
    # one statement a kind of row, whatever the number of batches: each relation the pack writes is loaded here
    # (a product's category was loaded product by product)
    batches = list(
        session.scalars(
            select(Batch)
            .where(Batch.id.in_(ids))
            .options(
                selectinload(Batch.product).selectinload(Product.category),
                selectinload(Batch.organization),
                selectinload(Batch.site),
                selectinload(Batch.events),
                selectinload(Batch.chemicals),
                selectinload(Batch.lab_tests),
                selectinload(Batch.amendments),
            )
            .order_by(Batch.id)
        )
    )
    lots: dict[int, str] = {}
    serials: dict[int, list[str]] = {}
    # the codes are most of the pack's rows (100 a batch and more): read as plain rows, without the ORM's
    # per-row work
    connection = session.connection()
    counts: dict[int, int] = dict(
        connection.execute(
            select(Code.batch_id, func.count())
            .where(Code.batch_id.in_(ids), Code.kind == CodeKind.SERIAL)
            .group_by(Code.batch_id)
        ).all()
    )
    small = [i for i in ids if counts.get(i, 0) <= MAX_UNIT_CODES]
    for batch_id, value, kind in connection.execute(
        select(Code.batch_id, Code.value, Code.kind)
        .where(
            Code.batch_id.in_(ids),
            Code.revoked_at.is_(None),
            or_(Code.kind == CodeKind.LOT, Code.batch_id.in_(small)),
        )
        .order_by(Code.id)
    ):
        if kind == CodeKind.LOT.value:
            lots[batch_id] = value
        else:
            serials.setdefault(batch_id, []).append(value)
    inspections: dict[int, list] = {}
    for i in session.scalars(
        select(Inspection)
        .where(Inspection.batch_id.in_(ids))
        .options(selectinload(Inspection.inspector), selectinload(Inspection.samples))
        .order_by(Inspection.inspected_at.desc())
    ):
        inspections.setdefault(i.batch_id, []).append(_inspection(w, i))
    upstream = _upstream_warnings(session, w, ids)
    reports = _open_reports(session, w, ids)
    orgs = {b.organization_id: b.organization for b in batches}
    sites = {b.site_id: b.site for b in batches if b.site is not None}
    if communes:  # organisations and sites of the communes that have no batch yet come along too
        for org in session.scalars(select(Organization).where(_in_communes(session, Organization, communes))):
            orgs.setdefault(org.id, org)
        for site in session.scalars(
            select(Site).where(_in_communes(session, Site, communes)).options(selectinload(Site.organization))
        ):
            sites.setdefault(site.id, site)
            orgs.setdefault(site.organization_id, site.organization)
    now = now or dt.datetime.now(dt.UTC)
    return {
        "prepared_at": now.isoformat(),
        "prepared_at_text": w.dt(now),
        "communes": [c.name for c in communes],
        "commune_codes": [c.code for c in communes],
        "organizations": [_org(w, o) for o in sorted(orgs.values(), key=lambda o: o.name)],
        "sites": [_site(w, s) for s in sorted(sites.values(), key=lambda s: s.name)],
        "batches": [
            _batch(
                w,
                b,
                lots.get(b.id),
                serials.get(b.id, []) if b.id in small else None,
                counts.get(b.id, 0),
                inspections.get(b.id, []),
                upstream.get(b.id, []),
                reports.get(b.id, []),
            )
            for b in batches
        ],
    }


# ---- what the phone sends back


@dataclass
class SyncedInspection:
    """An inspection sent from the phone; `repeated` when its key had arrived before; `conflict` lists what
    changed on the batch since the pack, when a suspension or recall was held for the inspector to decide."""

    inspection: Inspection
    repeated: bool = False
    conflict: list[str] = field(default_factory=list)
    affected: list = field(default_factory=list)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inspection, name)


def _by_key(session: Session, inspector: User, key: str) -> Inspection | None:
    found = session.scalar(select(Inspection).where(Inspection.client_key == key))
    if found is not None and found.inspector_id != inspector.id:
        raise Conflict(_("This key belongs to another inspector's record; the phone must make a new one."))
    return found


def changes_since(session: Session, batch: Batch, version: str) -> list[str]:
    """What happened to the batch since the pack recorded `version`; empty when nothing did."""
    if version == batch_version(batch):
        return []
    since = _version_time(version)
    seen = version.partition("@")[0]
    changes = []
    if seen != batch.status.value:
        changes.append(_("The batch is now: %(status)s.", status=label(batch.status)))
        if batch.status_reason:
            changes.append(_("Reason") + ": " + batch.status_reason)
    if since is not None:
        for m in session.scalars(select(Amendment).where(Amendment.batch_id == batch.id, Amendment.created_at > since)):
            changes.append(
                _(
                    "Amendment of %(when)s: %(field)s → %(value)s.",
                    when=_dt(m.created_at),
                    field=fact_label(m.field),
                    value=fact_value(m.field, m.new_value),
                )
            )
    return changes or [_("The batch's record changed since the field pack was prepared.")]


def sync_inspection(session: Session, inspector: User, data: dict[str, Any]) -> SyncedInspection:
    """Record an inspection the phone kept, once per `client_key`.

    A suspension or recall is carried out when the batch is as the pack saw it (`batch_version`); otherwise
    the inspection is recorded without it and the action is held until the inspector decides.
    """
    services.require_inspector(inspector)
    key = data["client_key"]
    existing = _by_key(session, inspector, key)
    if existing is not None:
        return SyncedInspection(existing, repeated=True, conflict=_held_conflict(session, existing))
    action = data.get("action") or InspectionAction.NONE
    seen = data.get("batch_version")
    conflict: list[str] = []
    if action in (InspectionAction.SUSPEND, InspectionAction.RECALL) and data.get("batch_id"):
        batch = session.get(Batch, data["batch_id"])
        if batch is not None:
            # outside the agency's scope: the inspection is kept, the action held with the reason (applying it
            # is refused the same way)
            out_of_scope = scope.refusal(session, inspector, batch)
            if out_of_scope:
                conflict = [out_of_scope]
            elif seen:
                conflict = changes_since(session, batch, seen)
    to_record = {**data, "action": InspectionAction.NONE} if conflict else data
    try:
        with session.begin_nested():  # a send repeated at the same moment: the second one finds the first
            outcome = services.record_inspection(session, inspector, to_record)
            outcome.inspection.client_key = key
            if conflict:
                outcome.inspection.held_action = action
                outcome.inspection.held_reason = (data.get("reason") or data.get("findings") or "")[:500]
            session.flush()
    except IntegrityError:
        existing = _by_key(session, inspector, key)
        if existing is None:
            raise
        return SyncedInspection(existing, repeated=True, conflict=_held_conflict(session, existing))
    return SyncedInspection(outcome.inspection, conflict=conflict, affected=outcome.affected)


def _held_conflict(session: Session, inspection: Inspection) -> list[str]:
    if inspection.held_action is None or inspection.batch is None:
        return []
    return [_("The batch is now: %(status)s.", status=label(inspection.batch.status))]


def decide_held_action(session: Session, inspector: User, inspection: Inspection, decision: str) -> SyncedInspection:
    """The inspector's answer to a held suspension or recall: `apply` it to the batch as it is now, or `drop` it.

    Asked again after it was decided, it answers with the inspection as it stands (the phone may repeat itself).
    """
    services.require_inspector(inspector)
    if inspection.inspector_id != inspector.id:
        raise Forbidden(_("Only the inspector who recorded this inspection can decide on its action."))
    held = inspection.held_action
    if held is None:
        return SyncedInspection(inspection, repeated=True)
    affected: list = []
    if decision == "apply":
        if held == InspectionAction.SUSPEND:
            services.suspend_batch(session, inspector, inspection.batch, inspection.held_reason)
        else:
            affected = services.recall_batch(session, inspector, inspection.batch, inspection.held_reason)
        inspection.action = held
    inspection.held_action = None
    session.flush()
    return SyncedInspection(inspection, affected=affected)


def add_keyed_photo(session: Session, inspector: User, inspection: Inspection, key: str, file: Any) -> Inspection:
    """Add one photo the phone uploads under its own key; the same key again adds nothing."""
    known = session.scalar(select(InspectionPhotoKey).where(InspectionPhotoKey.client_key == key))
    if known is not None:
        if known.inspection_id != inspection.id:
            raise Conflict(_("This key belongs to another inspection's photo; the phone must make a new one."))
        return inspection
    room = services.photo_room(inspector, inspection)
    try:
        with session.begin_nested():
            names = store_photos([file], room)  # removed again if the inspection is not saved with it
            services.add_photos(session, inspector, inspection, names)
            session.add(InspectionPhotoKey(inspection=inspection, client_key=key, photo=names[0]))
            session.flush()
    except IntegrityError:
        session.refresh(inspection)
        if session.scalar(select(InspectionPhotoKey).where(InspectionPhotoKey.client_key == key)) is None:
            raise
    return inspection


def check_key(key: str) -> None:
    """A key made by the phone must be a UUID (the URL carries it)."""
    if not re.fullmatch(CLIENT_KEY, key or ""):
        raise invalid("client_key", _("Not a valid key."), "path")
