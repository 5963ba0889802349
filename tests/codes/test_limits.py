"""Caps on issuing (per request, per batch, per organisation and day), label sheets in parts, and the base URL."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select

from traceability.accounts.models import Role
from traceability.batches.models import BatchStatus
from traceability.codes.identifiers import grouped, new_code
from traceability.codes.models import Code, CodeKind
from traceability.config import ConfigError, load_config
from traceability.db import utcnow

from .conftest import pdf_text

VI = {"Accept-Language": "vi"}


def _serials(db_session, batch) -> int:
    return db_session.scalar(select(func.count()).where(Code.batch_id == batch.id, Code.kind == CodeKind.SERIAL))


def _issue(api, batch, count):
    return api.post(f"/api/v1/batches/{batch.id}/codes", json={"count": count}, headers=VI)


def test_one_request_may_issue_at_most_the_configured_number(api_for, owner, db_session, settings):
    assert settings["CODE_ISSUE_MAX_PER_REQUEST"] == 20_000
    api = api_for(owner.user)
    too_many = _issue(api, owner.batch, 20_001)
    assert too_many.status_code == 422
    assert too_many.json["errors"]["json"]["count"] == ["Mỗi lần từ 1 đến 20.000 mã."]
    settings["CODE_ISSUE_MAX_PER_REQUEST"] = 5
    assert _issue(api, owner.batch, 6).status_code == 422
    assert _issue(api, owner.batch, 5).status_code == 201
    assert _serials(db_session, owner.batch) == 5


def test_a_batch_may_have_at_most_the_configured_number(api_for, owner, db_session, settings):
    settings["CODE_ISSUE_MAX_PER_BATCH"] = 10
    api = api_for(owner.user)
    assert _issue(api, owner.batch, 8).status_code == 201
    refused = _issue(api, owner.batch, 3)
    assert refused.status_code == 422
    (message,) = refused.json["errors"]["json"]["count"]
    assert message == "Một lô được có tối đa 10 mã đơn vị; lô này đã có 8, nên chỉ cấp thêm được tối đa 2 mã."
    assert _serials(db_session, owner.batch) == 8  # nothing written
    assert _issue(api, owner.batch, 2).status_code == 201


def test_an_organisation_may_issue_at_most_the_configured_number_a_day(
    api_for, owner, make_batch, make_user, db_session, settings
):
    settings["CODE_ISSUE_MAX_PER_DAY"] = 10
    other_batch = make_batch(owner.org, product=owner.product, status=BatchStatus.PUBLISHED)
    # yesterday's codes do not count towards today's
    yesterday = utcnow() - dt.timedelta(days=1, hours=1)
    db_session.add_all(
        Code(value=new_code(), batch_id=other_batch.id, kind=CodeKind.SERIAL, created_at=yesterday) for _ in range(9)
    )
    other_producer = make_user(Role.PRODUCER)
    elsewhere = make_batch(other_producer.organization, status=BatchStatus.PUBLISHED)
    db_session.commit()
    api = api_for(owner.user)
    assert _issue(api, owner.batch, 6).status_code == 201
    refused = _issue(api, other_batch, 5)  # the cap is the organisation's, across its batches
    assert refused.status_code == 429
    assert "tối đa 10 mã đơn vị mỗi ngày và hôm nay còn 4 mã" in refused.json["errors"]["json"]["count"][0]
    assert _serials(db_session, other_batch) == 9
    assert _issue(api, other_batch, 4).status_code == 201
    assert _issue(api_for(other_producer), elsewhere, 10).status_code == 201  # another organisation's own day


def test_the_daily_cap_on_the_workspace_form(login_as, owner, db_session, settings):
    settings["CODE_ISSUE_MAX_PER_DAY"] = 3
    client = login_as(owner.user)
    response = client.post(f"/app/batches/{owner.batch.id}/codes", data={"count": "4"}, headers=VI)
    assert response.status_code == 429
    html = response.get_data(as_text=True)
    assert 'id="e-count"' in html and "hôm nay còn 3 mã" in html
    assert _serials(db_session, owner.batch) == 0


def test_a_run_longer_than_a_sheet_is_refused_and_printed_in_parts(api_for, owner, login_as, db_session, settings):
    settings["LABEL_SHEET_MAX_CODES"] = 5
    api = api_for(owner.user)
    issued = _issue(api, owner.batch, 12).json
    url = f"/api/v1/batches/{owner.batch.id}/labels.pdf?codes=serial&per_page=10"
    whole = api.get(url, headers=VI)
    assert whole.status_code == 422 and whole.mimetype == "application/json"
    assert whole.json["errors"]["query"]["part"] == [
        "Một bản in tem có tối đa 5 mã, dãy mã này có 12 mã: hãy in thành 3 phần (phần 1 đến 3), hoặc chọn một dãy "
        "ngắn hơn bằng mã đầu và mã cuối."
    ]
    printed = []
    for part, count in ((1, 5), (2, 5), (3, 2)):
        sheet = api.get(f"{url}&part={part}")
        assert sheet.status_code == 200 and sheet.headers["X-Label-Count"] == str(count)
        assert f"part{part}.pdf" in sheet.headers["Content-Disposition"]
        text = pdf_text(sheet.get_data())
        printed += [item["grouped"] for item in issued if item["grouped"] in text]
    assert printed == [item["grouped"] for item in issued]  # every code once, in issuing order
    assert api.get(f"{url}&part=4").status_code == 422
    assert api.get(f"{url}&part=0").status_code == 422
    # a run chosen by its first and last code that fits on a sheet needs no part
    run = api.get(f"{url}&from_code={issued[2]['code']}&to_code={issued[6]['code']}")
    assert run.status_code == 200 and run.headers["X-Label-Count"] == "5"
    # the workspace offers the parts, and refuses the whole run with a page naming the limit
    client = login_as(owner.user)
    page = client.get(f"/app/batches/{owner.batch.id}/codes").get_data(as_text=True)
    assert 'name="part"' in page and "Phần 3: mã 11–12" in page
    refused = client.get(f"/app/batches/{owner.batch.id}/labels.pdf?codes=serial")
    assert refused.status_code == 422 and refused.mimetype == "text/html"
    assert "tối đa 5 mã" in refused.get_data(as_text=True)
    assert grouped(issued[0]["code"]) not in refused.get_data(as_text=True)


def test_a_short_run_offers_no_parts(login_as, owner, api_for):
    _issue(api_for(owner.user), owner.batch, 3)
    page = login_as(owner.user).get(f"/app/batches/{owner.batch.id}/codes").get_data(as_text=True)
    assert 'name="part"' not in page


def test_production_refuses_to_start_without_a_public_base_url(production_env):
    production_env.delenv("PUBLIC_BASE_URL")
    with pytest.raises(ConfigError, match="PUBLIC_BASE_URL"):
        load_config()
    production_env.setenv("PUBLIC_BASE_URL", "https://truyxuat.thainguyen.gov.vn/")
    assert load_config()["PUBLIC_BASE_URL"] == "https://truyxuat.thainguyen.gov.vn"


def test_the_codes_page_warns_when_qr_codes_carry_another_host(login_as, owner, settings):
    client = login_as(owner.user)
    url = f"/app/batches/{owner.batch.id}/codes"
    warned = client.get(url, headers=VI).get_data(as_text=True)
    assert 'id="base-url-warning"' in warned
    assert "Mã QR dẫn tới registry.example, nhưng bạn đang dùng trang này tại localhost" in warned
    # before anything is printed: above the label sheet form
    assert warned.index("base-url-warning") < warned.index("label-form")
    settings["PUBLIC_BASE_URL"] = "http://LOCALHOST"
    assert 'id="base-url-warning"' not in client.get(url).get_data(as_text=True)
