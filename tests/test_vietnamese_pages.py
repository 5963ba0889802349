"""One language per page: every page of the demo, as each kind of visitor, read in Vietnamese.

A page fails when it shows an English message id the catalogs translate, an enum value or its English label, or
a number written the English way (a decimal point, padded zeros). Routes are found in app.url_map, so pages
added later are walked too; a route whose URL needs a value this walk does not know is listed, not guessed.
"""

from __future__ import annotations

import enum
import re
from decimal import Decimal
from html.parser import HTMLParser
from pathlib import Path

import pytest
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from flask_babel import force_locale, gettext
from sqlalchemy import select

import traceability
from traceability.accounts.models import Role, User
from traceability.auth import EXTENSION_PUBLIC_ENDPOINTS, PUBLIC, access_rule
from traceability.batches.models import Amendment, Batch, BatchStatus
from traceability.codes.models import Code
from traceability.demo import DEMO_PASSWORD, load_demo
from traceability.labels import BY_KIND, LABELS
from traceability.reference.models import Agency, BannedSubstance, Commune, ProductCategory
from traceability.registry.models import Certification, Product, Site
from traceability.shipments.models import Shipment, Supplier

ROOT = Path(traceability.__file__).resolve().parent.parent


def _source_messages() -> set[str]:
    """Every English string marked for translation in the code and the templates."""
    found: set[str] = set()
    method_map = [("*.py", "python"), ("**.py", "python"), ("*.html", "jinja2"), ("**.html", "jinja2")]
    for folder in (ROOT / "traceability", ROOT / "templates"):
        for _file, _line, message, _comments, _context in extract_from_dir(
            folder,
            method_map,
            options_map={p: {"extensions": "jinja2.ext.i18n"} for p in ("*.html", "**.html")},
            keywords={**DEFAULT_KEYWORDS, "_l": None, "lazy_gettext": None, "lazy_ngettext": (1, 2)},
        ):
            found.update([message] if isinstance(message, str) else [m for m in message if m])
    return found


def _enum_classes() -> list[type[enum.Enum]]:
    import traceability.models  # noqa: F401  (every domain's models)

    seen, todo = [], list(enum.StrEnum.__subclasses__())
    while todo:
        cls = todo.pop()
        if cls.__module__.startswith("traceability."):
            seen.append(cls)
        todo.extend(cls.__subclasses__())
    return seen


class _Text(HTMLParser):
    """The words a reader sees: text outside scripts, code and preformatted blocks, plus option labels."""

    SKIP = {"script", "style", "code", "pre", "textarea"}

    def __init__(self):
        super().__init__()
        self.parts: list[str] = []
        self.depth = 0

    def handle_starttag(self, tag, attrs):
        if tag in self.SKIP:
            self.depth += 1
        for name, value in attrs:
            if name in ("placeholder", "aria-label", "title", "alt") and value:
                self.parts.append(value)

    def handle_endtag(self, tag):
        if tag in self.SKIP and self.depth:
            self.depth -= 1

    def handle_data(self, data):
        if not self.depth:
            self.parts.append(data)


def visible_text(html: str) -> str:
    parser = _Text()
    parser.feed(html)
    return " ".join(" ".join(parser.parts).split())


# A decimal point or padded zeros where Vietnamese writes a decimal comma: "180.5", "2.5000", "2,5000", "200,0".
# "120.000" (dot, three digits) is the thousands grouping Vietnamese uses; dates are dd/mm/yyyy.
WRONG_NUMBER = re.compile(r"(?<![\w.,/:-])\d+(?:\.\d{1,2}|\.\d{4,}|,\d*0)(?![\w.,/:-])")


DOUBLED_STOP = re.compile(r"\w{2,}\.\.(?!\.)")


def problems_on_page(text: str, english: list[str], enum_words: list[re.Pattern]) -> list[str]:
    found = [f"untranslated: {m!r}" for m in english if m in text]
    found += [f"English value: {p.pattern!r}" for p in enum_words if p.search(text)]
    found += [f"number: {m.group()!r}" for m in WRONG_NUMBER.finditer(text)]
    found += [f"doubled full stop: {m.group()!r}" for m in DOUBLED_STOP.finditer(text)]
    return found


