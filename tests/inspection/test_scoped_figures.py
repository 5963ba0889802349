"""Dashboards, the yearly report (page, spreadsheet, the worker's workbook) and the report list of the API follow
the inspector's agency by default and the whole province on request; the province's report shares its figures
out among the agencies so that the rows add up."""

from __future__ import annotations

import datetime as dt
import io
import re
from dataclasses import dataclass

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from traceability.accounts.models import Role, User
from traceability.batches.models import Batch, BatchStatus
from traceability.codes.models import Scan
from traceability.codes.services import lot_code_for
from traceability.inspection import scope
from traceability.inspection.figures import LOCAL_TZ, Period, dashboard, total, yearly_report
from traceability.inspection.models import Inspection, InspectionAction, InspectionResult
from traceability.jobs.queue import huey
from traceability.public.models import ConsumerReport, ReportKind
from traceability.reference.models import Agency, AgencyKind, Commune, ProductCategory

from ..conftest import run_queued

VI = {"Accept-Language": "vi"}
EN = {"Accept-Language": "en"}
TAN_CUONG, DUC_XUAN, PHU_BINH = "05503", "01840", "05908"
YEAR = Period.year(2025)


def local(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=LOCAL_TZ).astimezone(dt.UTC)


@dataclass
class Province:
    tan_cuong: Agency  # the commune's office: Tân Cương, every category
    duc_xuan: Agency  # the ward's office: Đức Xuân, every category
    tea_department: Agency  # tea everywhere: overlaps both communes' offices
    local: object  # an inspector of Tân Cương
    provincial: object  # an inspector without an agency


def _agency(db_session, name, kind, communes=(), categories=()) -> Agency:
    agency = Agency(
        name=name,
        kind=kind,
        communes=list(db_session.scalars(select(Commune).where(Commune.code.in_(communes)))),
        categories=list(db_session.scalars(select(ProductCategory).where(ProductCategory.code.in_(categories)))),
    )
    db_session.add(agency)
    db_session.flush()
    return agency


@pytest.fixture
def province(db_session, make_org, make_product, make_site, make_batch, make_user) -> Province:
    """2025: five batches published in three communes, inspections, a recall, a suspension and reports.

    Tân Cương: tea and honey (its office's); Đức Xuân: tea (its office's, recalled); Phú Bình: tea (the tea
    department's, suspended) and honey (no agency's)."""
    tan_cuong = _agency(db_session, "UBND xã Tân Cương", AgencyKind.COMMUNE, [TAN_CUONG])
    duc_xuan = _agency(db_session, "UBND phường Đức Xuân", AgencyKind.COMMUNE, [DUC_XUAN])
    tea_department = _agency(db_session, "Chi cục Chè", AgencyKind.AGRICULTURE_ENVIRONMENT, categories=["tea"])
    local_inspector = make_user(Role.INSPECTOR, full_name="Cán bộ Tân Cương")
    local_inspector.agency_id = tan_cuong.id
    provincial = make_user(Role.INSPECTOR, full_name="Cán bộ tỉnh")

    def publish(org_name, commune, category, lot, at, status=BatchStatus.PUBLISHED, changed_at=None):
        org = make_org(name=org_name, commune_code=commune, created_at=at)
        batch = make_batch(
            org,
            status=status,
            lot_code=lot,
            product=make_product(org, category_code=category, name=f"Sản phẩm {lot}", created_at=at),
            site=make_site(org, commune_code=commune),
        )
        batch.published_at = at
        lot_code_for(db_session, batch).created_at = at  # the factory issues it "now"
        if changed_at:
            batch.status_reason, batch.status_changed_at = "Dư lượng", changed_at
        return batch

    tc_tea = publish("HTX Chè Tân Cương", TAN_CUONG, "tea", "TC-TEA", local(2025, 3, 1))
    publish("Trại ong Tân Cương", TAN_CUONG, "honey", "TC-HONEY", local(2025, 4, 1))
    dx_tea = publish("HTX Chè Đức Xuân", DUC_XUAN, "tea", "DX-TEA", local(2025, 5, 1), BatchStatus.RECALLED,
                     local(2025, 6, 1))  # fmt: skip
    pb_tea = publish("HTX Chè Phú Bình", PHU_BINH, "tea", "PB-TEA", local(2025, 6, 1), BatchStatus.SUSPENDED,
                     local(2025, 7, 1))  # fmt: skip
    pb_honey = publish("Trại ong Phú Bình", PHU_BINH, "honey", "PB-HONEY", local(2025, 7, 1))
    publish("HTX Chè năm sau", TAN_CUONG, "tea", "TC-2026", local(2026, 1, 5))  # outside the period

    for batch in (tc_tea, dx_tea, dx_tea):
        db_session.add(Scan(code_id=lot_code_for(db_session, batch).id, scanned_at=local(2025, 8, 2), client_hash="c"))
    for batch, times in ((tc_tea, 1), (dx_tea, 2), (pb_honey, 1)):
        for _ in range(times):
            db_session.add(Inspection(inspector=provincial, batch=batch, organization=batch.organization,
                                      result=InspectionResult.COMPLIANT, action=InspectionAction.NONE,
                                      inspected_at=local(2025, 8, 1)))  # fmt: skip
    # reports as the consumer page routes them (scope.agency_for), and one about no batch (a fake code)
    for batch, message in ((tc_tea, "Chè Tân Cương mốc"), (pb_tea, "Chè Phú Bình đục"), (pb_honey, "Mật lạ"),
                           (None, "Mã không có")):  # fmt: skip
        agency = scope.agency_for(db_session, batch) if batch else None
        db_session.add(ConsumerReport(receipt=f"R-{message[:6]}", batch=batch, kind=ReportKind.QUALITY,
                                      message=message, created_at=local(2025, 9, 1),
                                      agency_id=agency.id if agency else None))  # fmt: skip
    db_session.commit()
    return Province(tan_cuong, duc_xuan, tea_department, local_inspector, provincial)


