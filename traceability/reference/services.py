"""Reference data: the lists of banned and removed substances (crops and livestock), kept by admins."""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from traceability.audit.services import record_many
from traceability.errors import NotFound, invalid
from traceability.reference import lists, shipped
from traceability.reference.models import (
    Agency,
    BannedSubstance,
    Commune,
    CommuneKind,
    ListOrigin,
    ProductCategory,
    SubstanceKind,
    SubstanceOrigin,
)
from traceability.reference.shipped import SHIPPED_LISTS, LoadReport
from traceability.search import fold, matches

DEFAULT_SUBSTANCES_CSV = SHIPPED_LISTS[SubstanceKind.PESTICIDE]


def load_substances(
    session: Session, path: Path | None = None, kind: SubstanceKind = SubstanceKind.PESTICIDE
) -> LoadReport:
    """Load the shipped lists (no `path`), or an admin's own CSV of the shipped format as `kind`.

    The shipped lists update only rows still as shipped; an admin's file overwrites rows of the same names and
    makes them the admin's. Written as bulk statements, so the audit entries are recorded here.
    """
    connection = session.connection()
    if path is None:
        report = shipped.load_shipped_lists(connection)
    else:
        report = shipped.load_rows(connection, shipped.read_list(path, kind), origin=SubstanceOrigin.ADMIN)
    session.expire_all()  # rows changed under the session's feet
    if report.added or report.updated:
        ids = {name.lower(): key for key, name in session.execute(select(BannedSubstance.id, BannedSubstance.name))}
        record_many(
            session,
            [("create", "banned_substances", ids[row["name"].lower()], None, row) for row in report.added]
            + [("update", "banned_substances", key, before, after) for key, before, after in report.updated],
        )
    return report


def folded(text: str) -> str:
    """Lower case without Vietnamese diacritics, for forgiving comparisons ("Ê-ma" ~ "e-ma")."""
    return fold(text) or ""


def list_substances(session: Session, search: str | None = None) -> list[BannedSubstance]:
    """The list, filtered in Python: it is short, and SQLite cannot fold Vietnamese case or accents."""
    substances = sorted(
        session.scalars(select(BannedSubstance)),
        key=lambda s: (s.is_withdrawn, s.kind != SubstanceKind.PESTICIDE, s.status, folded(s.name)),
    )  # what applies first, crops before livestock; withdrawn rows last
    if not search:
        return substances
    needle = folded(search)
    return [s for s in substances if any(needle in folded(name) for name in s.names())]


def get_substance(session: Session, substance_id: int) -> BannedSubstance:
    substance = session.get(BannedSubstance, substance_id)
    if substance is None:
        raise NotFound(_("Not found."))
    return substance


def save_substance(session: Session, data: dict, substance: BannedSubstance | None = None) -> BannedSubstance:
    """Add a substance to the list, or change one (admins keep the list current as the law is revised).

    The row becomes the admin's: reloads of the shipped lists leave it as saved. Saving a withdrawn row puts it
    back on the list."""
    clash = session.scalar(select(BannedSubstance.id).where(func.lower(BannedSubstance.name) == data["name"].lower()))
    if clash is not None and (substance is None or clash != substance.id):
        raise invalid("name", _("This substance is already on the list."))
    if substance is None:
        substance = BannedSubstance(**data, origin=SubstanceOrigin.ADMIN)
        session.add(substance)
    else:
        for key, value in data.items():
            setattr(substance, key, value)
        substance.origin = SubstanceOrigin.ADMIN
    session.flush()
    return substance


@functools.cache
def _shipped_names() -> frozenset[str]:
    return frozenset(row["name"].lower() for row in shipped.shipped_rows())


def delete_substance(session: Session, substance: BannedSubstance) -> None:
    """Take a substance off the list. A name the shipped lists carry stays as a withdrawn row (never matched),
    so the next reload or upgrade does not put it back; an admin's own name is deleted."""
    if substance.name.lower() in _shipped_names():
        substance.origin = SubstanceOrigin.WITHDRAWN
    else:
        session.delete(substance)
    session.flush()