@pytest.fixture(scope="module")
def english_ids(app) -> list[str]:
    """Message ids whose Vietnamese differs, long enough not to be a word the Vietnamese text might also use."""
    ids = []
    with app.test_request_context("/?lang=vi"):
        for message in _source_messages():
            fixed = max(re.split(r"%\(\w+\)[sd]|%[sd]|\{\w*\}", message), key=len).strip()
            if len(fixed) >= 12 and " " in fixed and gettext(message) != message:
                ids.append(fixed)
    return sorted(set(ids))


@pytest.fixture(scope="module")
def enum_words(app) -> list[re.Pattern]:
    words = set()
    with app.test_request_context("/"), force_locale("en"):
        for cls in _enum_classes():
            for member in cls:
                if "_" in member.value or len(member.value) > 4:
                    words.add(member.value)
        for text in [*LABELS.values(), *BY_KIND.values()]:
            if len(str(text)) > 4:  # "Pass", "Fail", "New": too short to tell from a name; the badges use them
                words.add(str(text))
    # not part of an e-mail address, a path or a file name ("admin@example.org", "/c/serial")
    return [re.compile(rf"(?<![\w@./-]){re.escape(w)}(?![\w@/-])") for w in sorted(words)]


def _params(session) -> dict:
    tea = session.scalar(select(User).where(User.email == "htx.tancuong@example.org"))
    org_id = tea.organization_id
    batch = session.scalars(
        select(Batch).where(Batch.organization_id == org_id, Batch.status == BatchStatus.PUBLISHED).order_by(Batch.id)
    ).first()
    code = session.scalars(select(Code).where(Code.batch_id == batch.id)).first()
    site = session.scalars(select(Site).where(Site.organization_id == org_id)).first()
    site.area_ha = Decimal("2.5000")  # shown as "2,5"
    # a reason written as a sentence: the banner quoting it must not end in ".."
    batch.status, batch.status_reason = BatchStatus.SUSPENDED, "Chờ kết quả kiểm nghiệm."
    session.add(
        Amendment(
            batch=batch, field="quantity", old_value="200", new_value="180.5", reason="Cân lại", user_id=tea.id
        )
    )
    with_gtin = session.scalars(
        select(Batch).join(Batch.product).where(Batch.status == BatchStatus.PUBLISHED, Product.gtin.is_not(None))
    ).first()
    substance = session.scalars(select(BannedSubstance).order_by(BannedSubstance.id)).first()
    cert = session.scalars(select(Certification).where(Certification.organization_id == org_id)).first()
    lab_test = batch.lab_tests[0] if batch.lab_tests else None
    # the cooperative's shipment to the shop, one of its suppliers, and an invitation still waiting
    shipment = session.scalars(select(Shipment).where(Shipment.organization_id == org_id).order_by(Shipment.id)).first()
    supplier = session.scalars(select(Supplier).where(Supplier.organization_id == org_id)).first()
    invited = session.scalars(select(Shipment).where(Shipment.invite_token.is_not(None))).first()
    params = {
        "org_id": org_id,
        "user_id": tea.id,
        "site_id": site.id,
        "product_id": batch.product_id,
        "batch_id": batch.id,
        "code": code.value,
        "serial": code.value,
        "receipt": code.value,
        "gtin": with_gtin.product.gtin if with_gtin else None,
        "lot": with_gtin.lot_code if with_gtin else None,
        "rest": f"10/{with_gtin.lot_code}" if with_gtin else None,
        "substance_id": substance.id if substance else None,
        "kind": "event",
        "certification_id": cert.id if cert else None,
        "lab_test_id": lab_test.id if lab_test else None,
        # the kept lists' pages: the first category (a key product) and the demo's commune
        "category_id": session.scalar(select(ProductCategory.id).order_by(ProductCategory.position)),
        "commune_id": session.scalar(select(Commune.id).where(Commune.code == "05503")),
        "agency_id": session.scalar(select(Agency.id).order_by(Agency.id)),
        "shipment_id": shipment.id if shipment else None,
        "supplier_id": supplier.id if supplier else None,
        "token": invited.invite_token if invited else None,
    }
    return {k: v for k, v in params.items() if v is not None}


