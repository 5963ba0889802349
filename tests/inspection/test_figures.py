"""Dashboard and yearly-report figures against a small data set whose answers are known."""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from traceability.accounts.models import OrgKind, OrgStatus
from traceability.batches.models import Batch, BatchStatus
from traceability.codes.models import Code, CodeKind, Scan
from traceability.codes.services import lot_code_for
from traceability.inspection.figures import LOCAL_TZ, Period, dashboard, yearly_report
from traceability.inspection.models import Inspection, InspectionAction, InspectionResult
from traceability.public.models import ConsumerReport, ReportKind, ReportStatus

UTC = dt.UTC


def local(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=LOCAL_TZ).astimezone(UTC)


@dataclass
class Known:
    recalled: Batch


@pytest.fixture
def known(db_session, make_org, make_product, make_site, make_batch, make_user, inspector) -> Known:
    """2025 in a small province: two organisations, three batches published, one recalled."""
    tea = make_org(name="HTX Chè", kind=OrgKind.COOPERATIVE, commune="Tân Cương", created_at=local(2025, 3, 1))
    pigs = make_org(
        status=OrgStatus.PENDING,
        name="Trại lợn",
        kind=OrgKind.HOUSEHOLD,
        commune="Phú Bình",
        created_at=local(2025, 6, 1),
    )
    make_org(name="Đăng ký năm sau")  # created now, after the period
    tea_product = make_product(tea, category_code="tea", created_at=local(2025, 3, 2))
    pork = make_product(pigs, category_code="pork", created_at=local(2025, 6, 2))
    hill = make_site(tea, commune="Tân Cương", commune_code="05503")  # typed before the list; matched since
    other_hill = make_site(tea, commune="Phúc Xuân")

    def publish(org, product, site, at, **values):
        batch = make_batch(org, status=BatchStatus.PUBLISHED, product=product, site=site, **values)
        batch.published_at = at  # the factory stamps "now"
        batch.site = site  # None: a batch without an origin site (the factory would make one)
        lot_code_for(db_session, batch).created_at = at
        return batch

    b1 = publish(tea, tea_product, hill, local(2025, 4, 10, 9))
    b2 = publish(tea, tea_product, other_hill, local(2025, 5, 1, 9))
    b2.status, b2.status_reason, b2.status_changed_at = BatchStatus.RECALLED, "Dư lượng", local(2025, 8, 1, 10)
    publish(pigs, pork, None, local(2025, 12, 31, 23, 30))
    # 00:30 on New Year's Day in Việt Nam is still 2025 in UTC: it belongs to 2026
    publish(tea, tea_product, hill, local(2026, 1, 1, 0, 30))
    make_batch(tea, status=BatchStatus.DRAFT, product=tea_product, site=hill)
    make_batch(tea, status=BatchStatus.DRAFT, product=tea_product, site=hill, inputs=[(b2, 5)])  # downstream of b2

    for value in ("SER1AAAAAAAA0", "SER1AAAAAAAA1"):
        db_session.add(Code(value=value, batch_id=b1.id, kind=CodeKind.SERIAL, created_at=local(2025, 4, 11)))
    lot = lot_code_for(db_session, b1)
    for at, client in (
        (local(2025, 5, 1), "a"),
        (local(2025, 5, 2), "b"),
        (local(2025, 9, 9), "a"),
        (local(2026, 1, 2), "c"),
    ):
        db_session.add(Scan(code_id=lot.id, scanned_at=at, client_hash=client))
    for kind, status, at in (
        (ReportKind.QUALITY, ReportStatus.RESOLVED, local(2025, 7, 1)),
        (ReportKind.SUSPECTED_FAKE, ReportStatus.NEW, local(2025, 11, 1)),
        (ReportKind.QUALITY, ReportStatus.NEW, local(2026, 2, 1)),
    ):
        db_session.add(ConsumerReport(receipt=f"R{at:%y%m%d}", kind=kind, status=status, message="…", created_at=at))
    for result, action, at in (
        (InspectionResult.COMPLIANT, InspectionAction.NONE, local(2025, 4, 20)),
        (InspectionResult.VIOLATION, InspectionAction.RECALL, local(2025, 8, 1, 10)),
        (InspectionResult.MINOR_ISSUE, InspectionAction.WARNING, local(2026, 3, 1)),
    ):
        db_session.add(
            Inspection(inspector=inspector, batch=b1, organization=tea, result=result, action=action, inspected_at=at)
        )
    db_session.flush()
    return Known(recalled=b2)


