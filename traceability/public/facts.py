"""What the consumer's page says about a code: the facts, the status at a glance and the warnings."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from flask_babel import format_date
from flask_babel import gettext as _
from sqlalchemy import or_, select
from sqlalchemy.orm import Session, joinedload, selectinload

from traceability.accounts.models import Organization
from traceability.batches.models import Batch, BatchInput, BatchStatus, ChemicalApplication, Event
from traceability.codes.models import Code, CodeKind
from traceability.inspection.models import Inspection
from traceability.labels import label
from traceability.public.lookup import Freshness, code_path
from traceability.public.scans import Verification
from traceability.registry.models import Certification, Product, Site
from traceability.shipments.chain import chain_of, continued_lots, grown_in

LATEST_INSPECTIONS = 3


@dataclass
class Warning:
    kind: str  # recall, suspension, expired, suspected_copy, unverified_producer
    message: str
    since: dt.datetime | dt.date | None = None
    level: str = "bad"  # bad (red) or warn (amber), for the page's colours
    input_batch: Batch | None = None
    input_path: str | None = None


@dataclass
class InputLine:
    batch: Batch
    quantity: Decimal
    path: str | None  # its public page, when it has one


@dataclass
class ChemicalLine:
    application: ChemicalApplication
    days_before_harvest: int | None
    phi_respected: bool | None  # None when the harvest date or the interval is unknown


@dataclass
class CertificationLine:
    certification: Certification
    is_valid_now: bool


@dataclass
class Page:
    code: Code
    path: str
    batch: Batch
    product: Product
    producer: Organization
    origin: Site | None
    status: str
    warnings: list[Warning]
    verification: Verification
    inputs: list[InputLine] = field(default_factory=list)
    chemicals: list[ChemicalLine] = field(default_factory=list)
    certifications: list[CertificationLine] = field(default_factory=list)
    inspections: list[Inspection] = field(default_factory=list)
    chain: list[dict] = field(default_factory=list)  # the actors from origin to this lot (shipments.chain)
    # a lot passed on unchanged (a shop's received lot) continues its supplier's: that lot, whose facts it shows
    continues: Batch | None = None
    # where the raw materials of processed goods were grown (not the factory): [{name, place, area_code, …}]
    origins: list[dict] = field(default_factory=list)
    more_origins: int = 0
    stages: list[Event] | None = None
    tests: list | None = None

    @property
    def events(self):
        # a spraying shows once, under the chemicals; a passed-on lot shows its own steps after the supplier's facts
        return self.batch.diary_events if self.stages is None else self.stages

    @property
    def lab_tests(self):
        return self.batch.lab_tests if self.tests is None else self.tests

    @property
    def amendments(self):
        return self.batch.amendments

    @property
    def level(self) -> str:
        """ok, warn or bad: the colour of the verdict at the top of the page."""
        if self.status == BatchStatus.RECALLED or any(w.level == "bad" for w in self.warnings):
            return "bad"
        return "warn" if self.warnings else "ok"


def clause(text: str | None) -> str:
    """An inspector's reason as written, set inside a sentence: without its own final full stop."""
    return (text or "").strip().rstrip(".").rstrip()


def _day(value: dt.date | dt.datetime | None) -> str:
    return format_date(value, "medium") if value else ""


def batch_status(batch: Batch, flagged: list[Batch], today: dt.date) -> str:
    """recalled (itself or anything it was made from), suspended, expired or published."""
    if batch.status == BatchStatus.RECALLED or any(b.status == BatchStatus.RECALLED for b in flagged):
        return BatchStatus.RECALLED.value
    if batch.status == BatchStatus.SUSPENDED:
        return BatchStatus.SUSPENDED.value
    if batch.expires_on is not None and batch.expires_on < today:
        return "expired"
    return BatchStatus.PUBLISHED.value


