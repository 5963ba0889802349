"""Reference data: the lists of banned and removed substances (crops and livestock), kept by admins."""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any

from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from traceability.accounts.models import User
from traceability.audit.services import record, record_many
from traceability.db import Base
from traceability.errors import Conflict, NotFound, invalid
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


def agencies(session: Session, *, active_only: bool = False) -> list[Agency]:
    query = (
        select(Agency)
        .options(selectinload(Agency.communes), selectinload(Agency.categories))
        .order_by(Agency.kind, Agency.name)
    )
    if active_only:
        query = query.where(Agency.is_active.is_(True))
    return list(session.scalars(query))


def get_agency(session: Session, agency_id: int) -> Agency:
    agency = session.get(Agency, agency_id)
    if agency is None:
        raise NotFound(_("Not found."))
    return agency


def inspector_count(session: Session, agency: Agency) -> int:
    """How many accounts work for the agency (inspectors; disabled accounts too, as they still name it)."""
    return session.scalar(select(func.count()).where(User.agency_id == agency.id)) or 0


def with_inspector_counts(session: Session, found: list[Agency]) -> list[Agency]:
    """The agencies with `inspector_count` set, in one query for the whole list."""
    counts = dict(
        session.execute(
            select(User.agency_id, func.count())
            .where(User.agency_id.in_([a.id for a in found]))
            .group_by(User.agency_id)
        ).all()
    )
    for agency in found:
        agency.inspector_count = counts.get(agency.id, 0)
    return found


def _chosen(session: Session, model: Any, data: dict, by_id: str, by_code: str, wrong: str, unknown: str) -> Any:
    """The rows of a kept list an agency covers: by id (the admin page's selects) or by code (the API). None:
    not given, left as it is. Anything not on the list is refused naming the field and what it was."""
    if by_id in data:
        wanted, field, key = set(data.pop(by_id)), by_id, model.id
    elif by_code in data:
        wanted, field, key = set(data.pop(by_code)), by_code, model.code
    else:
        return None
    rows = list(session.scalars(select(model).where(key.in_(wanted)))) if wanted else []
    missing = sorted(wanted - {getattr(row, key.key) for row in rows}, key=str)
    if missing:
        raise invalid(field, wrong if field == by_id else unknown % {"codes": ", ".join(map(str, missing))})
    return rows


def _coverage(agency: Agency) -> dict[str, list[str]]:
    communes, categories = sorted(c.code for c in agency.communes), sorted(c.code for c in agency.categories)
    return {"communes": communes, "categories": categories}


def save_agency(session: Session, data: dict, agency: Agency | None = None) -> Agency:
    """Add an agency or change one (a change gives only the fields it changes); the communes and categories it
    covers are chosen from the kept lists, by id or by code. The ORM hook audits the agency's row; the coverage
    lives in association tables the hook does not see, so a change of it is recorded here (`coverage`)."""
    data = dict(data)
    if "name" in data:
        # compared in Python: SQLite lowers ASCII letters only, and the list is short
        others = session.execute(select(Agency.id, Agency.name).where(Agency.id != (agency.id if agency else None)))
        if any(name.casefold() == data["name"].casefold() for _key, name in others):
            raise invalid("name", _("An agency of this name already exists."))
    communes = _chosen(
        session, Commune, data, "commune_ids", "commune_codes",
        _("Choose communes from the list."), _("Not on the list of communes: %(codes)s."),
    )  # fmt: skip
    categories = _chosen(
        session, ProductCategory, data, "category_ids", "category_codes",
        _("Choose categories from the list."), _("Not on the list of product categories: %(codes)s."),
    )  # fmt: skip
    if agency is not None and agency.is_active and data.get("is_active") is False:
        _no_inspectors(session, agency, lambda message: invalid("is_active", message))
    before = _coverage(agency) if agency is not None else None
    if agency is None:
        agency = Agency(**data)
        session.add(agency)
    else:
        for key, value in data.items():
            setattr(agency, key, value)
    if communes is not None:
        agency.communes = communes
    if categories is not None:
        agency.categories = categories
    session.flush()
    after = _coverage(agency)
    if after != before:
        record(session, "coverage", "agencies", agency.id, before, after)
    return agency


def _no_inspectors(session: Session, agency: Agency, error: Any) -> None:
    count = inspector_count(session, agency)
    if count:
        raise error(
            ngettext(
                "%(num)d inspector still works for %(name)s: move them to another agency (or make them provincial) "
                "on the accounts page first.",
                "%(num)d inspectors still work for %(name)s: move them to another agency (or make them provincial) "
                "on the accounts page first.",
                count,
                name=agency.name,
            )
        )


def recorded_actions(session: Session, agency: Agency) -> int:
    """How many recorded actions name the agency: every column that refers to it (inspections, decisions on
    batches, consumer reports routed to it), found from the schema so a new one is counted too. Accounts and the
    agency's own coverage are not actions."""
    total = 0
    for table in Base.metadata.sorted_tables:
        if table.name in ("users", "agency_communes", "agency_categories"):
            continue
        for fk in table.foreign_keys:
            if fk.column.table.name == Agency.__tablename__:
                total += session.scalar(select(func.count()).select_from(table).where(fk.parent == agency.id)) or 0
    return total


def delete_agency(session: Session, agency: Agency) -> None:
    """Delete an agency made by mistake. Refused while inspectors work for it (the admin moves each one, which
    decides their jurisdiction), and for good once it has recorded actions: they keep naming it (the foreign
    keys would otherwise set them blank, losing the history and leaving rows the audit no longer matches), so
    it is made inactive instead."""
    check_deletable(session, agency)
    record(session, "coverage", "agencies", agency.id, _coverage(agency), None)
    session.delete(agency)
    session.flush()


def check_deletable(session: Session, agency: Agency) -> None:
    """Raise Conflict, saying why, when the agency may not be deleted (delete_agency says the rules)."""
    _no_inspectors(session, agency, Conflict)
    actions = recorded_actions(session, agency)
    if actions:
        raise Conflict(
            ngettext(
                "%(name)s cannot be deleted: %(num)d recorded action names it (an inspection, a decision on a batch "
                "or a consumer report). Make it inactive instead.",
                "%(name)s cannot be deleted: %(num)d recorded actions name it (inspections, decisions on batches "
                "or consumer reports). Make it inactive instead.",
                actions,
                name=agency.name,
            )
        )