def test_dashboard_counts_batches_by_commune_category_and_status(db_session, known):
    figures = dashboard(db_session, Period.year(2025))
    assert figures.batches_total == 3
    # the origin site's commune; the organisation's for a batch without one
    # grouped by the list's entry where the place has one (its official name), by the text typed otherwise
    # (the organisation's "Phú Bình" was matched to the list when it was registered)
    assert figures.batches_by_commune == [("Phúc Xuân", 1), ("Xã Phú Bình", 1), ("Xã Tân Cương", 1)]
    assert [(c.code, n) for c, n in figures.batches_by_category] == [("tea", 2), ("pork", 1)]
    assert figures.batches_by_status == [(BatchStatus.PUBLISHED, 2), (BatchStatus.RECALLED, 1)]
    assert figures.inspections_by_result == [(InspectionResult.COMPLIANT, 1), (InspectionResult.VIOLATION, 1)]
    assert figures.reports_by_kind == [(ReportKind.QUALITY, 1), (ReportKind.SUSPECTED_FAKE, 1)]


def test_dashboard_period_filter(db_session, known):
    spring = dashboard(db_session, Period(dt.date(2025, 4, 1), dt.date(2025, 4, 30)))
    assert spring.batches_total == 1
    assert spring.inspections_by_result == [(InspectionResult.COMPLIANT, 1)]
    assert spring.reports_by_kind == []
    new_year = dashboard(db_session, Period(dt.date(2026, 1, 1), dt.date(2026, 1, 1)))
    assert new_year.batches_total == 1


def test_yearly_report_figures(db_session, known):
    report = yearly_report(db_session, Period.year(2025))
    assert report.organizations == {"registered": 2, "new": 2, "verified": 1}
    assert report.organizations_by_kind == [(OrgKind.COOPERATIVE, 1), (OrgKind.HOUSEHOLD, 1)]
    assert report.products == {"registered": 2, "new": 2}
    assert report.batches_published == 3
    assert report.codes_by_kind == [(CodeKind.LOT, 3), (CodeKind.SERIAL, 2)]
    assert report.codes_issued == 5
    assert report.scans == {"scans": 3, "codes": 1}
    assert report.reports_by_status == [(ReportStatus.NEW, 1), (ReportStatus.RESOLVED, 1)]
    assert report.inspections_by_action == [(InspectionAction.NONE, 1), (InspectionAction.RECALL, 1)]
    assert [(r.batch.id, r.downstream) for r in report.recalls] == [(known.recalled.id, 1)]


def test_yearly_report_counts_the_codes_scanned_within_the_period_only(db_session, known):
    serial = db_session.scalars(select(Code).where(Code.kind == CodeKind.SERIAL)).first()
    db_session.add(Scan(code_id=serial.id, scanned_at=local(2026, 1, 1), client_hash="next-year"))
    db_session.flush()
    assert yearly_report(db_session, Period.year(2025)).scans == {"scans": 3, "codes": 1}
    db_session.add(Scan(code_id=serial.id, scanned_at=local(2025, 12, 31, 23), client_hash="new-year-eve"))
    db_session.flush()
    assert yearly_report(db_session, Period.year(2025)).scans == {"scans": 4, "codes": 2}


def test_yearly_report_page_and_spreadsheet(db_session, known, inspector, login_as):
    db_session.commit()
    client = login_as(inspector)
    page = client.get("/inspect/report?year=2025")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert 'data-figure="batches">3<' in html and 'data-figure="codes">5<' in html
    assert 'data-figure="recalls">1<' in html and "Dư lượng" in html
    assert "<svg" in html

    response = client.get("/inspect/report.xlsx?from=2025-01-01&to=2025-12-31")
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("application/vnd.openxmlformats")
    assert "2025-01-01-2025-12-31.xlsx" in response.headers["Content-Disposition"]
    book = load_workbook(io.BytesIO(response.data))
    summary = {row[0]: row[1] for row in book.worksheets[0].iter_rows(min_row=2, values_only=True)}
    numbers = [v for v in summary.values() if isinstance(v, int)]
    assert numbers == [2, 2, 1, 2, 2, 3, 5, 3, 1, 2, 2, 1]
    recalls = list(book.worksheets[-1].iter_rows(min_row=2, values_only=True))
    assert recalls[0][0] == dt.datetime(2025, 8, 1, 10, 0)  # local time
    assert recalls[0][4] == "Dư lượng" and recalls[0][5] == 1


def test_dashboard_page_draws_charts_for_the_chosen_period(db_session, known, inspector, login_as):
    db_session.commit()
    html = login_as(inspector).get("/inspect/?from=2025-01-01&to=2025-12-31").get_data(as_text=True)
    assert html.count("<svg") >= 5
    assert "Phúc Xuân" in html


def test_a_period_that_ends_before_it_starts_is_named(db_session, inspector, login_as):
    db_session.commit()
    response = login_as(inspector).get("/inspect/report?from=2025-05-01&to=2025-04-01")
    assert response.status_code == 422
    assert 'id="e-to"' in response.get_data(as_text=True)
    assert login_as(inspector).get("/inspect/report.xlsx?from=bad").status_code == 422


def test_only_published_batches_count(db_session, make_batch):
    make_batch(status=BatchStatus.DRAFT)
    make_batch(status=BatchStatus.PUBLISHED)
    today = dt.datetime.now(LOCAL_TZ).date()
    assert dashboard(db_session, Period(today, today)).batches_total == 1
