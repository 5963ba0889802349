"""Finding a batch fast (a scanned QR, a typed code, a search) and gathering its full record."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session, contains_eager, selectinload

from traceability.accounts.models import Organization
from traceability.batches.genealogy import ancestors, descendants
from traceability.batches.models import Amendment, Batch, BatchInput, BatchStatus, PublishAttempt
from traceability.codes.identifiers import CheckCharacterError, CodeFormatError, normalise
from traceability.codes.models import Code, CodeKind, Scan
from traceability.codes.services import code_summary, lot_code_for
from traceability.codes.urls import parse_code_url
from traceability.inspection.models import Inspection
from traceability.public.models import ConsumerReport
from traceability.registry.models import Product, Site
from traceability.search import matches

SEARCH_LIMIT = 50


class MistypedCode(ValueError):
    """The text looks like a code but its check character is wrong."""


@dataclass
class CodeLookup:
    batch: Batch | None


def resolve_scanned(session: Session, text: str) -> CodeLookup | None:
    """The batch behind what a scanner read or a person typed: a registry URL or a bare code.

    None when the text is not a code at all (then it is a search); MistypedCode when the check
    character is wrong; a CodeLookup whose batch is None when the code is well formed but unknown.
    URLs are read by the registry's one parser (`codes.urls.parse_code_url`), as the resolver reads them.
    """
    text = text.strip()
    if "/01/" not in text and "/c/" not in text:
        return _by_code(session, text)
    try:
        link = parse_code_url(text)
    except CheckCharacterError as exc:
        raise MistypedCode(text) from exc
    except ValueError:  # a malformed link or not a code: a search after all
        return None
    if isinstance(link, str):
        return _by_code(session, link)
    if link.serial is not None:
        try:
            found = _by_code(session, link.serial)
        except MistypedCode:
            found = None  # a serial of the producer's own, not one of our codes: the lot still tells
        if found is not None and found.batch is not None:
            return found
    if link.lot is None:
        return CodeLookup(batch=None)
    batch = session.scalar(select(Batch).join(Product).where(Product.gtin == link.gtin, Batch.lot_code == link.lot))
    return CodeLookup(batch=batch)


def _by_code(session: Session, text: str) -> CodeLookup | None:
    try:
        value = normalise(text)
    except CheckCharacterError as exc:
        raise MistypedCode(text) from exc
    except CodeFormatError:
        return None
    code = session.scalar(select(Code).where(Code.value == value))
    return CodeLookup(batch=code.batch if code else None)


def search_batches(session: Session, query: str = "", status: str | None = None) -> list[Batch]:
    """Batches whose lot code, product, producer or commune contains the words typed (all of them)."""
    commune = func.coalesce(Site.commune, Organization.commune)
    stmt = (
        select(Batch)
        .join(Product, Batch.product_id == Product.id)
        .join(Organization, Batch.organization_id == Organization.id)
        .outerjoin(Site, Batch.site_id == Site.id)
    )
    # without accents: "ba xuyen" finds "Bá Xuyên" (traceability/search.py)
    stmt = stmt.where(
        matches(query, Batch.lot_code, Product.name, Organization.name, Organization.tax_code, commune, Site.name)
    )
    if status in {s.value for s in BatchStatus}:
        stmt = stmt.where(Batch.status == status)
    # the results list each batch's product, producer and commune: taken from the joins already made
    stmt = stmt.options(contains_eager(Batch.product), contains_eager(Batch.organization), contains_eager(Batch.site))
    stmt = stmt.order_by(Batch.created_at.desc(), Batch.id.desc()).limit(SEARCH_LIMIT)
    return list(session.scalars(stmt))


@dataclass
class TreeNode:
    batch: Batch
    children: list[TreeNode] = field(default_factory=list)
    repeated: bool = False  # already on the path from the root: a cycle in the records, not followed


@dataclass
class Paged:
    """One page of a list that may be long (a batch's unit codes, its reports): the rows and where they sit."""

    items: list
    page: int
    per_page: int
    total: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))

    @property
    def first(self) -> int:  # position of the page's first row, from 1
        return (self.page - 1) * self.per_page + 1 if self.items else 0

    @property
    def last(self) -> int:
        return self.first + len(self.items) - 1 if self.items else 0


@dataclass
class BatchRecord:
    """Everything an inspector sees about a batch, including what the public page leaves out.

    A batch may have 100,000 unit codes and many reports: they come as counts and one page each, never whole.
    """

    batch: Batch
    lot_code: Code | None
    code_summary: dict  # unit codes issued, active, revoked, scanned, unscanned; scans and last_scanned_at
    codes: Paged  # of unit codes, in issuing order
    scan_counts: dict[int, int]  # scans of the lot code and of the unit codes on the page
    attempts: list[PublishAttempt]
    amendments: list[Amendment]
    reports: Paged  # newest first
    inspections: list[Inspection]
    upstream: TreeNode
    downstream: TreeNode
    recalled_ancestors: list[Batch]