def test_an_agencys_dashboard_counts_its_batches_only(db_session, province):
    own = dashboard(db_session, YEAR, scope.scope_filter(db_session, province.local))
    assert own.batches_total == 2  # Tân Cương's tea and honey; not Đức Xuân's nor Phú Bình's
    assert [(c.code, n) for c, n in own.batches_by_category] == [("honey", 1), ("tea", 1)]
    assert own.inspections_by_result == [(InspectionResult.COMPLIANT, 1)]
    assert own.reports_by_kind == [(ReportKind.QUALITY, 1)]
    whole = dashboard(db_session, YEAR)
    assert whole.batches_total == 5
    assert whole.inspections_by_result == [(InspectionResult.COMPLIANT, 4)]
    assert whole.reports_by_kind == [(ReportKind.QUALITY, 4)]
    # the provincial inspector's scope is the whole province
    assert dashboard(db_session, YEAR, scope.scope_filter(db_session, province.provincial)).batches_total == 5


def test_an_agencys_yearly_report_counts_its_scope_only(db_session, province):
    own = yearly_report(db_session, YEAR, scope.scope_filter(db_session, province.local))
    assert own.batches_published == 2
    # those with a batch in Tân Cương, registered by the end of the year (not the one of 2026)
    assert own.organizations == {"registered": 2, "new": 2, "verified": 2}
    assert own.products == {"registered": 2, "new": 2}
    assert own.codes_issued == 2 and own.scans == {"scans": 1, "codes": 1}
    assert own.inspections_total == 1 and own.reports_total == 1
    assert own.recalls == [] and own.by_agency is None
    # the tea department covers tea everywhere: three in the year, and the recall in Đức Xuân
    tea_inspector_scope = scope.scope_filter(db_session, _inspector_of(db_session, province.tea_department))
    tea = yearly_report(db_session, YEAR, tea_inspector_scope)
    assert tea.batches_published == 3 and tea.scans == {"scans": 3, "codes": 2}
    assert [r.batch.lot_code for r in tea.recalls] == ["DX-TEA"]


def _inspector_of(db_session, agency):
    user = db_session.scalar(select(User).where(User.full_name == "Cán bộ tỉnh"))
    user.agency_id = agency.id
    db_session.flush()
    return user


def test_the_provinces_report_by_agency_adds_up_to_its_figures(db_session, province):
    report = yearly_report(db_session, YEAR, by_agency=True)
    rows = {(r.agency.name if r.agency else None): r for r in report.by_agency}
    assert list(rows) == ["Chi cục Chè", "UBND phường Đức Xuân", "UBND xã Tân Cương", None]  # by name, then none
    figures = {k: (r.batches_published, r.inspections, r.suspended_or_recalled, r.reports) for k, r in rows.items()}
    # Tân Cương's tea goes to the commune's office, not to the tea department also covering it
    assert figures == {
        "UBND xã Tân Cương": (2, 1, 0, 1),
        "UBND phường Đức Xuân": (1, 2, 1, 0),
        "Chi cục Chè": (1, 0, 1, 1),
        None: (1, 1, 0, 2),  # Phú Bình's honey, and the report about no batch
    }
    summed = total(report.by_agency)
    assert summed.batches_published == report.batches_published == 5
    assert summed.inspections == report.inspections_total == 4
    assert summed.reports == report.reports_total == 4
    assert summed.suspended_or_recalled == 2


def _figure(html: str, name: str) -> str:
    return re.search(rf'data-figure="{name}">([^<]*)<', html).group(1)


