"""The field pack's choice of communes: the province's reference list, matched by code, and by name for the
sites and organisations whose commune was typed before the list (any spelling, case or accents)."""

from __future__ import annotations

import datetime as dt
import json
import re
from decimal import Decimal

from traceability.accounts.models import Role
from traceability.batches.models import BatchStatus
from traceability.db import utcnow
from traceability.public.models import ReportStatus
from traceability.shipments.models import Shipment, ShipmentStatus

from ..conftest import login
from .test_query_counts import counted

EN = {"Accept-Language": "en"}
VI = {"Accept-Language": "vi"}
LA_BANG, TAN_CUONG, LA_HIEN = "05818", "05503", "05740"


def lots(api, **query) -> list[str]:
    response = api.get("/api/v1/field-pack", query_string=query, headers=EN)
    assert response.status_code == 200, response.get_json()
    return [b["lot_code"] for b in response.get_json()["batches"]]


def typed(row, text: str):
    """As kept before the reference list: the commune as typed, tied to no code."""
    row.commune, row.commune_code = text, None
    return row


def test_a_communes_pack_holds_exactly_its_batches_whatever_the_spelling(
    api_as, inspector, make_org, make_site, make_batch, db_session
):
    listed = make_org(commune_code=LA_BANG, commune="Xã La Bằng")
    old_text = typed(make_org(), "xa LA BANG")  # typed before the list, in capitals without accents
    spaced = typed(make_org(), "  La   Bằng ")
    elsewhere = make_org(commune_code=TAN_CUONG, commune="Xã Tân Cương")
    neighbour = make_org(commune_code=LA_HIEN, commune="Xã La Hiên")  # another "La …" commune
    # the code decides over the text beside it
    coded_elsewhere = typed(make_org(), "La Bằng")
    coded_elsewhere.commune_code = TAN_CUONG
    here = [
        make_batch(listed, BatchStatus.PUBLISHED, lot_code="LB-CODE", site=make_site(listed, commune_code=LA_BANG)),
        make_batch(old_text, BatchStatus.PUBLISHED, lot_code="LB-TEXT", site=make_site(old_text, commune="lá bằng")),
        make_batch(spaced, BatchStatus.PUBLISHED, lot_code="LB-SPACES"),  # its site is typed "Tân Cương"
        # a producer of Tân Cương whose growing area is in La Bằng, typed in lower case without every accent
        make_batch(
            elsewhere, BatchStatus.PUBLISHED, lot_code="LB-SITE", site=make_site(elsewhere, commune="xã La Bang")
        ),
    ]
    make_batch(elsewhere, BatchStatus.PUBLISHED, lot_code="TC-01")
    make_batch(neighbour, BatchStatus.PUBLISHED, lot_code="LH-01", site=make_site(neighbour, commune="La Hiên"))
    make_batch(
        coded_elsewhere,
        BatchStatus.PUBLISHED,
        lot_code="TC-CODED",
        site=make_site(coded_elsewhere, commune_code=TAN_CUONG),
    )
    db_session.commit()

    api = api_as(inspector)
    wanted = sorted(b.lot_code for b in here)
    for chosen in (LA_BANG, "Xã La Bằng", "la bang", "LA BẰNG", "  xã  la  bằng "):
        assert sorted(lots(api, commune=chosen)) == wanted, chosen
    pack = api.get("/api/v1/field-pack", query_string={"commune": "la bang"}, headers=EN).get_json()
    assert pack["communes"] == ["Xã La Bằng"] and pack["commune_codes"] == [LA_BANG]
    assert {o["id"] for o in pack["organizations"]} >= {listed.id, old_text.id, spaced.id}
    assert neighbour.id not in {o["id"] for o in pack["organizations"]}
    # two communes at once: both communes' batches, each once
    both = lots(api, commune=[LA_BANG, "La Hiên", LA_BANG])
    assert sorted(both) == sorted([*wanted, "LH-01"])


def test_a_commune_outside_the_list_is_refused_by_name(api_as, inspector):
    response = api_as(inspector).get(
        "/api/v1/field-pack", query_string={"commune": ["La Bằng", "Xã Không Có"]}, headers=EN
    )
    assert response.status_code == 422
    message = json.dumps(response.get_json()["errors"]["query"]["commune"], ensure_ascii=False)
    assert "Xã Không Có" in message and "list" in message


def test_the_field_page_offers_the_lists_communes_in_vietnamese(client, make_user):
    login(client, make_user(Role.INSPECTOR))
    client.set_cookie("lang", "vi")
    page = client.get("/inspect/field/").get_data(as_text=True)
    boxes = re.findall(r'name="commune" value="(\d+)"> ([^<]+)<', page)
    assert len(boxes) == 92
    assert (LA_BANG, "Xã La Bằng") in [(code, name.strip()) for code, name in boxes]
    assert "Phường" in page and "Xã Tân Cương" in page


