"""The numbers behind the dashboards and the yearly report, for a period of local (Việt Nam) dates.

`in_scope` (scope.scope_filter, a condition on `Batch`; None for the whole province) limits every figure to an
agency's batches: the inspections, codes, scans, reports and recalls of those batches, and the organisations and
products that have one.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, Select, and_, func, select
from sqlalchemy.orm import Session, aliased, selectinload

from traceability.accounts.models import Organization, OrgStatus
from traceability.batches.genealogy import descendants
from traceability.batches.models import Batch, BatchStatus
from traceability.codes.models import Code, Scan
from traceability.inspection.models import Inspection
from traceability.inspection.scope import responsible
from traceability.public.models import ConsumerReport
from traceability.reference.models import Agency, Commune, ProductCategory
from traceability.registry.models import Product, Site

LOCAL_TZ = ZoneInfo("Asia/Ho_Chi_Minh")
UNKNOWN = "—"


@dataclass(frozen=True)
class Period:
    """From the first to the last day, both included, in local time."""

    first_on: dt.date
    last_on: dt.date

    @property
    def start(self) -> dt.datetime:
        return dt.datetime.combine(self.first_on, dt.time(), LOCAL_TZ).astimezone(dt.UTC)

    @property
    def end(self) -> dt.datetime:  # exclusive
        return dt.datetime.combine(self.last_on + dt.timedelta(days=1), dt.time(), LOCAL_TZ).astimezone(dt.UTC)

    @classmethod
    def year(cls, year: int) -> Period:
        return cls(dt.date(year, 1, 1), dt.date(year, 12, 31))

    def covers(self, column):
        return and_(column >= self.start, column < self.end)


def local_today() -> dt.date:
    return dt.datetime.now(LOCAL_TZ).date()


def _count_by(session: Session, key, stmt: Select) -> list[tuple[str, int]]:
    """(value, count) pairs, largest first; a missing value is shown as a dash."""
    rows = session.execute(stmt.add_columns(key, func.count()).group_by(key)).all()
    pairs = [(value if value not in (None, "") else UNKNOWN, count) for value, count in rows]
    return sorted(pairs, key=lambda p: (-p[1], str(p[0])))


def _by_category(session: Session, stmt: Select) -> list[tuple[ProductCategory | str, int]]:
    """Counts per entry of the category list (shown in the page's language), largest first."""
    entries = {c.code: c for c in session.scalars(select(ProductCategory))}
    return [(entries.get(code, code), n) for code, n in _count_by(session, Product.category_code, stmt)]


SITE_COMMUNE = aliased(Commune, name="site_commune")
ORG_COMMUNE = aliased(Commune, name="org_commune")


Scope = ColumnElement[bool] | None


def _within(column, in_scope: Scope) -> list[ColumnElement[bool]]:
    """A condition keeping the rows whose batch (`column`, a batch id) is in scope; none for the whole province.
    The scope's batches are a subquery of their own: its correlated parts then refer to its rows, never to the
    tables the outer query joins."""
    return [] if in_scope is None else [column.in_(select(Batch.id).where(in_scope))]


def _published_in(period: Period, in_scope: Scope = None) -> Select:
    # the batch's origin commune, or its organisation's when the batch has no origin site
    return (
        select()
        .select_from(Batch)
        .join(Product, Batch.product_id == Product.id)
        .join(Organization, Batch.organization_id == Organization.id)
        .outerjoin(Site, Batch.site_id == Site.id)
        .outerjoin(SITE_COMMUNE, Site.commune_code == SITE_COMMUNE.code)
        .outerjoin(ORG_COMMUNE, Organization.commune_code == ORG_COMMUNE.code)
        .where(Batch.status != BatchStatus.DRAFT, period.covers(Batch.published_at), *_within(Batch.id, in_scope))
    )


# the list's name where the place chose a commune of the list; the text typed otherwise (old or outside data)
COMMUNE = func.coalesce(SITE_COMMUNE.name, Site.commune, ORG_COMMUNE.name, Organization.commune)


@dataclass
class Dashboard:
    period: Period
    batches_total: int
    batches_by_commune: list[tuple[str, int]]
    batches_by_category: list[tuple[str, int]]
    batches_by_status: list[tuple[str, int]]
    inspections_by_result: list[tuple[str, int]]
    inspections_by_action: list[tuple[str, int]]
    reports_by_kind: list[tuple[str, int]]
    reports_by_status: list[tuple[str, int]]


def _inspections_in(period: Period, in_scope: Scope) -> Select:
    return (
        select()
        .select_from(Inspection)
        .where(period.covers(Inspection.inspected_at), *_within(Inspection.batch_id, in_scope))
    )


def _reports_in(period: Period, in_scope: Scope) -> Select:
    return (
        select()
        .select_from(ConsumerReport)
        .where(period.covers(ConsumerReport.created_at), *_within(ConsumerReport.batch_id, in_scope))
    )


def dashboard(session: Session, period: Period, in_scope: Scope = None) -> Dashboard:
    """Batches published in the period (by commune, category, current status), inspections and reports."""
    published = _published_in(period, in_scope)
    inspections = _inspections_in(period, in_scope)
    reports = _reports_in(period, in_scope)
    by_status = _count_by(session, Batch.status, published)
    return Dashboard(
        period=period,
        batches_total=sum(n for _s, n in by_status),
        batches_by_commune=_count_by(session, COMMUNE, published),
        batches_by_category=_by_category(session, published),
        batches_by_status=by_status,
        inspections_by_result=_count_by(session, Inspection.result, inspections),
        inspections_by_action=_count_by(session, Inspection.action, inspections),
        reports_by_kind=_count_by(session, ConsumerReport.kind, reports),
        reports_by_status=_count_by(session, ConsumerReport.status, reports),
    )


@dataclass
class Recall:
    batch: Batch
    downstream: int  # batches made from it, transitively


@dataclass
class YearlyReport:
    period: Period
    organizations: dict[str, int]
    organizations_by_kind: list[tuple[str, int]]
    products: dict[str, int]
    products_by_category: list[tuple[str, int]]
    batches_published: int
    batches_by_category: list[tuple[str, int]]
    batches_by_commune: list[tuple[str, int]]
    codes_by_kind: list[tuple[str, int]]
    scans: dict[str, int]
    reports_by_kind: list[tuple[str, int]]
    reports_by_status: list[tuple[str, int]]
    inspections_by_result: list[tuple[str, int]]
    inspections_by_action: list[tuple[str, int]]
    recalls: list[Recall] = field(default_factory=list)
    by_agency: list[AgencyFigures] | None = None  # the province's report only

    @property
    def codes_issued(self) -> int:
        return sum(n for _k, n in self.codes_by_kind)

    @property
    def reports_total(self) -> int:
        return sum(n for _k, n in self.reports_by_kind)

    @property
    def inspections_total(self) -> int:
        return sum(n for _k, n in self.inspections_by_result)


def _scalar_count(session: Session, stmt: Select) -> int:
    return session.scalar(stmt.add_columns(func.count())) or 0


def yearly_report(session: Session, period: Period, in_scope: Scope = None, by_agency: bool = False) -> YearlyReport:
    """Every figure of the yearly report for the period; `by_agency` adds the table of `agency_figures`."""
    # an agency's organisations and products: those with a batch in its scope
    orgs_in = [] if in_scope is None else [Organization.id.in_(select(Batch.organization_id).where(in_scope))]
    products_in = [] if in_scope is None else [Product.id.in_(select(Batch.product_id).where(in_scope))]
    orgs_then = select().select_from(Organization).where(Organization.created_at < period.end, *orgs_in)
    new_orgs = select().select_from(Organization).where(period.covers(Organization.created_at), *orgs_in)
    products_then = select().select_from(Product).where(Product.created_at < period.end, *products_in)
    new_products = select().select_from(Product).where(period.covers(Product.created_at), *products_in)
    published = _published_in(period, in_scope)
    codes_in = _within(Code.batch_id, in_scope)
    codes = select().select_from(Code).where(period.covers(Code.created_at), *codes_in)
    scans_in = [] if in_scope is None else [Scan.code_id.in_(select(Code.id).where(*codes_in))]
    scans = select().select_from(Scan).where(period.covers(Scan.scanned_at), *scans_in)
    # one index probe per code: a DISTINCT over a year of scans sorts them all
    scanned_codes = (
        select()
        .select_from(Code)
        .where(select(Scan.id).where(Scan.code_id == Code.id, period.covers(Scan.scanned_at)).exists(), *codes_in)
    )
    reports = _reports_in(period, in_scope)
    inspections = _inspections_in(period, in_scope)
    recalled = session.scalars(
        select(Batch)
        .where(
            Batch.status == BatchStatus.RECALLED,
            period.covers(Batch.status_changed_at),
            *_within(Batch.id, in_scope),
        )
        .options(selectinload(Batch.product), selectinload(Batch.organization))  # the report names both
        .order_by(Batch.status_changed_at)
    ).all()
    return YearlyReport(
        period=period,
        organizations={
            "registered": _scalar_count(session, orgs_then),
            "new": _scalar_count(session, new_orgs),
            "verified": _scalar_count(session, orgs_then.where(Organization.status == OrgStatus.VERIFIED)),
        },
        organizations_by_kind=_count_by(session, Organization.kind, orgs_then),
        products={"registered": _scalar_count(session, products_then), "new": _scalar_count(session, new_products)},
        products_by_category=_by_category(session, products_then),
        batches_published=_scalar_count(session, published),
        batches_by_category=_by_category(session, published),
        batches_by_commune=_count_by(session, COMMUNE, published),
        codes_by_kind=_count_by(session, Code.kind, codes),
        scans={
            "scans": _scalar_count(session, scans),
            "codes": _scalar_count(session, scanned_codes),
        },
        reports_by_kind=_count_by(session, ConsumerReport.kind, reports),
        reports_by_status=_count_by(session, ConsumerReport.status, reports),
        inspections_by_result=_count_by(session, Inspection.result, inspections),
        inspections_by_action=_count_by(session, Inspection.action, inspections),
        recalls=[Recall(batch=b, downstream=len(descendants(session, b.id))) for b in recalled],
        by_agency=agency_figures(session, period) if by_agency else None,
    )


@dataclass
class AgencyFigures:
    """One row of the province's report by agency; `agency` None: what no agency covers."""

    agency: Agency | None
    batches_published: int = 0
    inspections: int = 0
    suspended_or_recalled: int = 0
    reports: int = 0

    def add(self, other: AgencyFigures) -> None:
        self.batches_published += other.batches_published
        self.inspections += other.inspections
        self.suspended_or_recalled += other.suspended_or_recalled
        self.reports += other.reports


# a batch's commune as scope.batch_commune reads it: its origin site's, else its organisation's
_PLACE = func.coalesce(Site.commune_code, Organization.commune_code)


def agency_figures(session: Session, period: Period) -> list[AgencyFigures]:
    """The key figures of the period shared out among the agencies, each counted once, so the rows add up to the
    province's: a batch (its inspections, its suspension or recall) counts for the agency in charge of its commune
    and category, the one its consumer reports go to (scope.agency_for's rule); a report counts for the agency it
    was sent to. Agencies by name, then the row of what no agency covers."""
    agencies = list(
        session.scalars(
            select(Agency).options(selectinload(Agency.communes), selectinload(Agency.categories)).order_by(Agency.name)
        )
    )
    rows = {a.id: AgencyFigures(a) for a in agencies}
    nobody = AgencyFigures(None)
    owners: dict[tuple[str | None, str | None], AgencyFigures] = {}

    def row_of(commune: str | None, category: str | None) -> AgencyFigures:
        if (commune, category) not in owners:
            agency = responsible(agencies, commune, category)
            owners[commune, category] = rows[agency.id] if agency else nobody
        return owners[commune, category]

    def per_place(stmt: Select) -> list[tuple[str | None, str | None, int]]:
        # one row per (commune, category): a province has a few hundred, whatever its number of batches
        return session.execute(
            stmt.add_columns(_PLACE, Product.category_code, func.count()).group_by(_PLACE, Product.category_code)
        ).all()

    for commune, category, n in per_place(_published_in(period)):
        row_of(commune, category).batches_published += n
    # an inspection of an organisation without a batch: the organisation's commune, no category
    inspections = (
        select()
        .select_from(Inspection)
        .outerjoin(Batch, Inspection.batch_id == Batch.id)
        .outerjoin(Product, Batch.product_id == Product.id)
        .outerjoin(Site, Batch.site_id == Site.id)
        .outerjoin(Organization, Organization.id == func.coalesce(Batch.organization_id, Inspection.organization_id))
        .where(period.covers(Inspection.inspected_at))
    )
    for commune, category, n in per_place(inspections):
        row_of(commune, category).inspections += n
    stopped = (
        select()
        .select_from(Batch)
        .join(Product, Batch.product_id == Product.id)
        .join(Organization, Batch.organization_id == Organization.id)
        .outerjoin(Site, Batch.site_id == Site.id)
        .where(Batch.status.in_([BatchStatus.SUSPENDED, BatchStatus.RECALLED]), period.covers(Batch.status_changed_at))
    )
    for commune, category, n in per_place(stopped):
        row_of(commune, category).suspended_or_recalled += n
    sent = session.execute(
        select(ConsumerReport.agency_id, func.count())
        .where(period.covers(ConsumerReport.created_at))
        .group_by(ConsumerReport.agency_id)
    )
    for agency_id, n in sent:
        rows.get(agency_id, nobody).reports += n
    return [*rows.values(), nobody]


def total(rows: list[AgencyFigures]) -> AgencyFigures:
    """The province's figures: the sum of the rows."""
    summed = AgencyFigures(None)
    for row in rows:
        summed.add(row)
    return summed
