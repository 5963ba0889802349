"""One language per page, the other way round: every page of the demo, as each kind of visitor, read in English.

The demo's data is Vietnamese (names, places, reasons), so a Vietnamese word alone proves nothing: a page fails
when it shows a piece of the catalogs' Vietnamese (a label or sentence of ours left untranslated), an enum value
or notice key shown raw, or a number or day written the Vietnamese way (a decimal comma, a dot grouping
thousands, dd/mm/yyyy).
"""

from __future__ import annotations

import enum
import re

import pytest
from babel.messages.pofile import read_po

from .test_catalogs import CATALOGS
from .test_vietnamese_pages import _enum_classes, visible_text, walk_demo_pages

# Vietnamese number forms: "180,5", "2,50", "120.000", "1.234.567"; a day as dd/mm/yyyy ("05/10/2026"). Not inside
# codes, paths, times or versions ("TC-2026.11", "127.0.0.1", "v1.2").
NUMBER = re.compile(r"(?<![\w.,/:-])\d+(?:[.,]\d+)+(?![\w.,/:-])")
ENGLISH_GROUPS = re.compile(r"\d{1,3}(?:,\d{3})+")  # 120,000
VIETNAMESE_GROUPS = re.compile(r"\d{1,3}(?:\.\d{3})+")  # 120.000
VIETNAMESE_DAY = re.compile(r"(?<![\w/.-])\d{2}/\d{2}/\d{4}(?![\w/.-])")
PLACEHOLDER = re.compile(r"%\(\w+\)[sd]|%[sd]|\{\w*\}")
VIETNAMESE_LETTER = re.compile(r"[à-ỹÀ-Ỹđ]")


def catalog_vietnamese() -> list[str]:
    """The fixed parts of the catalogs' Vietnamese: long enough, and Vietnamese enough, not to be a name."""
    found: set[str] = set()
    for path in CATALOGS:
        with path.open("rb") as handle:
            for message in read_po(handle):
                strings = message.string if isinstance(message.string, tuple) else (message.string,)
                ids = message.id if isinstance(message.id, tuple) else (message.id,)
                for text in strings:
                    if not text or text in ids:
                        continue
                    for part in PLACEHOLDER.split(text):
                        part = part.strip(" .,:;()·—-")
                        if len(part) >= 12 and " " in part and VIETNAMESE_LETTER.search(part):
                            found.add(part)
    return sorted(found)


def raw_values() -> dict[str, re.Pattern]:
    """Enum values a page should show through its label ("growing_area", "in_review"), as whole words."""
    words = {m.value for cls in _enum_classes() if issubclass(cls, enum.Enum) for m in cls if "_" in m.value}
    return {w: re.compile(rf"(?<![\w@./-]){re.escape(w)}(?![\w@/-])") for w in sorted(words)}


def _vietnamese_number(text: str) -> bool:
    if "," in text:  # a decimal comma ("1.234,5", "180,5"), unless it groups thousands ("120,000", "1,234.5")
        return text.rfind(",") > text.rfind(".") and not ENGLISH_GROUPS.fullmatch(text)
    return bool(VIETNAMESE_GROUPS.fullmatch(text))


def english_problems(text: str, vietnamese: list[str], raw: dict[str, re.Pattern]) -> list[str]:
    found = [f"Vietnamese: {m!r}" for m in vietnamese if m in text]
    found += [f"raw value: {word!r}" for word, pattern in raw.items() if pattern.search(text)]
    found += [f"number: {n!r}" for n in map(re.Match.group, NUMBER.finditer(text)) if _vietnamese_number(n)]
    found += [f"day: {m.group()!r}" for m in VIETNAMESE_DAY.finditer(text)]
    return found


@pytest.fixture(scope="module")
def vietnamese() -> list[str]:
    return catalog_vietnamese()


@pytest.fixture(scope="module")
def raw() -> dict[str, re.Pattern]:
    return raw_values()


def test_every_page_of_the_demo_reads_in_english(app, db_session, vietnamese, raw):
    walk_demo_pages(app, db_session, "en", lambda html: english_problems(visible_text(html), vietnamese, raw))


def test_the_english_checks_catch_what_they_look_for(vietnamese, raw):
    """Each kind of slip is noticed, and the demo's Vietnamese data or English numbers are not."""
    assert "Không tìm thấy gì tại địa chỉ này" in vietnamese
    left = english_problems("Status: Không tìm thấy gì tại địa chỉ này.", vietnamese, raw)
    assert "Vietnamese: 'Không tìm thấy gì tại địa chỉ này'" in left
    assert all(problem.startswith("Vietnamese: ") for problem in left)
    assert english_problems("Kind: growing_area", vietnamese, raw) == ["raw value: 'growing_area'"]
    assert english_problems("Quantity 180,5 bags", vietnamese, raw) == ["number: '180,5'"]
    assert english_problems("120.000 kg", vietnamese, raw) == ["number: '120.000'"]
    assert english_problems("Harvested 05/10/2026", vietnamese, raw) == ["day: '05/10/2026'"]
    clean = "Hợp tác xã chè Tân Cương · 120,000 kg · 1,234.5 kg · 180.5 bags · Oct 5, 2026 · TC-2026.11 · 21.49123"
    assert english_problems(clean, vietnamese, raw) == []


def test_a_measured_value_typed_with_a_decimal_comma_reads_in_the_pages_notation(app):
    from traceability.i18n import number

    with app.test_request_context("/?lang=en"):
        assert (number("< 0,01"), number("0,02 mg/kg"), number("2,5")) == ("< 0.01", "0.02 mg/kg", "2.5")
    with app.test_request_context("/?lang=vi"):
        assert (number("<0.01"), number("< 0,01")) == ("<0,01", "< 0,01")