def _pages(app, params: dict) -> tuple[list[tuple[str, object]], list[str]]:
    pages, unknown = [], []
    for rule in app.url_map.iter_rules():
        if rule.endpoint in EXTENSION_PUBLIC_ENDPOINTS or "GET" not in (rule.methods or ()):
            continue
        if rule.rule.startswith(("/api/", "/static")) or rule.endpoint == "static":
            continue
        missing = [a for a in rule.arguments if a not in params]
        if missing:
            unknown.append(f"{rule.rule} ({', '.join(missing)})")
            continue
        path = rule.rule
        for name in rule.arguments:
            path = re.sub(r"<(?:[^:<>]+:)?" + name + r">", str(params[name]), path)
        pages.append((path, access_rule(app.view_functions[rule.endpoint], "GET")))
    return pages, unknown


DEMO_VISITORS = {
    "anonymous": None,
    "producer": "htx.tancuong@example.org",
    "inspector": "thanhtra@example.org",
    "admin": "admin@example.org",
}


def walk_demo_pages(app, db_session, language: str, check) -> None:
    """Every GET page of the demo as each visitor may see it, in `language`: `check(html)` lists a page's problems.
    Fails on a server error or a problem, and when too few pages could be walked."""
    load_demo(db_session)
    params = _params(db_session)
    db_session.commit()
    pages, unknown = _pages(app, params)
    failures, walked = [], 0
    for visitor, email in DEMO_VISITORS.items():
        client = app.test_client()
        client.set_cookie("lang", language)
        if email:
            assert client.post("/login", data={"email": email, "password": DEMO_PASSWORD}).status_code == 302, email
        for path, declared in pages:
            if visitor == "anonymous" and PUBLIC not in (declared or ()):
                continue
            if visitor != "anonymous" and PUBLIC not in (declared or ()) and Role(visitor) not in (declared or ()):
                continue
            response = client.get(path, headers={"Accept-Language": language})
            if response.status_code >= 500:
                failures.append(f"{path} as {visitor}: server error")
            if response.mimetype != "text/html":
                continue
            walked += 1
            html = response.get_data(as_text=True)
            if response.status_code == 200 and f'<html lang="{language}">' not in html:
                failures.append(f"{path} as {visitor}: not marked as {language}")
            failures += [f"{path} as {visitor}: {p}" for p in check(html)]
    assert failures == [], "\n".join(failures)
    assert walked > 80, f"only {walked} pages walked; URLs needing unknown values: {unknown}"


def test_every_page_of_the_demo_reads_in_vietnamese(app, db_session, english_ids, enum_words):
    walk_demo_pages(app, db_session, "vi", lambda html: problems_on_page(visible_text(html), english_ids, enum_words))


def test_the_checks_catch_what_they_look_for(app, english_ids, enum_words):
    """The page checks would notice each kind of slip (so the walk above cannot pass by checking nothing)."""
    assert problems_on_page("Số lượng 180.5 túi", english_ids, enum_words) == ["number: '180.5'"]
    assert problems_on_page("2.5000 ha", english_ids, enum_words) == ["number: '2.5000'"]
    assert problems_on_page("200,0 túi", english_ids, enum_words) == ["number: '200,0'"]
    assert problems_on_page("120.000 kg · 180,5 túi · 05/10/2026 · 21,49123", english_ids, enum_words) == []
    assert problems_on_page("Loại: Processing facility", english_ids, enum_words)
    assert problems_on_page("growing_area", english_ids, enum_words)
    assert problems_on_page("kiểm nghiệm..", english_ids, enum_words) == ["doubled full stop: 'nghiệm..'"]
    assert problems_on_page("Đang tải…", english_ids, enum_words) == []
    assert "Wrong e-mail address or password." in english_ids


def test_api_not_found_answers_in_the_callers_language(client):
    response = client.get("/api/v1/no-such-thing", headers={"Accept-Language": "vi"})
    assert response.status_code == 404
    assert response.json["message"] == "Không tìm thấy gì tại địa chỉ này."


def test_amended_quantity_reads_with_a_decimal_comma_and_its_name(app):
    from traceability.labels import fact_label, fact_value

    with app.test_request_context("/?lang=vi"):
        assert (fact_label("quantity"), fact_value("quantity", "180.5")) == ("Số lượng", "180,5")
        assert fact_value("harvested_on", "2026-10-05") == "05/10/2026"
    with app.test_request_context("/?lang=en"):
        assert fact_value("harvested_on", "2026-10-05") == "Oct 5, 2026"
