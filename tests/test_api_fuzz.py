"""Every API operation, fed generated input (valid and invalid) by schemathesis from the app's own OpenAPI
document: no answer is a server error, and every answer matches what the document declares.

Bounded: a few examples per operation, no shrinking, a fixed seed, so the run is short and repeatable. Path
parameters name real rows of the caller (a draft and a published batch, a product, ...) so the write endpoints
are reached, not only their 404s. Everything is written inside the test's savepoint and rolled back.
"""

from __future__ import annotations

import datetime as dt
import os
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
)

from traceability.accounts import services as accounts
from traceability.accounts.models import Role
from traceability.batches.models import BatchStatus, LabResult, LabTest
from traceability.codes.services import lot_code_for
from traceability.extensions import limiter
from traceability.inspection.models import Inspection, InspectionResult
from traceability.registry.models import Certification

CHECKS = [not_a_server_error, response_schema_conformance, response_headers_conformance, content_type_conformance]
# three times in four a path or body id names a real row of the caller; otherwise what was generated stays
MOSTLY = st.integers(0, 3).map(bool)
# examples per operation; FUZZ_EXAMPLES raises it for a longer hunt by hand
EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "12"))


@pytest.fixture
def fuzz_world(db_session, make_user, make_batch, make_site, make_product):
    """A producer with one of everything, an inspector, and the ids path parameters should name."""
    producer = make_user()
    org = producer.organization
    site = make_site(org)
    product = make_product(org, gtin="08934567000012")
    draft = make_batch(org, product=product, site=site)
    published = make_batch(org, product=product, site=site, status=BatchStatus.PUBLISHED)
    test = LabTest(
        batch=draft,
        laboratory="Trung tâm kiểm nghiệm",
        sampled_on=dt.date(2026, 9, 1),
        analyte="Chlorpyrifos",
        result=LabResult.PASS,
    )
    cert = Certification(
        organization=org, scheme="VietGAP", number="VG-1", issuer="QUACERT", valid_from=dt.date(2026, 1, 1)
    )
    db_session.add_all([test, cert])
    db_session.flush()
    inspector = make_user(Role.INSPECTOR)
    inspection = Inspection(batch_id=published.id, inspector=inspector, result=InspectionResult.COMPLIANT)
    db_session.add(inspection)
    db_session.flush()
    ids = {
        "batch_id": st.sampled_from([draft.id, published.id]),
        "product_id": st.just(product.id),
        "site_id": st.just(site.id),
        "lab_test_id": st.just(test.id),
        "certification_id": st.just(cert.id),
        "inspection_id": st.just(inspection.id),
        "org_id": st.just(org.id),
        "code": st.just(lot_code_for(db_session, published).value),
    }
    tokens = {
        "producer": accounts.create_token(db_session, producer, "fuzz"),
        "inspector": accounts.create_token(db_session, inspector, "fuzz"),
    }
    db_session.commit()
    yield ids, tokens
    limiter.reset()  # the fuzzer's sign-ups must not use up the limits of the tests that follow


def _examples_of(operation: Any, ids: dict[str, Any], headers: dict[str, str], examples: int) -> Any:
    strategy = st.one_of(
        operation.as_strategy(generation_mode=GenerationMode.POSITIVE),
        operation.as_strategy(generation_mode=GenerationMode.NEGATIVE),
    )

    @settings(
        max_examples=examples,
        deadline=None,
        derandomize=True,
        database=None,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
        report_multiple_bugs=False,
    )
    @given(case=strategy, data=st.data())
    def run(case: Any, data: Any) -> None:
        for name in list(case.path_parameters or {}):
            if name in ids and data.draw(MOSTLY):
                case.path_parameters[name] = data.draw(ids[name])
        if isinstance(case.body, dict):  # a body naming the caller's own rows gets past "not yours" to the rules
            for name in list(case.body):
                if name in ids and data.draw(MOSTLY):
                    case.body[name] = data.draw(ids[name])
        response = case.call(headers=headers)
        case.validate_response(response, checks=CHECKS)

    return run


def _fuzz(app, ids: dict[str, Any], token: str | None, examples: int) -> list[str]:
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    failures: list[str] = []
    operations = [result.ok() for result in schema.get_all_operations()]  # a part it cannot read fails here
    assert len(operations) >= 45  # every operation of the document, not a few
    for operation in operations:
        try:
            _examples_of(operation, ids, headers, examples)()
        except (Exception, BaseExceptionGroup) as exc:  # each operation's first failure, all reported at the end
            failures.append(f"{operation.label}: {exc}"[:3000])
    return failures


def test_no_operation_fails_for_a_producer(app, fuzz_world):
    ids, tokens = fuzz_world
    failures = _fuzz(app, ids, tokens["producer"], EXAMPLES)
    assert not failures, "\n\n".join(failures)


def test_no_operation_fails_for_an_inspector_or_anonymous(app, fuzz_world):
    ids, tokens = fuzz_world
    failures = _fuzz(app, ids, tokens["inspector"], max(EXAMPLES // 3, 3))
    failures += _fuzz(app, ids, None, max(EXAMPLES // 4, 2))
    assert not failures, "\n\n".join(failures)
