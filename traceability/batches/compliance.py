"""The rules a batch must meet before the public sees it. Each problem names the field, the rule and what to do.

Run when a batch is saved (to show the producer what is wrong while typing) and when it is published (where
any problem refuses the publication).
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from dataclasses import asdict, dataclass
from decimal import Decimal
from typing import Any

from flask import has_request_context
from flask_babel import format_date, gettext
from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from traceability.batches import genealogy
from traceability.batches.models import Batch, BatchInput, BatchStatus
from traceability.labels import label
from traceability.reference.models import BannedSubstance, SubstanceKind, SubstanceOrigin
from traceability.registry.models import Certification
from traceability.shipments.balance import pending_shipped

# Vietnamese names the reference list does not carry (matched without accents too)
VIETNAMESE_NAMES = {
    "Mercury compounds": ["hợp chất thủy ngân", "thủy ngân"],
    "Arsenic compounds": ["hợp chất asen", "asen", "thạch tín"],
    "Lead compounds": ["hợp chất chì", "chì"],
    "Cadmium compounds": ["hợp chất cadimi", "cadimi"],
    "Selenium compounds": ["hợp chất selen", "selen"],
    "Thallium compounds": ["hợp chất tali", "tali"],
    "Zinc phosphide": ["kẽm phốt phua", "phosphua kẽm"],
    "BHC": ["lindan"],
    # livestock list: Vietnamese spellings the generic rule (see _spelling) does not reach
    "Bacitracin zinc": ["kẽm bacitracin", "bacitracin kẽm"],
    "Stilbenes": ["stilbene", "stilben"],
    "Furazolidone": ["nitrofuran"],
    "Diethylstilbestrol": ["dietylstylbestrol", "diethylstylbestrol"],
}
MAX_WINDOW = 6  # the longest name in words


@dataclass(frozen=True)
class Problem:
    field: str
    rule: str
    message: str

    def as_dict(self) -> dict[str, str]:
        return asdict(self)


def as_errors(problems: list[Problem]) -> dict[str, list[str]]:
    """Problems as the {field: [messages]} of an Invalid error."""
    errors: dict[str, list[str]] = {}
    for problem in problems:
        errors.setdefault(problem.field, []).append(problem.message)
    return errors


def plain(text: str) -> str:
    """Text without Vietnamese accents (đ → d), for forgiving comparisons and ASCII codes."""
    text = unicodedata.normalize("NFKD", text.replace("đ", "d").replace("Đ", "D"))
    return "".join(c for c in text if not unicodedata.combining(c))


def _(text: str, **values: object) -> str:
    """Translated within a request (the user's language); plain English elsewhere (CLI, scripts)."""
    return gettext(text, **values) if has_request_context() else text % values


def day(value: dt.date) -> str:
    """A date as the user reads it (ISO outside a request)."""
    return format_date(value, "medium") if has_request_context() else value.isoformat()


def _spelling(word: str, *, drop_final_e: bool) -> str:
    """One spelling for English and Vietnamese forms of a drug or chemical name: Vietnamese writes
    "Cloramphenicol", "Metronidazol", "Ractopamin", "Metyltestosteron" for the English names."""
    word = word.replace("chl", "cl").replace("ph", "f").replace("th", "t").replace("y", "i")
    return word[:-1] if drop_final_e and len(word) > 4 and word.endswith("e") else word


def _tokens(text: str, *, drop_final_e: bool = False) -> list[str]:
    words = re.findall(r"[a-z0-9]+", plain(text).lower())
    return [_spelling(w, drop_final_e=drop_final_e) for w in words]


def _compact(text: str) -> set[str]:
    """A name run together, in both spellings: with each word's final "e" ("Thiophanate-Methyl" ~
    "thiophanatemethyl") and without ("Ractopamine" ~ "Ractopamin")."""
    return {"".join(_tokens(text, drop_final_e=drop)) for drop in (False, True)} - {""}


def _compact_names(substance: BannedSubstance) -> set[str]:
    names = list(substance.names())
    names += VIETNAMESE_NAMES.get(substance.name, [])
    for name in substance.names():
        if name.lower().endswith(" compounds"):  # "Mercury compounds" also means any mercury salt
            names.append(name[: -len(" compounds")])
    return {compact for n in names for compact in _compact(n)}


Listed = list[tuple[BannedSubstance, set[str]]]


def listed_substances(session: Session) -> Listed:
    """The substances a record is checked against (withdrawn ones are not), each with its names run together:
    read once for all the records of a batch."""
    query = select(BannedSubstance).where(BannedSubstance.origin != SubstanceOrigin.WITHDRAWN)
    return [(s, _compact_names(s)) for s in session.scalars(query.order_by(BannedSubstance.name))]


def matches_banned(session: Session, active_ingredient: str, listed: Listed | None = None) -> list[BannedSubstance]:
    """The banned or removed substances named in an active-ingredient text.

    Forgiving: case, accents, spaces and hyphens do not matter ("thiophanate methyl", "Thiophanate-Methyl",
    "thiophanatemethyl"), nor English or Vietnamese spelling ("Chloramphenicol", "Cloramphenicol"), salts and
    strengths around the name are ignored ("Paraquat dichloride 276 g/l"), and every part of a mixture is
    checked ("Fipronil 5% + Imidacloprid 10%"). Names are compared on whole words, so "2,4-D" does not match
    "2,4-DB".
    """
    windows = set()
    for drop in (False, True):
        words = _tokens(active_ingredient, drop_final_e=drop)
        windows |= {
            "".join(words[start:end])
            for start in range(len(words))
            for end in range(start + 1, min(len(words), start + MAX_WINDOW) + 1)
        }
    if listed is None:
        listed = listed_substances(session)
    return [substance for substance, names in listed if names & windows]


def _required(batch: Batch) -> list[Problem]:
    problems = []
    if batch.site_id is None:
        problems.append(Problem("site_id", "required", _("Give the origin site (where it was grown or made).")))
    if batch.harvested_on is None and batch.produced_on is None:
        problems.append(Problem("harvested_on", "required", _("Give the harvest date or the production date.")))
    if not batch.quantity or batch.quantity <= 0:
        problems.append(Problem("quantity", "required", _("Give the quantity.")))
    return problems


def date_problems(batch: Batch) -> list[Problem]:
    """Dates in an impossible order: planting ≤ harvest ≤ production ≤ expiry."""
    order = [
        ("planted_on", _("planting")),
        ("harvested_on", _("harvest")),
        ("produced_on", _("production")),
        ("expires_on", _("expiry")),
    ]
    problems = []
    for i, (early, early_name) in enumerate(order):
        for late, late_name in order[i + 1 :]:
            first, second = getattr(batch, early), getattr(batch, late)
            if first and second and second < first:
                problems.append(
                    Problem(
                        late,
                        "date_order",
                        _(
                            "The %(late)s date (%(second)s) comes before the %(early)s date (%(first)s).",
                            late=late_name,
                            second=day(second),
                            early=early_name,
                            first=day(first),
                        ),
                    )
                )
    return problems


def _interval(chem: Any, harvest: dt.date | None) -> list[Problem]:
    # applied after harvest (e.g. on stored produce), the interval does not apply
    if harvest is None or not chem.phi_days or chem.applied_on > harvest:
        return []
    earliest = chem.applied_on + dt.timedelta(days=chem.phi_days)
    if harvest >= earliest:
        return []
    message = _(
        "%(name)s was applied on %(applied)s with a pre-harvest interval of %(days)s days: "
        "harvest may start on %(earliest)s, but the harvest date is %(harvest)s.",
        name=chem.trade_name,
        applied=day(chem.applied_on),
        days=chem.phi_days,
        earliest=day(earliest),
        harvest=day(harvest),
    )
    return [Problem("chemicals", "pre_harvest_interval", message)]


# The shipped lists cite their sources in English ("Circular 10/2020/TT-BNNPTNT Annex II (kept by …)"); a refusal
# names the documents only, their kind in the reader's language and their numbers as issued.
_LEGAL_DOCUMENT = re.compile(r"\b(Circular|Decree|Decision|Law)\s+(\d+/[\w/Đđ.-]+)")


def legal_reference(source: str | None) -> str:
    if not source:
        return ""
    kinds = {"Circular": _("Circular"), "Decree": _("Decree"), "Decision": _("Decision"), "Law": _("Law")}
    found = [f"{kinds[kind]} {number}" for kind, number in _LEGAL_DOCUMENT.findall(source)]
    return "; ".join(dict.fromkeys(found)) if found else source


def _banned(session: Session, chem: Any, listed: Listed | None) -> list[Problem]:
    problems = []
    for substance in matches_banned(session, chem.active_ingredient, listed):
        if substance.kind == SubstanceKind.LIVESTOCK:
            status = _("banned in livestock feed and farming")
        elif substance.status == "banned":
            status = _("banned")
        else:
            status = _("removed from the permitted list")
        message = _(
            "%(name)s (%(ingredient)s) contains %(substance)s, which is %(status)s in Việt Nam (%(source)s).",
            name=chem.trade_name,
            ingredient=chem.active_ingredient,
            substance=substance.name,
            status=status,
            source=legal_reference(substance.legal_source),
        )
        problems.append(Problem("chemicals", "banned_substance", message))
    return problems


def chemical_problems(
    session: Session, chem: Any, harvest: dt.date | None, listed: Listed | None = None
) -> list[Problem]:
    """What is wrong with one chemical application (a saved one, or one being typed) for this harvest date."""
    return _interval(chem, harvest) + _banned(session, chem, listed)


def _certifications(session: Session, batch: Batch) -> list[Problem]:
    on = batch.harvested_on or batch.produced_on
    if on is None:
        return []
    certs = session.scalars(
        select(Certification).where(
            Certification.organization_id == batch.organization_id,
            (Certification.site_id.is_(None)) | (Certification.site_id == batch.site_id),
        )
    ).all()
    problems = []
    for scheme in sorted({c.scheme for c in certs}):
        same = [c for c in certs if c.scheme == scheme]
        if any(c.is_valid_on(on) for c in same):
            continue
        latest = max(same, key=lambda c: c.valid_to or dt.date.max)
        if latest.valid_to and latest.valid_to < on:
            message = _(
                "The %(scheme)s certificate %(number)s expired on %(end)s, before the batch date %(on)s.",
                scheme=scheme,
                number=latest.number,
                end=day(latest.valid_to),
                on=day(on),
            )
        else:
            message = _(
                "The %(scheme)s certificate %(number)s is valid only from %(start)s, after the batch date %(on)s.",
                scheme=scheme,
                number=latest.number,
                start=day(latest.valid_from),
                on=day(on),
            )
        problems.append(Problem("certifications", "certification_expired", message))
    return problems


# Claims a product's "standards applied" may make that only a certificate backs, with the words that name each
# (without accents, lower case, whole words). The same words find the scheme of a certificate.
CERTIFIED_CLAIMS = {
    "VietGAP": ["vietgap", "viet gap"],
    "VietGAHP": ["vietgahp", "viet gahp"],
    "GlobalGAP": ["globalgap", "global gap"],
    "organic": ["organic", "huu co", "tcvn 11041"],
    "OCOP": ["ocop"],
    "HACCP": ["haccp"],
    "ISO 22000": ["iso 22000"],
}


def claims_in(text: str | None) -> list[str]:
    """The certified schemes a text names ("Sản xuất theo VietGAP, hữu cơ" → VietGAP, organic)."""
    words = f" {' '.join(re.findall(r'[a-z0-9]+', plain(text or '').lower()))} "
    return [claim for claim, names in CERTIFIED_CLAIMS.items() if any(f" {name} " in words for name in names)]


def _claims(session: Session, batch: Batch) -> list[Problem]:
    """A standard the product claims needs a certificate of that scheme covering the batch's site, valid on the
    batch's date (a processed batch: or certificates covering each of its inputs' sites on their dates). A claim
    with no certificate at all is refused here; one whose certificate has lapsed or is not yet valid is refused
    by `_certifications`, which gives the certificate's dates."""
    claims = claims_in(batch.product.standards if batch.product else None)
    if not claims:
        return []
    on = batch.harvested_on or batch.produced_on
    if on is None:
        return []  # the missing date is the problem named (`_required`); no date to check a certificate on
    certs = session.scalars(select(Certification).where(Certification.organization_id == batch.organization_id)).all()

    def backed(claim: str, site_id: int | None, on: dt.date | None, lapsed_counts: bool) -> bool:
        for cert in certs:
            if cert.site_id not in (None, site_id) or claim not in claims_in(cert.scheme):
                continue
            if lapsed_counts or on is None or cert.is_valid_on(on):
                return True
        return False

    problems = []
    for claim in claims:
        # valid on the date, or lapsed: then `_certifications` names it with its dates
        if backed(claim, batch.site_id, on, lapsed_counts=True):
            continue
        # processed goods carry the standard their raw materials were grown to: every input's origin backs it
        sources = [item.input_batch for item in batch.inputs if item.input_batch is not None]
        if sources and all(
            backed(claim, s.site_id, s.harvested_on or s.produced_on, lapsed_counts=False) for s in sources
        ):
            continue
        message = _(
            "The product claims %(claim)s, but there is no %(claim)s certificate valid for this batch's site on "
            "%(on)s. Record the certificate (Certifications) or remove the claim from the product's standards.",
            claim=_("organic") if claim == "organic" else claim,  # the others are names, the same in every language
            on=day(on),
        )
        problems.append(Problem("certifications", "standard_not_certified", message))
    return problems


def input_problems(session: Session, batch: Batch) -> list[Problem]:
    """Inputs that take more than the input batch holds, and a batch that would be its own ancestor."""
    if not batch.inputs:
        return []
    ids = {item.input_batch_id for item in batch.inputs}
    # a few queries for all inputs, not some per input: the input batches (the batch page shows them too), what is
    # drawn from each, and what is made from this batch
    session.scalars(
        select(BatchInput).where(BatchInput.batch_id == batch.id).options(selectinload(BatchInput.input_batch))
    ).all()
    drawn = dict(
        session.execute(
            select(BatchInput.input_batch_id, func.sum(BatchInput.quantity))
            .where(BatchInput.input_batch_id.in_(ids))
            .group_by(BatchInput.input_batch_id)
        ).all()
    )
    for batch_id, sent in pending_shipped(session, ids).items():  # on its way to a buyer: reserved
        drawn[batch_id] = (drawn.get(batch_id) or 0) + sent
    # an input is one of this batch's descendants exactly when this batch is among that input's ancestors
    made_from_this = genealogy.descendants(session, batch.id) if batch.id is not None else {}
    problems = []
    for item in batch.inputs:
        source = item.input_batch
        if batch.id is not None and (item.input_batch_id == batch.id or item.input_batch_id in made_from_this):
            problems.append(
                Problem(
                    "inputs",
                    "cycle",
                    _(
                        "Batch %(lot)s is made from this batch, so it cannot also be one of its inputs.",
                        lot=source.lot_code,
                    ),
                )
            )
            continue
        used = Decimal(drawn.get(source.id) or 0)
        if used > source.quantity:
            problems.append(
                Problem(
                    "inputs",
                    "mass_balance",
                    _(
                        "Batch %(lot)s holds %(held)s %(unit)s, but %(used)s %(unit)s of it are used as input "
                        "(%(here)s %(unit)s here).",
                        lot=source.lot_code,
                        held=_number(source.quantity),
                        used=_number(used),
                        here=_number(item.quantity),
                        unit=source.unit,
                    ),
                )
            )
    return problems


def input_status_problems(batch: Batch) -> list[Problem]:
    """An input an inspector has recalled or suspended cannot go into a newly published batch."""
    problems = []
    for item in batch.inputs:
        source = item.input_batch
        if source is not None and source.status in (BatchStatus.RECALLED, BatchStatus.SUSPENDED):
            problems.append(
                Problem(
                    "inputs",
                    "input_withdrawn",
                    _(
                        "Input batch %(lot)s is %(status)s by the inspectors (%(reason)s); "
                        "a batch made from it cannot be published.",
                        lot=source.lot_code,
                        status=label(source.status).lower(),
                        reason=source.status_reason or "",
                    ),
                )
            )
    return problems


def _number(value: Decimal) -> str:
    return f"{value.normalize():f}"


def missing_lists(session: Session) -> list[SubstanceKind]:
    """The reference lists that have no row at all (withdrawn rows count: an admin reviewed those)."""
    present = set(session.scalars(select(BannedSubstance.kind).distinct()))
    return [kind for kind in SubstanceKind if kind not in present]


def _reference_problems(session: Session) -> list[Problem]:
    """An empty reference list must refuse, never let a banned substance through unchecked."""
    missing = missing_lists(session)
    if not missing:
        return []
    names = {SubstanceKind.PESTICIDE: _("pesticides"), SubstanceKind.LIVESTOCK: _("livestock feed and farming")}
    message = _(
        "The chemicals cannot be checked: the list of banned substances (%(lists)s) is empty. An administrator "
        "must load it (`traceability db upgrade`, or Reload the shipped lists on the substances page).",
        lists=", ".join(names[kind] for kind in missing),
    )
    return [Problem("chemicals", "reference_list_missing", message)]


def _chemicals(session: Session, batch: Batch) -> list[Problem]:
    """Every chemical's problems, the pre-harvest intervals first, then the banned substances.

    Every application is checked against both lists whatever its purpose: Clenbuterol recorded as "other" in
    a feed record is as banned as when it is recorded as a veterinary drug."""
    if not batch.chemicals:
        return []
    listed = listed_substances(session)
    found = [p for chem in batch.chemicals for p in chemical_problems(session, chem, batch.harvested_on, listed)]
    found = sorted(found, key=lambda p: p.rule != "pre_harvest_interval")  # stable: keeps the chemicals' order
    return _reference_problems(session) + found


def check_batch(session: Session, batch: Batch) -> list[Problem]:
    """Every problem that keeps this batch from being published (empty when it may be)."""
    session.flush()
    return [
        *_required(batch),
        *date_problems(batch),
        *input_problems(session, batch),
        *input_status_problems(batch),
        *_chemicals(session, batch),
        *_certifications(session, batch),
        *_claims(session, batch),
    ]