def test_the_yearly_page_shows_the_agencys_scope_and_links_to_the_province(client, login_as, province):
    login_as(province.local)
    own = client.get("/inspect/report?year=2025", headers=VI).get_data(as_text=True)
    assert _figure(own, "batches") == "2"
    assert "Đang xem số liệu thuộc phạm vi cơ quan của bạn." in own and "UBND xã Tân Cương phụ trách" in own
    assert 'id="by-agency"' not in own
    assert "/inspect/report?year=2025&amp;whole=1" in own
    assert "/inspect/report/job?whole=1" not in own  # the download is of the agency's scope too

    whole = client.get("/inspect/report?year=2025&whole=1", headers=VI).get_data(as_text=True)
    assert _figure(whole, "batches") == "5"
    assert "Đang xem toàn tỉnh." in whole and "Chỉ xem của cơ quan tôi" in whole
    table = whole[whole.index('id="by-agency"') :]
    assert "Theo cơ quan" in whole and "Không thuộc cơ quan nào" in table
    assert re.search(r'data-agency="total">.*?data-figure="batches">5<', table, re.S)
    # the year buttons, the period form and the download keep to the whole province
    assert "year=2024&amp;whole=1" in whole and 'name="whole" value="1"' in whole
    assert re.search(r'id="xlsx-job" action="[^"]*whole=1', whole)

    english = client.get("/inspect/report?year=2025&whole=1", headers=EN).get_data(as_text=True)
    assert "By agency" in english and "No agency covers it" in english


def test_a_provincial_inspector_sees_the_whole_province_with_nothing_to_switch(client, login_as, province):
    login_as(province.provincial)
    page = client.get("/inspect/report?year=2025", headers=VI).get_data(as_text=True)
    assert _figure(page, "batches") == "5" and 'id="by-agency"' in page
    assert "Đang xem toàn tỉnh." in page and "Chỉ xem của cơ quan tôi" not in page
    home = client.get("/inspect/?from=2025-01-01&to=2025-12-31", headers=VI).get_data(as_text=True)
    assert 'id="open-reports">4<' in home


def test_the_dashboard_page_follows_the_scope(client, login_as, province):
    login_as(province.local)
    own = client.get("/inspect/?from=2025-01-01&to=2025-12-31", headers=VI).get_data(as_text=True)
    assert '<span class="muted">(2)</span>' in own  # batches published, by commune
    assert "Phường Đức Xuân" not in own and "Xã Tân Cương" in own
    assert 'id="open-reports">1<' in own  # the reports sent to the agency, as its queue shows
    whole = client.get("/inspect/?from=2025-01-01&to=2025-12-31&whole=1", headers=VI).get_data(as_text=True)
    assert '<span class="muted">(5)</span>' in whole and "Phường Đức Xuân" in whole
    assert 'id="open-reports">4<' in whole and "/inspect/queue?whole=1" in whole
    assert client.get("/inspect/?whole=maybe", headers=VI).status_code == 200  # shown with the errors named


def _sheets(response) -> dict[str, list[tuple]]:
    assert response.status_code == 200
    book = load_workbook(io.BytesIO(response.data))
    return {s.title: list(s.iter_rows(values_only=True)) for s in book.worksheets}


def test_the_spreadsheet_has_the_agencys_figures_or_the_provinces_by_agency(client, login_as, province):
    login_as(province.local)
    own = _sheets(client.get("/inspect/report.xlsx?year=2025", headers=VI))
    summary = {row[0]: row[1] for row in own["Tổng hợp"]}
    assert summary["Lô hàng đã công bố"] == 2 and "UBND xã Tân Cương" in summary["Phạm vi"]
    assert "Theo cơ quan" not in own

    whole = _sheets(client.get("/inspect/report.xlsx?year=2025&whole=1", headers=VI))
    summary = {row[0]: row[1] for row in whole["Tổng hợp"]}
    assert summary["Lô hàng đã công bố"] == 5 and summary["Phạm vi"] == "Toàn tỉnh"
    header, *rows = whole["Theo cơ quan"]
    assert header[0] == "Cơ quan" and header[3] == "Bị đình chỉ hoặc thu hồi"
    assert rows[-1][0] == "Không thuộc cơ quan nào"
    assert sum(r[1] for r in rows) == summary["Lô hàng đã công bố"]
    assert sum(r[2] for r in rows) == summary["Lượt kiểm tra"]
    assert sum(r[4] for r in rows) == summary["Phản ánh của người tiêu dùng"]
    assert list(whole)[1] == "Theo cơ quan" and list(whole)[-1] == "Thu hồi"