# ---- kept lists: product categories and communes


def categories(session: Session, *, active_only: bool = False) -> list[ProductCategory]:
    """The categories in the list's order: the province's key products first."""
    query = select(ProductCategory).order_by(ProductCategory.position, ProductCategory.name_vi)
    if active_only:
        query = query.where(ProductCategory.is_active.is_(True))
    return list(session.scalars(query))


def category_options(session: Session, current: str | None = None) -> list[tuple[str, str]]:
    """(code, name) for a select: active entries, and the product's own even if an admin retired it."""
    return [(c.code, c.name) for c in categories(session) if c.is_active or c.code == current]


def category_code_for(session: Session, value: Any, field: str = "category") -> str:
    """The code of the category named by `value`: its code, id, name (either language) or a known spelling.
    Anything else is refused naming the field (forms, API and CSV import say the same)."""
    text = str(value if value is not None else "").strip()
    entries = categories(session)
    if text.isdigit():
        found = next((c for c in entries if c.id == int(text)), None)
    else:
        key = fold(text)
        found = next((c for c in entries if key in (c.code, fold(c.name_vi), fold(c.name_en))), None)
        if found is None:
            code = lists.category_spellings().get(key)
            found = next((c for c in entries if c.code == code), None)
    if found is None or not text:
        raise invalid(field, _("Choose a category from the list (its code or its name)."))
    return found.code


def communes(session: Session, search: str | None = None, *, active_only: bool = False) -> list[Commune]:
    query = select(Commune).order_by(Commune.kind.desc(), Commune.name)
    if active_only:
        query = query.where(Commune.is_active.is_(True))
    if search:
        query = query.where(matches(search, Commune.name, Commune.code))
    found = list(session.scalars(query))
    return sorted(found, key=lambda c: (c.kind != CommuneKind.WARD, lists.commune_key(c.name)))


def commune_options(session: Session, current: str | None = None) -> list[tuple[str, list[tuple[str, str]]]]:
    """Option groups for a commune select: wards, then communes, each by name without accents."""
    groups: dict[str, list[tuple[str, str]]] = {}
    for c in communes(session):
        if c.is_active or c.code == current:
            groups.setdefault(c.kind, []).append((c.code, c.name))
    titles = {
        CommuneKind.WARD: _("Wards"),
        CommuneKind.COMMUNE: _("Communes"),
        CommuneKind.SPECIAL_ZONE: _("Special zones"),
    }
    return [(titles[kind], options) for kind, options in groups.items()]


def get_commune(session: Session, code: str, field: str = "commune_code") -> Commune:
    commune = session.scalar(select(Commune).where(Commune.code == str(code).strip()))
    if commune is None:
        raise invalid(field, _("Choose a commune or ward from the list."))
    return commune


def match_commune(session: Session, text: str | None, province: str | None = None) -> Commune | None:
    """The list's commune a typed name means ("xã Tân Cương", "tan cuong"), when exactly one matches."""
    key = lists.commune_key(text)
    if not key:
        return None
    found = [c for c in communes(session) if lists.commune_key(c.name) == key]
    if province and fold(province.strip()):
        found = [c for c in found if fold(c.province) == fold(province.strip())]
    return found[0] if len(found) == 1 else None


def place(session: Session, data: dict[str, Any], *, with_province: bool = True) -> dict[str, Any]:
    """Where a site, organisation or supplier is, from a form or the API: a commune chosen from the list
    (`commune_code`, which also gives the name and province), or a name typed — kept as typed, and tied to the
    list when it names one commune of the province (an address outside the province, old data: text only).
    Returns `data` with `commune`, `commune_code` (and `province`) set consistently."""
    if data.get("commune_code"):
        commune = get_commune(session, data["commune_code"])
        data["commune_code"] = commune.code
        if lists.commune_key(data.get("commune")) != lists.commune_key(commune.name):
            data["commune"] = commune.name  # the list's name, unless the text already names this commune
        if with_province:
            data["province"] = commune.province
    elif "commune" in data or "commune_code" in data:
        commune = match_commune(session, data.get("commune"), data.get("province") if with_province else None)
        data["commune_code"] = commune.code if commune else None  # the text stays as typed; figures use the list
    return data