CODES_PER_PAGE = 50
REPORTS_PER_PAGE = 20


def _page_of(total: int, page: int, per_page: int) -> int:
    """The page asked for, within the pages there are."""
    return min(max(1, page), max(1, -(-total // per_page)))


def batch_record(session: Session, batch: Batch, codes_page: int = 1, reports_page: int = 1) -> BatchRecord:
    """The batch's full record and its genealogy, both ways, as trees; one page of its unit codes and reports."""
    lot = lot_code_for(session, batch)
    summary = code_summary(session, batch)
    codes_page = _page_of(summary["issued"], codes_page, CODES_PER_PAGE)
    unit_codes = list(
        session.scalars(
            select(Code)
            .where(Code.batch_id == batch.id, Code.kind == CodeKind.SERIAL)
            .order_by(Code.id)
            .offset((codes_page - 1) * CODES_PER_PAGE)
            .limit(CODES_PER_PAGE)
        )
    )
    shown_ids = [c.id for c in unit_codes] + ([lot.id] if lot else [])
    scan_counts: dict[int, int] = {}
    if shown_ids:
        scan_counts = dict(
            session.execute(
                select(Scan.code_id, func.count()).where(Scan.code_id.in_(shown_ids)).group_by(Scan.code_id)
            ).all()
        )
    report_total = session.scalar(
        select(func.count()).select_from(ConsumerReport).where(ConsumerReport.batch_id == batch.id)
    )
    reports_page = _page_of(report_total, reports_page, REPORTS_PER_PAGE)
    reports = list(
        session.scalars(
            select(ConsumerReport)
            .where(ConsumerReport.batch_id == batch.id)
            .order_by(ConsumerReport.created_at.desc(), ConsumerReport.id.desc())
            .offset((reports_page - 1) * REPORTS_PER_PAGE)
            .limit(REPORTS_PER_PAGE)
        )
    )
    up = ancestors(session, batch.id)
    down = descendants(session, batch.id)
    related = {batch.id, *up, *down}
    # every tree node shows its product and producer: loaded here, not once per node while rendering
    named = (selectinload(Batch.product), selectinload(Batch.organization))
    batches = {b.id: b for b in session.scalars(select(Batch).where(Batch.id.in_(related)).options(*named))}
    edges = session.execute(
        select(BatchInput.batch_id, BatchInput.input_batch_id).where(
            or_(BatchInput.batch_id.in_(related), BatchInput.input_batch_id.in_(related))
        )
    ).all()
    inputs_of: dict[int, list[int]] = {}
    made_into: dict[int, list[int]] = {}
    for made, used in edges:
        if made in batches and used in batches:
            inputs_of.setdefault(made, []).append(used)
            made_into.setdefault(used, []).append(made)
    return BatchRecord(
        batch=batch,
        lot_code=lot,
        code_summary=summary,
        codes=Paged(unit_codes, codes_page, CODES_PER_PAGE, summary["issued"]),
        scan_counts=scan_counts,
        attempts=list(
            session.scalars(
                select(PublishAttempt)
                .where(PublishAttempt.batch_id == batch.id)
                .order_by(PublishAttempt.attempted_at.desc())
            )
        ),
        amendments=list(batch.amendments),
        reports=Paged(reports, reports_page, REPORTS_PER_PAGE, report_total),
        inspections=list(
            session.scalars(
                select(Inspection)
                .where(Inspection.batch_id == batch.id)
                .options(selectinload(Inspection.inspector), selectinload(Inspection.samples))
                .order_by(Inspection.inspected_at.desc())
            )
        ),
        upstream=_tree(batch.id, batches, inputs_of, set()),
        downstream=_tree(batch.id, batches, made_into, set()),
        recalled_ancestors=sorted(
            (batches[i] for i in up if batches[i].status == BatchStatus.RECALLED), key=lambda b: up[b.id]
        ),
    )


def _tree(root: int, batches: dict[int, Batch], links: dict[int, list[int]], seen: set[int]) -> TreeNode:
    node = TreeNode(batch=batches[root])
    if root in seen:
        node.repeated = True
        return node
    seen = seen | {root}
    for child in sorted(links.get(root, []), key=lambda i: batches[i].lot_code):
        node.children.append(_tree(child, batches, links, seen))
    return node
