"""Finding a batch fast: a scanned QR (registry URL or GS1 Digital Link), a typed code, or a search."""

from __future__ import annotations

import pytest

from traceability.batches.models import BatchStatus
from traceability.codes.identifiers import grouped
from traceability.codes.services import lot_code_for


@pytest.fixture
def findable(db_session, make_org, make_product, make_site, make_batch):
    org = make_org(name="HTX Chè La Bằng", commune="La Bằng")
    product = make_product(org, name="Chè móc câu La Bằng", gtin="08936012345018")
    site = make_site(org, commune="La Bằng")
    batch = make_batch(org, status=BatchStatus.PUBLISHED, product=product, site=site, lot_code="LB-2026-07")
    db_session.commit()
    return batch


def _find(client, q: str, **extra):
    return client.get("/inspect/find", query_string={"q": q, **extra})


@pytest.mark.parametrize(
    "typed",
    [
        lambda code: code,
        lambda code: grouped(code).lower(),  # as printed, typed on a phone in lower case
        lambda code: f"https://registry.example/c/{grouped(code)}",  # what the QR holds
        lambda code: "https://registry.example/01/08936012345018/10/LB-2026-07",  # GS1 Digital Link
        lambda code: "https://registry.example/01/8936012345018/10/LB-2026-07?linkType=all",  # GTIN-13
    ],
)
def test_a_scanned_or_typed_code_opens_the_batch(db_session, findable, inspector, login_as, typed):
    code = lot_code_for(db_session, findable).value
    response = _find(login_as(inspector), typed(code))
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/inspect/batches/{findable.id}")


def test_a_unit_code_in_a_digital_link_opens_its_batch(db_session, findable, inspector, login_as):
    from traceability.codes.models import Code, CodeKind

    db_session.add(Code(value="7KQ2M9XH4TABR", batch_id=findable.id, kind=CodeKind.SERIAL))
    db_session.commit()
    link = "https://registry.example/01/08936012345018/10/LB-2026-07/21/7KQ2M9XH4TABR"
    response = _find(login_as(inspector), link)
    assert response.headers["Location"].endswith(f"/inspect/batches/{findable.id}")


def test_the_workspace_in_english(db_session, inspector, login_as):
    html = login_as(inspector).get("/inspect/find?lang=en").get_data(as_text=True)
    assert "Find a batch" in html and "Scan a QR code with the camera" in html


def test_the_workspace_speaks_vietnamese_by_default(db_session, inspector, login_as):
    html = login_as(inspector).get("/inspect/find").get_data(as_text=True)
    assert "Tìm lô hàng" in html and "Quét mã QR bằng camera" in html


def test_a_mistyped_code_is_caught(db_session, findable, inspector, login_as):
    code = lot_code_for(db_session, findable).value
    wrong = code[:-1] + ("0" if code[-1] != "0" else "1")
    response = _find(login_as(inspector), wrong)
    assert response.status_code == 422
    assert 'id="e-q"' in response.get_data(as_text=True)


def test_an_unknown_code_says_it_is_not_registered(db_session, findable, inspector, login_as):
    response = _find(login_as(inspector), "ABCDEFGHJKMN0")
    assert response.status_code == 422
    assert 'id="e-q"' in response.get_data(as_text=True)


@pytest.mark.parametrize("words", ["LB-2026", "móc câu", "htx chè la", "La Bằng", "la bằng"])
def test_search_by_lot_product_producer_or_commune(db_session, findable, make_batch, inspector, login_as, words):
    make_batch(status=BatchStatus.PUBLISHED, lot_code="OTHER-1")
    html = _find(login_as(inspector), words).get_data(as_text=True)
    assert "LB-2026-07" in html
    assert "OTHER-1" not in html


def test_search_filters_by_status(db_session, findable, inspector, login_as):
    client = login_as(inspector)
    assert "LB-2026-07" in _find(client, "La", status="published").get_data(as_text=True)
    assert "LB-2026-07" not in _find(client, "La", status="recalled").get_data(as_text=True)


def test_the_batch_page_shows_what_the_public_page_leaves_out(db_session, tree, make_report, inspector, login_as):
    from traceability.batches.models import Amendment, PublishAttempt

    problem = {"field": "chemicals", "rule": "phi", "message": "Thu hoạch trước khi hết thời gian cách ly."}
    db_session.add(PublishAttempt(batch_id=tree.processed.id, is_accepted=False, problems=[problem]))
    db_session.add(
        Amendment(
            batch_id=tree.processed.id, field="quantity", old_value="100", new_value="90", reason="Cân lại sau sấy"
        )
    )
    make_report(tree.processed, message="Bao bì rách")
    db_session.commit()
    html = login_as(inspector).get(f"/inspect/batches/{tree.processed.id}").get_data(as_text=True)
    for text in ("Thu hoạch trước khi hết thời gian cách ly.", "Cân lại sau sấy", "Bao bì rách"):
        assert text in html
    # the genealogy both ways
    made_from = html.split('id="genealogy"')[1]
    assert "LEAF-1" in made_from and "LEAF-2" in made_from and "BOX-1" in made_from


def test_the_batch_page_warns_of_a_recalled_ancestor(db_session, tree, inspector, login_as):
    from traceability.inspection.services import recall_batch

    recall_batch(db_session, inspector, tree.leaf, "Dư lượng vượt ngưỡng")
    db_session.commit()
    html = login_as(inspector).get(f"/inspect/batches/{tree.packed.id}").get_data(as_text=True)
    assert 'role="alert"' in html and "LEAF-1" in html.split('role="alert"')[1]


def test_a_link_is_read_as_the_resolver_reads_it(db_session, findable, inspector, login_as):
    from traceability.codes.models import Code, CodeKind

    db_session.add(Code(value="7KQ2M9XH4TABR", batch_id=findable.id, kind=CodeKind.SERIAL))
    db_session.commit()
    client = login_as(inspector)
    # a serial without its lot, as GS1 allows
    response = _find(client, "https://registry.example/01/08936012345018/21/7KQ2M9XH4TABR")
    assert response.headers["Location"].endswith(f"/inspect/batches/{findable.id}")
    # a wrong GTIN check digit is no code: the text is searched for, and nothing is opened
    assert _find(client, "https://registry.example/01/08936012345019/10/LB-2026-07").status_code == 200