def with_commune_options(
    session: Session, fields: list[dict], current: str | None = None, name: str = "commune_code"
) -> list[dict]:
    """Form field specs with the commune select's option groups filled from the kept list."""
    options = commune_options(session, current)
    return [{**f, "options": options, "groups": True} if f["name"] == name else f for f in fields]


def get_category(session: Session, category_id: int) -> ProductCategory:
    category = session.get(ProductCategory, category_id)
    if category is None:
        raise NotFound(_("Not found."))
    return category


def save_category(session: Session, data: dict, category: ProductCategory | None = None) -> ProductCategory:
    """Add an entry or change one: the row becomes the admin's (reloads leave it). The code names the entry in
    products and the API, so it is set once."""
    if category is None:
        if session.scalar(select(ProductCategory.id).where(ProductCategory.code == data["code"])):
            raise invalid("code", _("This code is already on the list."))
        category = ProductCategory(**data)
        session.add(category)
    else:
        data.pop("code", None)
        for key, value in data.items():
            setattr(category, key, value)
    category.origin = ListOrigin.ADMIN
    session.flush()
    return category


def get_commune_by_id(session: Session, commune_id: int) -> Commune:
    commune = session.get(Commune, commune_id)
    if commune is None:
        raise NotFound(_("Not found."))
    return commune


def save_commune(session: Session, data: dict, commune: Commune | None = None) -> Commune:
    """Add a commune or change one (a rename, a unit retired): the row becomes the admin's. The code is set once."""
    if commune is None:
        if session.scalar(select(Commune.id).where(Commune.code == data["code"])):
            raise invalid("code", _("This code is already on the list."))
        commune = Commune(**data)
        session.add(commune)
    else:
        data.pop("code", None)
        for key, value in data.items():
            setattr(commune, key, value)
    commune.origin = ListOrigin.ADMIN
    session.flush()
    return commune


def reload_lists(session: Session) -> tuple[lists.ListLoad, lists.ListLoad]:
    """The shipped category and commune lists loaded again: missing entries added, shipped ones updated."""
    connection = session.connection()
    report = lists.load_categories(connection), lists.load_communes(connection)
    session.expire_all()
    return report


# ---- agencies


def agencies(session: Session) -> list[Agency]:
    return list(
        session.scalars(
            select(Agency)
            .options(selectinload(Agency.communes), selectinload(Agency.categories))
            .order_by(Agency.kind, Agency.name)
        )
    )


def get_agency(session: Session, agency_id: int) -> Agency:
    agency = session.get(Agency, agency_id)
    if agency is None:
        raise NotFound(_("Not found."))
    return agency


def save_agency(session: Session, data: dict, agency: Agency | None = None) -> Agency:
    """Add an agency or change one; the communes and categories it covers are chosen from the kept lists."""
    taken = select(Agency.id).where(Agency.name == data["name"])
    if agency is not None:
        taken = taken.where(Agency.id != agency.id)
    if session.scalar(taken):
        raise invalid("name", _("An agency of this name already exists."))
    commune_ids, category_ids = set(data.pop("commune_ids")), set(data.pop("category_ids"))
    communes = list(session.scalars(select(Commune).where(Commune.id.in_(commune_ids))))
    categories = list(session.scalars(select(ProductCategory).where(ProductCategory.id.in_(category_ids))))
    if len(communes) != len(commune_ids):
        raise invalid("commune_ids", _("Choose communes from the list."))
    if len(categories) != len(category_ids):
        raise invalid("category_ids", _("Choose categories from the list."))
    if agency is None:
        agency = Agency(**data)
        session.add(agency)
    else:
        for key, value in data.items():
            setattr(agency, key, value)
    agency.communes = communes
    agency.categories = categories
    session.flush()
    return agency
