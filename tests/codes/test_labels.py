"""Label sheets: every QR on the printed page reads back as its URL; the text is there, diacritics included."""

from __future__ import annotations

import tracemalloc

import pytest

from traceability.codes.identifiers import grouped, new_code
from traceability.codes.labels import GRIDS, LabelText, label_sheet_chunks

from .conftest import decode_image, pdf_text, rasterise_pdf

pytestmark = pytest.mark.no_db
TEXT = LabelText("Chè Tân Cương đặc biệt", "Lô: TC-2026/11", "HSD: 31/12/2027")


def _entries(count: int) -> list[tuple[str, str]]:
    codes = [new_code() for _ in range(count)]
    return [(f"https://registry.example/01/08936012345001/10/TC-2026%2F11/21/{c}", grouped(c)) for c in codes]


def _sheet(entries, per_page: int) -> bytes:
    return b"".join(label_sheet_chunks(entries, TEXT, per_page, title="Nhãn lô TC-2026/11"))


@pytest.mark.parametrize("per_page", sorted(GRIDS))
def test_every_label_on_the_printed_page_decodes_to_its_url(per_page):
    entries = _entries(per_page + 3)  # a full page and a few on the next
    pages = rasterise_pdf(_sheet(entries, per_page), dpi=150)
    assert len(pages) == 2
    assert pages[0].size == (1241, 1754)  # A4 at 150 dpi
    found = decode_image(pages[0]) + decode_image(pages[1])
    assert found == [url for url, _code in entries]  # all of them, in print order


def test_labels_carry_product_lot_expiry_and_grouped_code_in_vietnamese():
    entries = _entries(2)
    text = " ".join(pdf_text(_sheet(entries, 10)).split())  # the name may wrap anywhere between its words
    assert text.count("Chè Tân Cương đặc biệt") == 2
    assert text.count("Lô: TC-2026/11") == 2
    assert text.count("HSD: 31/12/2027") == 2
    for _url, code in entries:
        assert code in text  # e.g. 7KQ2-M9XH-4TAB-C


def test_a_long_product_name_is_shortened_not_spilled():
    long_text = LabelText("Chè búp khô Tân Cương thượng hạng " * 4, "Lô: A1", None)
    text = pdf_text(b"".join(label_sheet_chunks(_entries(1), long_text, 40)))
    assert "…" in text
    assert "thượng hạng Chè búp khô Tân Cương thượng hạng Chè" not in text


def test_the_sheet_comes_out_a_page_at_a_time():
    chunks = list(label_sheet_chunks(_entries(50), TEXT, 24))
    assert len(chunks) == 3  # two full pages as they fill, then the last page with the trailer
    assert chunks[0].startswith(b"%PDF-") and b"%%EOF" not in chunks[0]
    assert chunks[-1].rstrip().endswith(b"%%EOF")


def test_memory_does_not_grow_with_the_number_of_labels():
    def peak(count: int) -> int:
        entries = _entries(count)
        tracemalloc.start()
        for _chunk in label_sheet_chunks(iter(entries), TEXT, 40):
            pass
        _current, top = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        return top

    peak(40)  # warm the caches
    small, large = peak(80), peak(1000)
    assert large < small * 1.5, (small, large)


def test_each_label_says_who_made_it_and_where_to_type_its_code():
    text_lines = LabelText(
        "Chè Tân Cương đặc biệt",
        "Lô: TC-2026/11",
        "HSD: 31/12/2027",
        producer="HTX Chè Tân Cương Xanh",
        address="Nhập mã tại truyxuat.thainguyen.gov.vn",
    )
    for per_page in sorted(GRIDS):
        entries = _entries(per_page)
        sheet = b"".join(label_sheet_chunks(entries, text_lines, per_page))
        text = " ".join(pdf_text(sheet).split())
        # whole on every label, never cut short: a person types this address
        assert text.count("truyxuat.thainguyen.gov.vn") == per_page, per_page
        assert text.count("HTX Chè Tân Cương") == per_page, per_page
        for _url, code in entries:
            assert code in text
        # the QR codes still read back with the extra lines under them
        assert decode_image(rasterise_pdf(sheet, dpi=150)[0]) == [url for url, _code in entries]