def copy_warning(verification: Verification) -> Warning:
    """The warning of a unit code scanned by too many clients (the one warning that changes with every scan)."""
    return Warning(
        "suspected_copy",
        _(
            "This unit code has been scanned %(count)d times since %(day)s: the label may have been copied. "
            "If this is your first scan, the product may be fake — please report it.",
            count=verification.scan_count,
            day=_day(verification.first_scanned_at),
        ),
        verification.first_scanned_at,
    )


def _warnings(session: Session, batch: Batch, fresh: Freshness, verification: Verification) -> list[Warning]:
    found: list[Warning] = []
    reason = clause(batch.status_reason) or _("no reason given")
    if batch.status == BatchStatus.RECALLED:
        found.append(
            Warning(
                "recall",
                _(
                    "This batch was recalled on %(day)s: %(reason)s. Do not use it.",
                    day=_day(batch.status_changed_at),
                    reason=reason,
                ),
                batch.status_changed_at,
            )
        )
    elif batch.status == BatchStatus.SUSPENDED:
        found.append(
            Warning(
                "suspension",
                _(
                    "Inspectors suspended this batch on %(day)s while they check it: %(reason)s.",
                    day=_day(batch.status_changed_at),
                    reason=reason,
                ),
                batch.status_changed_at,
                level="warn",
            )
        )
    flagged = fresh.flagged_ancestors
    lot_codes = {}
    if flagged:  # the lot codes of every flagged input at once, for the links to their pages
        query = select(Code).where(Code.batch_id.in_([b.id for b in flagged]), Code.kind == CodeKind.LOT)
        lot_codes = {code.batch_id: code for code in session.scalars(query)}
    for upstream in flagged:
        code = lot_codes.get(upstream.id)
        name = f"{upstream.product.name} ({upstream.lot_code})"
        why = clause(upstream.status_reason) or _("no reason given")
        if upstream.status == BatchStatus.RECALLED:
            message = _(
                "Made from %(input)s, which was recalled on %(day)s: %(reason)s. Do not use this product.",
                input=name,
                day=_day(upstream.status_changed_at),
                reason=why,
            )
            kind, level = "recall", "bad"
        else:
            message = _(
                "Made from %(input)s, which inspectors suspended on %(day)s while they check it: %(reason)s.",
                input=name,
                day=_day(upstream.status_changed_at),
                reason=why,
            )
            kind, level = "suspension", "warn"
        found.append(
            Warning(kind, message, upstream.status_changed_at, level, upstream, code_path(code) if code else None)
        )
    if batch.expires_on is not None and batch.expires_on < fresh.today:
        found.append(Warning("expired", _("Expired on %(day)s.", day=_day(batch.expires_on)), batch.expires_on))
    if verification.suspected_copy:
        found.append(copy_warning(verification))
    if not batch.organization.is_verified:
        found.append(
            Warning(
                "unverified_producer",
                _("The registry has not verified this producer's identity."),
                batch.organization.status_changed_at,
                level="warn",
            )
        )
    return found


def _chemical_line(application: ChemicalApplication, harvested_on: dt.date | None) -> ChemicalLine:
    if harvested_on is None:
        return ChemicalLine(application, None, None)
    days = (harvested_on - application.applied_on).days
    respected = None if application.phi_days is None else days >= application.phi_days
    return ChemicalLine(application, days, respected)


def _inputs(session: Session, batch: Batch) -> list[InputLine]:
    rows = session.execute(
        select(BatchInput, Code)
        .options(joinedload(BatchInput.input_batch).joinedload(Batch.product))
        .outerjoin(Code, (Code.batch_id == BatchInput.input_batch_id) & (Code.kind == CodeKind.LOT))
        .where(BatchInput.batch_id == batch.id)
        .order_by(BatchInput.id)
    ).all()
    lines = []
    for edge, code in rows:
        public = code is not None and edge.input_batch.is_public and not code.is_revoked
        lines.append(InputLine(edge.input_batch, edge.quantity, code_path(code) if public else None))
    return lines


# what a page shows of its batch's records: give them to load_code, one query a list
PAGE_RECORDS = (
    selectinload(Batch.events).joinedload(Event.site),  # each stage shows where it happened
    selectinload(Batch.chemicals),
    selectinload(Batch.lab_tests),
    selectinload(Batch.amendments),
)


