"""Every route × every kind of visitor: each route declares who may use it, and the declaration holds.

A route without a declared rule fails here. A producer of another organisation must get 404 (never 403 or
data) on a route that names the owner's rows, so ids cannot be probed.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import select

from traceability import db
from traceability.accounts import services as accounts
from traceability.accounts.models import Role
from traceability.auth import EXTENSION_PUBLIC_ENDPOINTS, PUBLIC, access_rule
from traceability.batches.models import BatchStatus, LabResult, LabTest
from traceability.codes.services import lot_code_for
from traceability.inspection.models import Inspection, InspectionResult
from traceability.jobs.models import Job, JobStatus
from traceability.notices.models import Notice
from traceability.public.models import ConsumerReport, ReportKind
from traceability.reference.models import Agency, AgencyKind, BannedSubstance, Commune, ProductCategory, SubstanceStatus
from traceability.registry.models import Certification
from traceability.shipments.models import Shipment, Supplier

from .conftest import PASSWORD

VISITORS = ["anonymous", "owner", "other_producer", "inspector", "admin"]
ROLE_OF = {"owner": Role.PRODUCER, "other_producer": Role.PRODUCER, "inspector": Role.INSPECTOR, "admin": Role.ADMIN}
# URL parameters that name a row of the owner's organisation
OWNED_PARAMS = {
    "site_id",
    "product_id",
    "batch_id",
    "certification_id",
    "code",
    "event_id",
    "chemical_id",
    "lab_test_id",
    "amendment_id",
    "shipment_id",
    "supplier_id",
    "job_id",  # a job and a notice are their user's own: anyone else gets 404
    "notice_id",
}


@dataclass
class World:
    params: dict[str, Any]


@pytest.fixture
def world(db_session, make_org, make_user, make_site, make_product, make_batch) -> World:
    owner_org = make_org()
    product = make_product(owner_org, gtin="08936012345001")
    site = make_site(owner_org)
    batch = make_batch(owner_org, product=product, site=site, status=BatchStatus.PUBLISHED, lot_code="L1")
    code = lot_code_for(db_session, batch)
    cert = Certification(
        organization=owner_org, scheme="VietGAP", number="VG-1", issuer="QUACERT", valid_from=dt.date(2026, 1, 1)
    )
    lab_test = LabTest(
        batch=batch, laboratory="Lab", sampled_on=dt.date(2026, 10, 1), analyte="Dư lượng", result=LabResult.PASS
    )
    db_session.add_all([cert, lab_test])
    report = ConsumerReport(receipt="MATRIX0001", code=code, batch=batch, kind=ReportKind.QUALITY, message="test")
    db_session.add(report)
    users = {
        "owner": make_user(Role.PRODUCER, owner_org),
        "other_producer": make_user(Role.PRODUCER),
        "inspector": make_user(Role.INSPECTOR),
        "admin": make_user(Role.ADMIN),
    }
    substance = BannedSubstance(name="Testazin", status=SubstanceStatus.BANNED)
    inspection = Inspection(
        inspector=users["inspector"], batch=batch, organization=owner_org, result=InspectionResult.COMPLIANT
    )
    job = Job(kind="label_sheet", owner_id=users["owner"].id, params={}, status=JobStatus.FAILED, message="test")
    notice = Notice(user_id=users["owner"].id, kind="batch_suspended", params={"lot": "L1", "reason": "test"})
    db_session.add_all([substance, inspection, job, notice])
    # a shipment from the owner to a third organisation, and a supplier of the owner's
    buyer = make_org()
    shipment = Shipment(
        organization=owner_org,
        batch=batch,
        to_tax_code=buyer.tax_code,
        to_organization=buyer,
        quantity=Decimal(1),
        unit="kg",
        shipped_on=dt.date(2026, 10, 2),
        reference_doc="PX-1",
    )
    supplier = Supplier(organization=owner_org, name="Hộ Nguyễn Văn A", phone="0912345678", area_code="VN-TN-1")
    agency = Agency(name="UBND xã Tân Cương", kind=AgencyKind.COMMUNE)
    db_session.add_all([shipment, supplier, agency])
    db_session.commit()  # also gives the certification and lab test their ids
    return World(
        params={
            "substance_id": substance.id,
            # shipped rows of the kept lists (a fresh install has them)
            "category_id": db_session.scalar(select(ProductCategory.id).where(ProductCategory.code == "tea")),
            "commune_id": db_session.scalar(select(Commune.id).where(Commune.code == "05503")),
            "agency_id": agency.id,
            "org_id": owner_org.id,
            "user_id": users["owner"].id,
            "site_id": site.id,
            "product_id": product.id,
            "batch_id": batch.id,
            "code": code.value,
            "gtin": product.gtin,
            "lot": batch.lot_code,
            "serial": code.value,
            "certification_id": cert.id,
            "lab_test_id": lab_test.id,
            "kind": "event",
            "token": "not-a-valid-invitation",
            "report_id": report.id,
            "inspection_id": inspection.id,
            "job_id": job.id,
            "notice_id": notice.id,
            "photo": "missing.jpg",
            "client_key": "00000000-0000-4000-8000-000000000000",  # a photo key no phone has sent
            "session_id": 0,  # a sign-in or API token of nobody: the owner's account pages answer 404
            "token_id": 0,
            "rest": f"22/TRA200G/10/{batch.lot_code}",  # GS1 Digital Link qualifiers after the GTIN
            "compressed": "ARBBJ67dUg",  # a compressed GS1 Digital Link of the GTIN above
            "receipt": code.value,  # receipts share the code alphabet; an unknown one answers 404
            "shipment_id": shipment.id,
            "supplier_id": supplier.id,
            "users": users,
        }
    )


def _routes(app) -> list[tuple[str, str, Any]]:
    found = []
    for rule in app.url_map.iter_rules():
        if rule.endpoint in EXTENSION_PUBLIC_ENDPOINTS:
            continue
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            found.append((rule.endpoint, method, rule))
    return found


def _path(rule, params: dict[str, Any]) -> str:
    missing = [name for name in rule.arguments if name not in params]
    assert not missing, f"{rule.rule}: add a value for {missing} to the access-matrix world"
    path = rule.rule
    for name in rule.arguments:
        path = re.sub(r"<(?:[^:<>]+:)?" + name + r">", str(params[name]), path)
    return path


def test_every_route_declares_who_may_use_it(app):
    undeclared = [
        f"{method} {rule.rule} ({endpoint})"
        for endpoint, method, rule in _routes(app)
        if access_rule(app.view_functions[endpoint], method) is None
    ]
    assert undeclared == []


def test_every_route_answers_each_visitor_as_declared(app, world, db_session):
    credentials = {}
    for visitor, user in world.params["users"].items():
        client = app.test_client()
        response = client.post("/login", data={"email": user.email, "password": PASSWORD})
        assert response.status_code == 302
        credentials[visitor] = (client.get_cookie("session").value, accounts.create_token(db_session, user))
    db_session.commit()

    failures = []
    connection = db.session.get_bind()  # the test's own connection
    db.session.remove()
    for endpoint, method, rule in _routes(app):
        declared = access_rule(app.view_functions[endpoint], method)
        path = _path(rule, world.params)
        is_api = path.startswith("/api/")
        for visitor in VISITORS:
            client = app.test_client()
            headers = {}
            if visitor != "anonymous":
                cookie, token = credentials[visitor]
                if is_api:
                    headers["Authorization"] = f"Bearer {token}"
                else:
                    client.set_cookie("session", cookie)
            savepoint = connection.begin_nested()
            try:
                kwargs = {"json": {}} if is_api and method != "GET" else {}
                response = client.open(path, method=method, headers=headers, **kwargs)
            finally:
                db.session.remove()
                savepoint.rollback()
            problem = _judge(declared, visitor, rule, is_api, response)
            if problem:
                failures.append(f"{method} {path} as {visitor}: {problem} (got {response.status_code})")
    assert failures == []


def _judge(declared, visitor: str, rule, is_api: bool, response) -> str | None:
    status = response.status_code
    if status >= 500:
        return "server error"
    if PUBLIC in declared:
        return "a public route refused a visitor" if status in (401, 403) else None
    if visitor == "anonymous":
        if is_api:
            return None if status == 401 else "expected 401"
        location = response.headers.get("Location", "")
        return None if status == 302 and "/login" in location else "expected a redirect to /login"
    if ROLE_OF[visitor] not in declared:
        return None if status == 403 else "expected 403 for a role the route does not allow"
    if visitor == "other_producer" and OWNED_PARAMS & set(rule.arguments):
        return None if status == 404 else "another organisation's row must answer 404"
    return "allowed visitor refused" if status in (401, 403) else None


def test_operations_routes_are_declared_public(app):
    # /healthz, /readyz and /metrics take no sign-in (load balancers and Prometheus have none); /metrics itself
    # answers only loopback or the METRICS_TOKEN (tests/ops/test_metrics.py)
    rules = {rule.rule: rule.endpoint for rule in app.url_map.iter_rules()}
    for path in ("/healthz", "/readyz", "/metrics"):
        assert access_rule(app.view_functions[rules[path]], "GET") == frozenset({PUBLIC}), path


def test_agencies_are_read_by_inspectors_and_kept_by_admins(app):
    # the agency API and pages: every route named here exists and says who may use it
    rules = {(rule.rule, method): rule.endpoint for endpoint, method, rule in _routes(app)}
    reader, keeper = frozenset({Role.INSPECTOR, Role.ADMIN}), frozenset({Role.ADMIN})
    expected = {
        ("/api/v1/agencies", "GET"): reader,
        ("/api/v1/agencies", "POST"): keeper,
        ("/api/v1/agencies/<int:agency_id>", "GET"): reader,
        ("/api/v1/agencies/<int:agency_id>", "PATCH"): keeper,
        ("/api/v1/agencies/<int:agency_id>", "DELETE"): keeper,
        ("/admin/agencies/<int:agency_id>/delete", "GET"): keeper,
        ("/admin/agencies/<int:agency_id>/delete", "POST"): keeper,
    }
    declared = {key: access_rule(app.view_functions[rules[key]], key[1]) for key in expected}
    assert declared == expected
