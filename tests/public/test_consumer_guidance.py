"""What the consumer is told besides the facts: what to do with a recalled or suspended product, who runs the
registry (name, emblem, hotline, privacy), and that the start page's box also opens a report by its receipt."""

from __future__ import annotations

from sqlalchemy import select

from traceability.batches.models import BatchStatus
from traceability.codes.demo import EXAMPLE_CODE
from traceability.codes.identifiers import check_character, grouped
from traceability.codes.models import Code
from traceability.demo import load_demo
from traceability.public.models import ConsumerReport, ReportKind


def _todo(html: str) -> str:
    return html.split('id="what-to-do"', 1)[1].split("</section>", 1)[0] if 'id="what-to-do"' in html else ""


def test_a_recall_tells_the_consumer_to_stop_return_it_and_call(client, published, set_status):
    batch, code = published()
    set_status(batch, BatchStatus.RECALLED, "Dư lượng vượt ngưỡng")
    todo = _todo(client.get(f"/c/{code.value}?lang=vi").get_data(as_text=True))
    assert "Ngừng sử dụng." in todo and "Mang trả lại nơi bạn đã mua" in todo
    assert 'href="tel:1022"' in todo and "Sở Nông nghiệp và Môi trường tỉnh Thái Nguyên" in todo


def test_a_suspension_tells_the_consumer_to_wait(client, published, set_status):
    batch, code = published()
    set_status(batch, BatchStatus.SUSPENDED, "Chờ kết quả kiểm nghiệm")
    todo = _todo(client.get(f"/c/{code.value}?lang=vi").get_data(as_text=True))
    assert "Tạm thời chưa dùng" in todo and "Ngừng sử dụng" not in todo and 'href="tel:1022"' in todo


def test_a_product_in_good_standing_has_nothing_to_do(client, published):
    _batch, code = published()
    assert _todo(client.get(f"/c/{code.value}").get_data(as_text=True)) == ""


def test_every_page_names_the_agency_with_its_emblem_hotline_and_privacy_note(client, settings):
    html = client.get("/?lang=vi").get_data(as_text=True)
    footer = html.split('<footer id="agency">', 1)[1]
    assert "Sở Nông nghiệp và Môi trường tỉnh Thái Nguyên" in footer and 'href="tel:1022"' in footer
    assert "/static/img/emblem.svg" in footer and "Quyền riêng tư" in footer
    assert '<link rel="icon" href="/static/favicon.svg"' in html
    english = client.get("/?lang=en").get_data(as_text=True)
    assert "Thái Nguyên provincial Department of Agriculture and Environment" in english
    settings.update(AGENCY_NAME="Chi cục Quản lý chất lượng", AGENCY_HOTLINE="0208 3 123 456", AGENCY_PRIVACY_NOTE="X")
    footer = client.get("/").get_data(as_text=True).split('<footer id="agency">', 1)[1]
    assert "Chi cục Quản lý chất lượng" in footer and 'href="tel:02083123456"' in footer
    assert "Quyền riêng tư" not in footer


def test_the_favicon_is_answered_at_the_root(client):
    response = client.get("/favicon.ico")
    assert response.status_code == 200 and response.data[:4] == b"\x00\x00\x01\x00"  # an ICO file
    assert client.get("/static/favicon.svg").status_code == 200


def test_the_start_pages_example_is_a_code_of_the_demo(client, db_session):
    load_demo(db_session)
    db_session.commit()
    home = client.get("/").get_data(as_text=True)
    assert f'placeholder="{grouped(EXAMPLE_CODE)}"' in home
    # what a person types from the example opens a real page, not "possibly fake"
    typed = client.get(f"/check?code={grouped(EXAMPLE_CODE).lower()}")
    assert typed.status_code == 303
    page = client.get(typed.headers["Location"], follow_redirects=True)
    assert page.status_code == 200 and 'id="status" class="verdict' in page.get_data(as_text=True)
    assert db_session.scalar(select(Code).where(Code.value == EXAMPLE_CODE)).batch.status == BatchStatus.PUBLISHED


def test_a_receipt_typed_in_the_box_opens_the_report(client, db_session, published):
    batch, code = published()
    receipt = "RECE1PT00000" + check_character("RECE1PT00000")
    report = ConsumerReport(receipt=receipt, code=code, batch=batch, kind=ReportKind.QUALITY, message="Mốc")
    db_session.add(report)
    db_session.commit()
    typed = client.get(f"/check?code={grouped(receipt).lower()}")  # any case, with dashes, as printed
    assert typed.status_code == 303 and typed.headers["Location"].endswith(f"/r/{receipt}")
    assert grouped(receipt) in client.get(typed.headers["Location"]).get_data(as_text=True)
    # a product code still goes to its page, and a typing mistake is still explained
    assert client.get(f"/check?code={code.value}").headers["Location"].endswith(f"/c/{code.value}")
    mistyped = code.value[:-1] + ("Z" if code.value[-1] != "Z" else "Y")  # a wrong check character
    assert client.get(f"/check?code={mistyped}").status_code == 400
