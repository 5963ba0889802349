"""An inspector's jurisdiction: the batches of the communes and product categories their agency covers.

The one place that says which batches an inspector acts on. A batch's commune is its site's, else its
organisation's; its category is its product's. An agency with no commune chosen covers every commune, one with
no category every category; an inspector with no agency is provincial and covers everything. Reading stays open
to every inspector: scope limits the default views and what they may suspend or recall.
"""

from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import ColumnElement, and_, select, true
from sqlalchemy.orm import Session

from traceability.accounts.models import Organization, User
from traceability.batches.models import Batch
from traceability.errors import invalid
from traceability.reference.models import Agency, Commune, ProductCategory, agency_categories, agency_communes
from traceability.registry.models import Product, Site


def agency_of(session: Session, user: User) -> Agency | None:
    return session.get(Agency, user.agency_id) if user.agency_id else None


def batch_commune(batch: Batch) -> str | None:
    if batch.site is not None and batch.site.commune_code:
        return batch.site.commune_code
    return batch.organization.commune_code


def covers(agency: Agency, commune_code: str | None, category_code: str | None) -> bool:
    """Whether the agency covers a commune and a category (a blank list covers all)."""
    if agency.communes and commune_code not in {c.code for c in agency.communes}:
        return False
    return not agency.categories or category_code in {c.code for c in agency.categories}


def in_scope(session: Session, user: User, batch: Batch) -> bool:
    agency = agency_of(session, user)
    return agency is None or covers(agency, batch_commune(batch), batch.product.category_code)


def scope_filter(session: Session, user: User) -> ColumnElement[bool]:
    """A WHERE clause on `Batch` keeping the batches in the user's scope (always true for provincial users).

    Uncorrelated subqueries of ids (sites, organisations, products of the agency's communes and categories): the
    database reads each once, where a lookup per batch made a year's figures of an agency several times slower."""
    agency = agency_of(session, user)
    if agency is None:
        return true()
    clauses = []
    if agency.communes:
        codes = (
            select(Commune.code)
            .join(agency_communes, agency_communes.c.commune_id == Commune.id)
            .where(agency_communes.c.agency_id == agency.id)
            .correlate(None)
        )
        # the site's commune where the batch has a site with one, else the organisation's (batch_commune)
        placed_sites = select(Site.id).where(Site.commune_code.is_not(None)).correlate(None)
        clauses.append(
            Batch.site_id.in_(select(Site.id).where(Site.commune_code.in_(codes)).correlate(None))
            | (
                (Batch.site_id.is_(None) | Batch.site_id.not_in(placed_sites))
                & Batch.organization_id.in_(
                    select(Organization.id).where(Organization.commune_code.in_(codes)).correlate(None)
                )
            )
        )
    if agency.categories:
        category_codes = (
            select(ProductCategory.code)
            .join(agency_categories, agency_categories.c.category_id == ProductCategory.id)
            .where(agency_categories.c.agency_id == agency.id)
            .correlate(None)
        )
        clauses.append(
            Batch.product_id.in_(select(Product.id).where(Product.category_code.in_(category_codes)).correlate(None))
        )
    return and_(*clauses) if clauses else true()


def agency_for(session: Session, batch: Batch) -> Agency | None:
    """The agency a consumer report on this batch goes to; None: the provincial queue.

    The rule: among the agencies covering the batch's commune and category, one that names the commune comes
    before one covering every commune, then one that names the category before one covering every category,
    then the oldest (the lowest id)."""
    return responsible(list(session.scalars(select(Agency))), batch_commune(batch), batch.product.category_code)


def responsible(agencies: list[Agency], commune_code: str | None, category_code: str | None) -> Agency | None:
    """Among these agencies, the one in charge of a commune and category by the rule of `agency_for`. An inactive
    agency is in charge of nothing new (its past reports stay its own)."""
    found = [a for a in agencies if a.is_active and covers(a, commune_code, category_code)]
    return min(found, key=lambda a: (not a.communes, not a.categories, a.id), default=None)


def scope_text(agency: Agency) -> str:
    """The agency's scope in words, for refusals and page headings."""
    communes = ", ".join(c.name for c in agency.communes) or _("all communes")
    categories = ", ".join(c.name for c in agency.categories) or _("all categories")
    return _("%(agency)s covers: %(communes)s; %(categories)s", agency=agency.name, communes=communes,
             categories=categories)  # fmt: skip


def refusal(session: Session, user: User, batch: Batch) -> str | None:
    """Why the user may not suspend or recall this batch (outside their agency's scope), or None."""
    if in_scope(session, user, batch):
        return None
    scope = scope_text(agency_of(session, user))
    return _("This batch is outside your agency's scope. %(scope)s.", scope=scope)


def require_in_scope(session: Session, user: User, batch: Batch) -> None:
    """Refuse an action on a batch outside the user's agency's scope, naming that scope."""
    message = refusal(session, user, batch)
    if message:
        raise invalid("action", message)
