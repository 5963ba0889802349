"""The URL inside a QR code: GS1 Digital Link where the product has a GTIN, /c/{code} otherwise; read back strictly."""

from __future__ import annotations

import pytest

from traceability.batches.models import BatchStatus
from traceability.codes.identifiers import new_code
from traceability.codes.models import CodeKind
from traceability.codes.services import code_for_link, issue_serial_codes, lot_code_for
from traceability.codes.urls import CodeURLError, DigitalLink, code_url, parse_code_url, parse_link_path, url_maker

BASE = "https://registry.example"


def test_lot_and_unit_codes_of_a_gtin_product_use_digital_link(db_session, owner):
    lot = lot_code_for(db_session, owner.batch)
    serial = issue_serial_codes(db_session, owner.batch, 1, owner.user)[0]
    assert code_url(lot, BASE) == f"{BASE}/01/08936012345001/10/TC-2026%2F11"  # "/" in a lot is percent-encoded
    make = url_maker(owner.batch, BASE)
    assert make(serial, CodeKind.SERIAL) == f"{BASE}/01/08936012345001/10/TC-2026%2F11/21/{serial}"


@pytest.mark.parametrize(
    "lot",
    [
        "LÔ-01",  # not in GS1's character set
        "A" * 21,  # longer than AI 10 allows
        "LOT 7",  # spaces are not allowed either
    ],
)
def test_a_lot_code_gs1_cannot_carry_falls_back_to_the_short_form(db_session, make_batch, make_product, lot):
    product = make_product(gtin="08936012345018")
    batch = make_batch(product=product, status=BatchStatus.PUBLISHED, lot_code=lot)
    code = lot_code_for(db_session, batch)
    assert code_url(code, BASE) == f"{BASE}/c/{code.value}"


def test_a_product_without_gtin_gets_the_short_form(db_session, make_batch):
    batch = make_batch(status=BatchStatus.PUBLISHED)
    code = lot_code_for(db_session, batch)
    assert code_url(code, BASE) == f"{BASE}/c/{code.value}"


def test_every_url_we_issue_resolves_back_to_its_code(db_session, owner, make_batch):
    plain = make_batch(status=BatchStatus.PUBLISHED)
    codes = [lot_code_for(db_session, owner.batch), lot_code_for(db_session, plain)]
    serials = issue_serial_codes(db_session, owner.batch, 3, owner.user)
    urls = [code_url(c, BASE) for c in codes] + [url_maker(owner.batch, BASE)(s, CodeKind.SERIAL) for s in serials]
    found = [code_for_link(db_session, parse_code_url(url)) for url in urls]
    assert [c.value for c in found] == [codes[0].value, codes[1].value, *serials]
    assert [c.batch_id for c in found] == [owner.batch.id, plain.id] + [owner.batch.id] * 3


@pytest.mark.no_db
def test_parsing_pads_short_gtins_and_decodes_values():
    assert parse_code_url("https://x.example/01/8936012345001/10/A%2FB") == DigitalLink("08936012345001", "A/B", None)
    assert parse_code_url("/01/96385074/10/L1/21/S9") == DigitalLink("00000096385074", "L1", "S9")
    assert parse_code_url("https://x.example/01/036000291452") == DigitalLink("00036000291452", None, None)
    # a path prefix in front of the registry is fine
    assert parse_code_url("https://x.example/trace/01/08936012345001/22/V1/10/L1").lot == "L1"


@pytest.mark.no_db
def test_short_form_is_read_in_any_case_with_or_without_dashes():
    code = new_code()
    grouped = f"{code[:4]}-{code[4:8]}-{code[8:12]}-{code[12]}".lower()
    assert parse_code_url(f"https://x.example/c/{grouped}") == code


@pytest.mark.no_db
@pytest.mark.parametrize(
    "url",
    [
        "https://x.example/01/08936012345002/10/L1",  # wrong GTIN check digit
        "https://x.example/01/08936012345001/21/S1/10/L1",  # qualifiers out of order (22 → 10 → 21)
        "https://x.example/01/08936012345001/10/L1/22/V1",
        "https://x.example/01/08936012345001/10/" + "A" * 21,  # lot longer than 20
        "https://x.example/01/08936012345001/10/L%C3%B41",  # lot outside CSET 82
        "https://x.example/01/08936012345001/10",  # a key without its value
        "https://x.example/00/106141412345678908",  # an SSCC, not a product
        "https://x.example/batch/7",
        "ftp://x.example/01/08936012345001",
    ],
)
def test_malformed_links_are_refused(url):
    with pytest.raises(CodeURLError):
        parse_code_url(url)


@pytest.mark.no_db
def test_a_mistyped_short_code_is_refused():
    code = new_code()
    wrong = code[:-1] + ("0" if code[-1] != "0" else "1")
    with pytest.raises(ValueError):
        parse_code_url(f"https://x.example/c/{wrong}")


@pytest.mark.no_db
@pytest.mark.parametrize(
    ("path", "reason"),
    [
        ("/01/08936012345002/10/L1", "check digit"),
        ("/01/08936012345001/21/S1/10/L1", "qualifier"),  # 10 after 21
        ("/00/106141412345678908", r"GTIN \(01\)"),
    ],
)
def test_the_resolver_reading_says_why_a_link_is_malformed(path, reason):
    with pytest.raises(CodeURLError, match=reason):
        parse_link_path(path)


@pytest.mark.no_db
def test_the_resolver_reading_decodes_values_and_keeps_a_serial_without_its_lot():
    assert parse_link_path("/01/08936012345001/10/TN%2F2026%2B7") == DigitalLink("08936012345001", "TN/2026+7", None)
    assert parse_link_path("/01/8936012345001/21/7KQ2M9XH4TABR") == DigitalLink("08936012345001", None, "7KQ2M9XH4TABR")
