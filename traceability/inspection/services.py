"""What inspectors do: record inspections, suspend, resume and recall batches, work consumer reports.

Plain functions: they take the session, the acting inspector and validated data, change rows and flush;
the view or API commits. A status change locks the batch row first, so a publish or amendment running at
the same moment can neither be overwritten by it nor overwrite it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from traceability.accounts.models import Organization, Role, User
from traceability.batches.genealogy import descendants
from traceability.batches.models import Batch, BatchStatus
from traceability.db import utcnow
from traceability.errors import Conflict, Forbidden, NotFound, invalid
from traceability.inspection import scope
from traceability.inspection.models import Inspection, InspectionAction, InspectionResult, InspectionSample
from traceability.inspection.photos import MAX_PHOTOS
from traceability.labels import label
from traceability.notices.services import notify
from traceability.public.models import ConsumerReport, ReportStatus
from traceability.registry.models import Site

# status a batch must have for each action, and the status it gets
_TRANSITIONS = {
    "suspend": ({BatchStatus.PUBLISHED}, BatchStatus.SUSPENDED),
    "resume": ({BatchStatus.SUSPENDED}, BatchStatus.PUBLISHED),
    "recall": ({BatchStatus.PUBLISHED, BatchStatus.SUSPENDED}, BatchStatus.RECALLED),
}


@dataclass
class AffectedBatch:
    """A batch made (directly or through others) from a recalled one, with whom to call about it."""

    batch: Batch
    depth: int  # 1 = made directly from the recalled batch (one step forward)
    organization: Organization
    contacts: list[str] = field(default_factory=list)


@dataclass
class InspectionOutcome:
    """An inspection and, for a recall, the batches it reaches; reads like the inspection (for schemas)."""

    inspection: Inspection
    affected: list[AffectedBatch] = field(default_factory=list)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inspection, name)


@dataclass
class StatusChange:
    """A batch after a status change and, for a recall, the batches it reaches; reads like the batch."""

    batch: Batch
    affected: list[AffectedBatch] = field(default_factory=list)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.batch, name)


def require_inspector(user: User) -> None:
    if user is None or user.role != Role.INSPECTOR:
        raise Forbidden(_("Only inspectors may do this."))


def _lock(session: Session, batch: Batch) -> Batch:
    # SELECT … FOR UPDATE, and refresh what this session holds: another transaction may have changed it.
    locked = session.scalar(
        select(Batch).where(Batch.id == batch.id).with_for_update().execution_options(populate_existing=True)
    )
    if locked is None:
        raise NotFound(_("Not found."))
    return locked


def _change_status(session: Session, inspector: User, batch: Batch, action: str, reason: str | None) -> Batch:
    require_inspector(inspector)
    reason = (reason or "").strip()
    if not reason:
        raise invalid("reason", _("Give a reason; the producer and, for a recall, consumers will see it."))
    if len(reason) > 500:
        raise invalid("reason", _("Longer than the maximum length of %(max)s.", max=500))
    batch = _lock(session, batch)
    scope.require_in_scope(session, inspector, batch)
    allowed, new_status = _TRANSITIONS[action]
    if batch.status not in allowed:
        raise Conflict(_refusal(action, batch.status))
    batch.status = new_status
    batch.status_reason = reason
    batch.status_changed_at = utcnow()
    batch.status_agency_id = inspector.agency_id
    session.flush()
    kind = {"suspend": "batch_suspended", "resume": "batch_resumed", "recall": "batch_recalled"}[action]
    notify(session, batch.organization, kind, link=_batch_path(batch), lot=batch.lot_code, reason=reason)
    return batch


def _batch_path(batch: Batch) -> str:
    return f"/app/batches/{batch.id}"  # the producer's page of the batch (a literal: no app needed here)


def _refusal(action: str, status: BatchStatus) -> str:
    now = label(status)
    if action == "suspend":
        return _("Only a published batch can be suspended; this one is: %(status)s.", status=now)
    if action == "resume":
        return _("Only a suspended batch can be resumed; this one is: %(status)s.", status=now)
    return _("Only a published or suspended batch can be recalled; this one is: %(status)s.", status=now)


def suspend_batch(session: Session, inspector: User, batch: Batch, reason: str | None) -> Batch:
    """Take a published batch off sale for now (its public page says so); needs a reason."""
    return _change_status(session, inspector, batch, "suspend", reason)


def resume_batch(session: Session, inspector: User, batch: Batch, reason: str | None) -> Batch:
    """Lift a suspension: the batch is published again; needs a reason."""
    return _change_status(session, inspector, batch, "resume", reason)


def recall_batch(session: Session, inspector: User, batch: Batch, reason: str | None) -> list[AffectedBatch]:
    """Recall a published or suspended batch for good; needs a reason.

    Batches made from it keep their own status: their public pages derive the recall warning from their
    ancestors, so every one of them, however far downstream, shows it from this commit on. Returns those
    batches, nearest first, with their organisations and whom to contact there.
    """
    batch = _change_status(session, inspector, batch, "recall", reason)
    affected = affected_by(session, batch)
    for made in affected:  # every organisation whose batch was made from it, however far downstream
        notify(
            session,
            made.organization,
            "input_recalled",
            link=_batch_path(made.batch),
            lot=made.batch.lot_code,
            input=batch.lot_code,
            input_org=batch.organization.name,
            reason=batch.status_reason,
        )
    return affected


def affected_by(session: Session, batch: Batch) -> list[AffectedBatch]:
    """Every batch made from this one, transitively, nearest first, with organisation contacts."""
    depths = descendants(session, batch.id)
    if not depths:
        return []
    rows = session.scalars(
        select(Batch)
        .where(Batch.id.in_(depths))
        .options(selectinload(Batch.organization).selectinload(Organization.users), selectinload(Batch.product))
    ).all()
    affected = [
        AffectedBatch(batch=b, depth=depths[b.id], organization=b.organization, contacts=_contacts(b.organization))
        for b in rows
    ]
    affected.sort(key=lambda a: (a.depth, a.organization.name, a.batch.lot_code))
    return affected


def _contacts(org: Organization) -> list[str]:
    found = [c for c in (org.phone, org.email) if c]
    for user in org.users:
        if user.is_active:
            found.append(f"{user.full_name} <{user.email}>" + (f" {user.phone}" if user.phone else ""))
    return found


def record_inspection(session: Session, inspector: User, data: dict[str, Any]) -> InspectionOutcome:
    """Record a field check of a batch, a site or an organisation, and carry out its action.

    `data` is what InspectionInSchema loaded. A suspension or recall changes the batch in the same
    transaction, so the inspection and its consequence are saved together or not at all.
    """
    require_inspector(inspector)
    batch = _get(session, Batch, data.get("batch_id"), "batch_id")
    site = _get(session, Site, data.get("site_id"), "site_id")
    org = _get(session, Organization, data.get("organization_id"), "organization_id")
    if batch is not None:
        org = org or batch.organization
        site = site or batch.site
    elif site is not None:
        org = org or site.organization
    if batch is None and site is None and org is None:
        raise invalid("batch_id", _("Say what was inspected: a batch, a site or an organisation."))
    if batch is not None and org.id != batch.organization_id:
        raise invalid("organization_id", _("The batch belongs to another organisation."))
    if site is not None and site.organization_id != org.id:
        raise invalid("site_id", _("The site belongs to another organisation."))

    action = data.get("action") or InspectionAction.NONE
    result = data["result"]
    if action in (InspectionAction.SUSPEND, InspectionAction.RECALL):
        if batch is None:
            raise invalid("action", _("Suspension and recall act on a batch: choose the batch."))
        if result == InspectionResult.COMPLIANT:
            raise invalid("action", _("A compliant result cannot lead to a suspension or a recall."))

    if action in (InspectionAction.SUSPEND, InspectionAction.RECALL):
        scope.require_in_scope(session, inspector, batch)  # before anything is recorded
    inspection = Inspection(
        inspector=inspector,
        agency_id=inspector.agency_id,  # the agency the inspector acted for, kept if they move
        batch=batch,
        site=site,
        organization=org,
        result=result,
        findings=data.get("findings"),
        action=action,
        latitude=data.get("latitude"),
        longitude=data.get("longitude"),
        photos=list(data.get("photos") or []),
        samples=[InspectionSample(**sample) for sample in data.get("samples") or []],
    )
    if data.get("inspected_at"):
        inspection.inspected_at = data["inspected_at"]
    session.add(inspection)
    session.flush()

    what = batch.lot_code if batch is not None else site.name if site is not None else org.name
    notify(
        session,
        org,
        "inspection_recorded",
        link=_batch_path(batch) if batch is not None else None,
        what=what,
        result=InspectionResult(result).value,
    )
    reason = data.get("reason") or data.get("findings")
    affected: list[AffectedBatch] = []
    if action == InspectionAction.SUSPEND:
        suspend_batch(session, inspector, batch, reason)
    elif action == InspectionAction.RECALL:
        affected = recall_batch(session, inspector, batch, reason)
    return InspectionOutcome(inspection=inspection, affected=affected)


def photo_room(inspector: User, inspection: Inspection) -> int:
    """How many more photos the inspector may add to this inspection; only its own inspector adds any."""
    require_inspector(inspector)
    if inspection.inspector_id != inspector.id:
        raise Forbidden(_("Only the inspector who recorded this inspection can add photos to it."))
    return max(MAX_PHOTOS - len(inspection.photos or []), 0)


def add_photos(session: Session, inspector: User, inspection: Inspection, names: list[str]) -> Inspection:
    """Add stored photos (store_photos' file names) to an inspection recorded earlier."""
    if len(names) > photo_room(inspector, inspection):
        raise invalid("photos", _("At most %(n)s photos.", n=MAX_PHOTOS), location="files")
    inspection.photos = [*(inspection.photos or []), *names]  # a new list: the JSON column sees the change
    session.flush()
    return inspection


def _get(session: Session, model: type, obj_id: int | None, field_name: str) -> Any:
    if obj_id is None:
        return None
    obj = session.get(model, obj_id)
    if obj is None:
        raise invalid(field_name, _("No such record."))
    return obj


# Consumer reports: new → in review → resolved or dismissed; a closed report may be reopened for review.
_CLOSED = {ReportStatus.RESOLVED, ReportStatus.DISMISSED}


def update_report(session: Session, inspector: User, report: ConsumerReport, data: dict[str, Any]) -> ConsumerReport:
    """Move a consumer report along and/or write the reply the reporter reads through the receipt."""
    require_inspector(inspector)
    status = data.get("status", report.status)
    reply = data.get("reply", report.reply)
    if status == ReportStatus.NEW and report.status != ReportStatus.NEW:
        raise invalid("status", _("A report that has been looked at cannot go back to new."))
    if report.status in _CLOSED and status in _CLOSED and status != report.status:
        raise invalid("status", _("Reopen the report for review first."))
    if status in _CLOSED and not (reply or "").strip():
        raise invalid("reply", _("Write a reply: the person who reported it will read it."))
    report.status = status
    report.reply = reply
    report.handled_by = inspector
    session.flush()
    return report