def test_the_pack_warns_of_recalled_and_suspended_inputs_and_carries_open_reports(
    api_as, inspector, tree, make_report, db_session
):
    now = utcnow()
    tree.leaf.status, tree.leaf.status_reason, tree.leaf.status_changed_at = BatchStatus.RECALLED, "Dư lượng.", now
    tree.processed.status, tree.processed.status_changed_at = BatchStatus.SUSPENDED, now
    tree.processed.status_reason = "Chờ kết quả kiểm nghiệm"
    # the shop received the dried tea from the processor: a shipment accepted into its own lot
    db_session.add(
        Shipment(
            organization_id=tree.processed.organization_id,
            batch_id=tree.processed.id,
            to_tax_code=tree.packed.organization.tax_code,
            to_organization_id=tree.packed.organization_id,
            quantity=Decimal(20),
            unit="kg",
            shipped_on=dt.date(2026, 11, 2),
            reference_doc="PX-001",
            status=ShipmentStatus.ACCEPTED,
            received_batch_id=tree.packed.id,
        )
    )
    make_report(tree.packed, message="Hộp quà bị rách tem", contact="0988 000 111")
    make_report(tree.packed, status=ReportStatus.RESOLVED, message="Đã xử lý")
    db_session.commit()

    pack = api_as(inspector).get("/api/v1/field-pack", query_string={"commune": "Phan Đình Phùng"}, headers=EN)
    box = next(b for b in pack.get_json()["batches"] if b["lot_code"] == "BOX-1")
    # nearest first: the dried tea it was received from (suspended), then the fresh tea that went into it
    assert [(u["lot_code"], u["kind"], u["received"]) for u in box["upstream"]] == [
        ("DRY-1", "suspension", True),
        ("LEAF-1", "recall", False),
    ]
    assert box["upstream"][0]["text"].startswith("Received from Công ty Chè Sông Cầu")
    assert "Chờ kết quả kiểm nghiệm" in box["upstream"][0]["text"]
    assert box["upstream"][1]["text"].startswith("Made from") and "recalled on" in box["upstream"][1]["text"]
    assert "Dư lượng." in box["upstream"][1]["text"] and "Dư lượng.." not in box["upstream"][1]["text"]
    assert [r["message"] for r in box["reports"]] == ["Hộp quà bị rách tem"]  # the resolved one is not carried
    assert "0988" not in json.dumps(box, ensure_ascii=False)  # nor the consumer's contact
    assert box["reports"][0]["kind_text"] and box["reports"][0]["receipt"]

    vi = api_as(inspector).get("/api/v1/field-pack", query_string={"commune": "Phan Đình Phùng"}, headers=VI)
    box = next(b for b in vi.get_json()["batches"] if b["lot_code"] == "BOX-1")
    assert box["upstream"][0]["text"].startswith("Nhận từ Công ty Chè Sông Cầu")
    assert box["upstream"][1]["text"].startswith("Làm từ") and "thu hồi" in box["upstream"][1]["text"]


def _pack_statements(n, api, engine, make_org, make_batch, make_report, db_session) -> tuple[int, int]:
    """Statements to prepare the pack of a commune of n more organisations, each with its own product, a batch
    made from a recalled lot, and an open report."""
    recalled = make_batch(make_org(commune_code=TAN_CUONG, commune="Xã Tân Cương"), BatchStatus.RECALLED)
    for i in range(n):
        org = make_org(commune_code=LA_HIEN, commune="Xã La Hiên", name=f"HTX La Hiên {n}-{i}")
        batch = make_batch(org, BatchStatus.PUBLISHED, lot_code=f"LH-{n}-{i}", inputs=[(recalled, 1)])
        make_report(batch)
    db_session.commit()
    with counted(engine) as statements:
        response = api.get("/api/v1/field-pack", query_string={"commune": LA_HIEN}, headers=EN)
    assert response.status_code == 200
    batches = response.get_json()["batches"]
    assert all(b["upstream"] and b["reports"] and b["category_text"] for b in batches)
    return len(batches), len(statements)


def test_preparing_a_pack_costs_the_same_statements_however_many_batches(
    api_as, inspector, engine, make_org, make_batch, make_report, db_session
):
    api = api_as(inspector)
    few = _pack_statements(2, api, engine, make_org, make_batch, make_report, db_session)
    many = _pack_statements(6, api, engine, make_org, make_batch, make_report, db_session)
    assert (few[0], many[0]) == (2, 8)
    assert many[1] == few[1]  # one statement per kind of row, not per batch, product or category


def test_the_packs_times_are_written_as_the_workspace_writes_them(app):
    from flask_babel import format_datetime

    from traceability.inspection.field import _Writer

    moments = [dt.datetime(2026, 11, 30, 17, 5), dt.datetime(2026, 1, 2, 3, 4, tzinfo=dt.UTC)]
    for language in ("vi", "en"):
        with app.test_request_context(headers={"Accept-Language": language}):
            w = _Writer()
            assert [w.dt(m) for m in moments] == [format_datetime(m, "short") for m in moments]
            assert w.dt(None) == ""