def test_the_workers_workbook_keeps_the_scope_it_was_asked_for(app, client, login_as, province):
    huey.flush()
    login_as(province.local)
    for query, batches, by_agency in (("", 2, False), ("&whole=1", 5, True)):
        started = client.post(f"/inspect/report/job?from=2025-01-01&to=2025-12-31{query}", headers=VI)
        assert started.status_code == 302
        with app.app_context():
            assert run_queued() == 1
        sheets = _sheets(client.get(f"{started.headers['Location']}/download", headers=VI))
        assert {row[0]: row[1] for row in sheets["Tổng hợp"]}["Lô hàng đã công bố"] == batches
        assert ("Theo cơ quan" in sheets) is by_agency
    huey.flush()


def test_the_api_lists_the_agencys_reports_unless_asked_for_the_whole_province(api_as, province):
    def messages(user, query=""):
        response = api_as(user).get(f"/api/v1/reports{query}", headers=EN)
        assert response.status_code == 200, response.json
        return sorted(r["message"] for r in response.json)

    everything = ["Chè Phú Bình đục", "Chè Tân Cương mốc", "Mã không có", "Mật lạ"]
    assert messages(province.local) == ["Chè Tân Cương mốc"]
    assert messages(province.local, "?whole=true") == everything
    assert messages(province.local, "?whole=false&kind=quality") == ["Chè Tân Cương mốc"]
    assert messages(province.provincial) == everything  # no agency: as before
    assert messages(province.provincial, "?whole=false") == everything
    bad = api_as(province.local).get("/api/v1/reports?whole=maybe", headers=EN)
    assert bad.status_code == 422 and "whole" in bad.json["errors"]["query"]


def test_the_sql_scope_takes_the_sites_commune_else_the_organisations_as_in_scope_does(
    db_session, province, make_org, make_site, make_batch
):
    here, away = make_org(commune_code=TAN_CUONG), make_org(commune_code=DUC_XUAN)
    shapes = {
        "site here": make_batch(away, site=make_site(away, commune_code=TAN_CUONG)),
        "site away": make_batch(here, site=make_site(here, commune_code=DUC_XUAN)),
        "site without commune, org here": make_batch(here, site=make_site(here, commune_code=None)),
        "site without commune, org away": make_batch(away, site=make_site(away, commune_code=None)),
        "no site, org here": make_batch(here),
        "no site, org away": make_batch(away),
    }
    for name in ("no site, org here", "no site, org away"):
        shapes[name].site = None
    db_session.flush()
    ids = {b.id: name for name, b in shapes.items()}
    kept = db_session.scalars(select(Batch.id).where(Batch.id.in_(ids), scope.scope_filter(db_session, province.local)))
    expected = {name for name, b in shapes.items() if scope.in_scope(db_session, province.local, b)}
    assert {ids[i] for i in kept} == expected == {"site here", "site without commune, org here", "no site, org here"}


def test_an_agencys_workbook_is_named_after_the_agency_and_the_provinces_keeps_its_name(
    app, client, login_as, province, db_session, make_user
):
    def disposition(response) -> str:
        assert response.status_code == 200
        return response.headers["Content-Disposition"]

    login_as(province.local)
    own = disposition(client.get("/inspect/report.xlsx?year=2025", headers=VI))
    assert own == 'attachment; filename="bao-cao-truy-xuat-ubnd-xa-tan-cuong-2025-01-01-2025-12-31.xlsx"'
    whole = disposition(client.get("/inspect/report.xlsx?year=2025&whole=1", headers=VI))
    assert whole == 'attachment; filename="bao-cao-truy-xuat-2025-01-01-2025-12-31.xlsx"'
    login_as(province.provincial)  # no agency: the province's report, named as before
    assert disposition(client.get("/inspect/report.xlsx?year=2025", headers=VI)) == whole

    # the worker's workbook is named alike; an agency named in other letters gets a name of its own
    huey.flush()
    long = _agency(db_session, "Chi cục Quản lý Chất lượng Nông Lâm sản & Thủy sản — Ñ", AgencyKind.SCIENCE_TECHNOLOGY)
    odd = _agency(db_session, "Сельхоз", AgencyKind.MARKET_SURVEILLANCE)
    tea, other = make_user(Role.INSPECTOR), make_user(Role.INSPECTOR)
    tea.agency_id, other.agency_id = long.id, odd.id
    db_session.commit()
    for user, expected in (
        (tea, "bao-cao-truy-xuat-chi-cuc-quan-ly-chat-luong-nong-lam-san-thuy-san-n-2025-01-01-2025-12-31.xlsx"),
        (other, f"bao-cao-truy-xuat-co-quan-{odd.id}-2025-01-01-2025-12-31.xlsx"),
    ):
        login_as(user)
        started = client.post("/inspect/report/job?from=2025-01-01&to=2025-12-31", headers=VI)
        with app.app_context():
            assert run_queued() == 1
        named = disposition(client.get(f"{started.headers['Location']}/download", headers=VI))
        assert named == f"attachment; filename={expected}"
    huey.flush()