def _certifications(session: Session, lots: list[Batch]) -> list[Certification]:
    """The certificates of each lot's organisation, for the whole organisation or the lot's site, once each."""
    where = [
        (Certification.organization_id == lot.organization_id)
        & or_(Certification.site_id.is_(None), Certification.site_id == lot.site_id)
        for lot in lots
    ]
    return list(session.scalars(select(Certification).where(or_(*where)).order_by(Certification.valid_from.desc())))


def build_page(session: Session, code: Code, fresh: Freshness, verification: Verification) -> Page:
    """Everything the page and its JSON show, loaded in a handful of queries (the code by
    `load_code(session, found, *PAGE_RECORDS)`).

    A lot passed on unchanged (received from a supplier of the registry, perhaps through several traders) shows the
    facts of the lot it continues as that supplier published them: origin, chemicals, lab tests, certificates and
    stages, followed by the holder's own stages (storing, shipping). Processed goods show where their raw
    materials were grown, however many organisations upstream."""
    batch = code.batch
    inputs = _inputs(session, batch)
    path = continued_lots(session, batch, PAGE_RECORDS) if inputs else []
    source = path[-1] if path else batch  # the lot whose own facts (origin, chemicals) the product carries
    lots = [*reversed(path), batch]  # from the supplier's lot to this one
    certifications = _certifications(session, lots)
    inspections = session.scalars(
        select(Inspection)
        .where(
            or_(
                Inspection.batch_id == batch.id,
                Inspection.site_id == batch.site_id,
                Inspection.organization_id == batch.organization_id,
            )
        )
        .order_by(Inspection.inspected_at.desc())
        .limit(LATEST_INSPECTIONS)
    ).all()
    source_has_inputs = bool(inputs) if source is batch else bool(source.inputs)
    # the factory is not where the product comes from: its raw materials' growing areas are (a household's
    # delivery, which has no site of the organisation, likewise)
    origins, more_origins = grown_in(session, source) if source_has_inputs or source.site is None else ([], 0)
    return Page(
        code=code,
        path=code_path(code),
        batch=batch,
        product=batch.product,
        producer=batch.organization,
        origin=source.site,
        status=batch_status(batch, fresh.flagged_ancestors, fresh.today),
        warnings=_warnings(session, batch, fresh, verification),
        verification=verification,
        inputs=inputs,
        chemicals=[_chemical_line(c, lot.harvested_on) for lot in lots for c in lot.chemicals],
        certifications=[CertificationLine(c, c.is_valid_on(fresh.today)) for c in certifications],
        inspections=list(inspections),
        chain=chain_of(session, batch),
        continues=source if path else None,
        origins=origins,
        more_origins=more_origins,
        stages=[e for lot in lots for e in lot.events] if path else None,
        tests=[t for lot in lots for t in lot.lab_tests] if path else None,
    )


def chemical_sentence(line: ChemicalLine) -> str:
    """The application in plain words, with its pre-harvest-interval verdict."""
    app = line.application
    text = _(
        "%(purpose)s %(name)s (%(ingredient)s) applied on %(day)s.",
        purpose=label(app.purpose),
        name=app.trade_name,
        ingredient=app.active_ingredient,
        day=_day(app.applied_on),
    )
    if line.phi_respected is None:
        if app.phi_days is None:
            return text + " " + _("No waiting time before harvest was recorded.")
        return text + " " + _("Waiting time before harvest: %(phi)d days.", phi=app.phi_days)
    if line.phi_respected:
        return (
            text
            + " "
            + _(
                "Harvested %(days)d days later; the required waiting time is %(phi)d days — respected.",
                days=line.days_before_harvest,
                phi=app.phi_days,
            )
        )
    return (
        text
        + " "
        + _(
            "Harvested only %(days)d days later; the required waiting time is %(phi)d days — NOT respected.",
            days=line.days_before_harvest,
            phi=app.phi_days,
        )
    )
