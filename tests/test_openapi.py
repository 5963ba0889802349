"""The OpenAPI document is valid and says what the answers really are."""

from __future__ import annotations

import json

import pytest
from openapi_spec_validator import validate

from traceability.apidoc import XLSX


@pytest.fixture
def spec(client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    return response.json


def _walk(node, path=""):
    if isinstance(node, dict):
        for key, value in node.items():
            yield f"{path}/{key}", key, value
            yield from _walk(value, f"{path}/{key}")
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from _walk(value, f"{path}/{index}")


def test_the_document_is_valid_openapi(spec):
    validate(spec)
    # a bound written as a string ("0.000") passes the OpenAPI 3.0 meta-schema but breaks every client generator
    bad = [
        path for path, key, value in _walk(spec) if key in ("minimum", "maximum") and not isinstance(value, int | float)
    ]
    assert bad == []


def test_numbers_are_numbers_with_the_columns_bounds(spec):
    schemas = spec["components"]["schemas"]
    quantity = schemas["BatchIn"]["properties"]["quantity"]
    assert quantity["type"] == "number" and quantity["minimum"] == 0 and quantity["maximum"] == 99_999_999_999.999
    assert schemas["Batch"]["properties"]["quantity"]["type"] == "number"
    assert schemas["SiteIn"]["properties"]["latitude"]["maximum"] == 90


def test_fields_that_may_be_empty_are_declared_nullable(spec):
    schemas = spec["components"]["schemas"]
    assert schemas["Batch"]["properties"]["expires_on"]["nullable"] is True
    assert schemas["Product"]["properties"]["gtin"]["nullable"] is True
    assert schemas["Organization"]["properties"]["email"]["nullable"] is True
    assert "nullable" not in schemas["Batch"]["properties"]["id"]


def test_pagination_header_is_declared_as_the_json_text_it_is(spec, api_as, make_user, db_session):
    assert spec["components"]["headers"]["PAGINATION"]["schema"] == {"type": "string"}
    page = spec["paths"]["/api/v1/batches"]["get"]["parameters"]
    assert next(p for p in page if p["name"] == "page")["schema"]["maximum"] >= 1000
    api = api_as(make_user())
    db_session.commit()
    sent = api.get("/api/v1/batches").headers["X-Pagination"]
    assert json.loads(sent)["total"] == 0


def test_files_are_documented_with_their_media_types(spec):
    paths = spec["paths"]

    def media(path, method="get"):
        return set(paths[path][method]["responses"]["200"]["content"])

    assert media("/api/v1/codes/{code}/qr.png") == {"image/png"}
    assert media("/api/v1/codes/{code}/qr.svg") == {"image/svg+xml"}
    assert media("/api/v1/batches/{batch_id}/labels.pdf") == {"application/pdf"}
    assert media("/api/v1/products/{product_id}/image") == {"image/jpeg", "image/png"}
    assert media("/api/v1/lab-tests/{lab_test_id}/document") == {"application/pdf", "image/jpeg", "image/png"}
    assert media("/api/v1/batches/export") == {"text/csv", XLSX}
    upload = paths["/api/v1/products/{product_id}/image"]["put"]["requestBody"]["content"]
    assert "multipart/form-data" in upload


def test_amendment_values_are_documented_as_number_or_text(spec):
    value = spec["components"]["schemas"]["AmendmentIn"]["properties"]["value"]
    assert {v["type"] for v in value["oneOf"]} == {"number", "string"}
