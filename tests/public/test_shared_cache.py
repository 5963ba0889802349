"""Two app servers sharing one database and one Redis cache: a change made through one is on the next scan
through the other, a new day or a new layout never answers an old page, and a unit code's counts are right on
every scan from the warm cache."""

from __future__ import annotations

import datetime as dt
import functools
import os
import uuid
from decimal import Decimal

import pytest

from traceability import create_app
from traceability.batches import services as batches
from traceability.batches.models import BatchStatus
from traceability.extensions import cache
from traceability.inspection import services as inspection
from traceability.public import cache as page_cache

from ..conftest import CommittingClient
from .test_cache import PHONE

REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/3")


LEASE = 0.2  # seconds a server trusts the data version it read: far longer than a test's steps


@pytest.fixture
def servers(app, engine, monkeypatch):
    """Two apps as two servers would run them: their own processes' state, one database, one Redis cache (under
    a key prefix of this test's own), each trusting the data version it read for `LEASE`, as every writer waits
    it out (the test's own commits too). Each counts the pages its view built (a cached answer builds none)."""
    prefix = f"test-{uuid.uuid4().hex}:"
    monkeypatch.setitem(app.config, "DATA_VERSION_LEASE", LEASE)
    config = {**{k: app.config[k] for k in ("TESTING", "KEEP_SESSION_BINDING", "PUBLIC_BASE_URL", "UPLOAD_DIR")}}
    config.update(ENGINE=engine, SCAN_WRITE_SECONDS=0, AUDIT_ANCHOR_MINUTES=0, WTF_CSRF_ENABLED=False)
    config.update(DATA_VERSION_LEASE=LEASE)
    config.update(CACHE_TYPE="RedisCache", CACHE_REDIS_URL=REDIS_URL, CACHE_KEY_PREFIX=prefix)
    made = [create_app(config) for _ in range(2)]
    for server in made:
        server.test_client_class = CommittingClient
        server.built = []
        view = server.view_functions["public.code_page"]

        @functools.wraps(view)
        def counting(_view=view, _built=server.built, **kwargs):
            _built.append(kwargs)
            return _view(**kwargs)

        server.view_functions["public.code_page"] = counting
    yield made
    with made[0].app_context():
        cache.clear()  # this test's keys only (the prefix)


def _page(server, code, **headers) -> str:
    response = server.test_client().get(f"/c/{code.value}", headers={**PHONE, **headers})
    assert response.status_code == 200
    return response.get_data(as_text=True)


def test_both_servers_share_one_entry(servers, published):
    one, two = servers
    _batch, code = published()
    assert _page(one, code) == _page(two, code)
    assert len(one.built) == 1 and two.built == []  # the second server answered from the first one's entry


def test_a_suspended_grandparent_shows_on_the_other_server(servers, published, make_batch, make_user, db_session):
    one, two = servers
    grandparent = make_batch(status=BatchStatus.PUBLISHED)
    parent = make_batch(status=BatchStatus.PUBLISHED, inputs=[(grandparent, Decimal(3))])
    _batch, code = published(inputs=[(parent, Decimal(2))])
    inspector = make_user("inspector")
    db_session.commit()
    assert "Tạm dừng" not in _page(two, code)
    with one.app_context():
        inspection.suspend_batch(db_session, inspector, db_session.merge(grandparent), "Kiểm tra dư lượng")
        db_session.commit()
    page = _page(two, code)
    assert "Kiểm tra dư lượng" in page and "w-suspension" in page


def test_a_recall_in_another_organisation_shows_on_the_other_server(
    servers, published, make_batch, make_user, db_session
):
    one, two = servers
    supplier = make_batch(status=BatchStatus.PUBLISHED)  # another organisation's batch, bought in
    _batch, code = published(inputs=[(supplier, Decimal(5))])
    inspector = make_user("inspector")
    db_session.commit()
    assert 'class="verdict bad"' not in _page(two, code, **{"Accept-Language": "en"})
    with one.app_context():
        inspection.recall_batch(db_session, inspector, db_session.merge(supplier), "Nhiễm khuẩn")
        db_session.commit()
    page = _page(two, code, **{"Accept-Language": "en"})
    assert 'class="verdict bad"' in page and "Nhiễm khuẩn" in page


def test_an_amendment_shows_on_the_other_server(servers, published, make_user, db_session):
    one, two = servers
    batch, code = published()
    producer = make_user(org=batch.organization)
    db_session.commit()
    assert "Cân lại" not in _page(two, code)
    with one.app_context():
        data = {"field": "quantity", "typed": Decimal("90"), "reason": "Cân lại"}
        batches.amend_batch(db_session, producer, db_session.merge(batch), data)
        db_session.commit()
    assert "Cân lại" in _page(two, code)


def test_a_publish_shows_on_the_other_server(servers, make_batch, make_user, db_session):
    from traceability.codes.models import Code, CodeKind

    one, two = servers
    draft = make_batch()
    producer = make_user(org=draft.organization)
    db_session.commit()
    with one.app_context():
        batches.publish_batch(db_session, producer, db_session.merge(draft))
        db_session.commit()
    code = db_session.query(Code).filter_by(batch_id=draft.id, kind=CodeKind.LOT).one()
    assert two.test_client().get(f"/c/{code.value}", headers=PHONE).status_code == 200
    # a first scan through the other server is kept: a suspension later is seen through the first one
    inspector = make_user("inspector")
    with one.app_context():
        inspection.suspend_batch(db_session, inspector, db_session.merge(draft), "Kiểm tra")
        db_session.commit()
    assert "Tạm dừng lưu thông" in _page(one, code)


def test_a_new_day_is_not_answered_from_yesterdays_entry(servers, published, monkeypatch):
    one, two = servers
    today = dt.date.today()
    _batch, code = published(expires_on=today + dt.timedelta(days=1))
    assert "Đã hết hạn" not in _page(one, code)
    later = lambda: today + dt.timedelta(days=3)  # noqa: E731
    monkeypatch.setattr(page_cache, "local_today", later)
    monkeypatch.setattr("traceability.public.lookup.local_today", later)
    assert "Đã hết hạn sử dụng ngày" in _page(two, code)
    assert len(two.built) == 1


def test_a_deploy_with_another_layout_builds_its_own_pages(servers, published, monkeypatch):
    one, two = servers
    _batch, code = published()
    _page(one, code)
    monkeypatch.setattr(page_cache, "LAYOUT", page_cache.LAYOUT + "-next")  # the new release's workers
    _page(two, code)
    assert len(two.built) == 1  # not the old release's entry


@pytest.mark.parametrize("language", ["vi", "en"])
def test_a_unit_codes_counts_are_right_on_every_scan_from_the_warm_cache(
    servers, published, serial_code, language
):
    for server in servers:
        server.config["COPY_CLIENT_THRESHOLD"] = 3
    batch, _lot = published()
    unit = serial_code(batch)
    pages = []
    for n in range(5):  # alternate servers, a new phone each time: the copy warning appears at the 4th phone
        client = servers[n % 2].test_client()
        response = client.get(
            f"/c/{unit.value}",
            headers={**PHONE, "Accept-Language": language},
            environ_base={"REMOTE_ADDR": f"198.51.100.{n}"},
        )
        assert response.status_code == 200 and response.headers["Cache-Control"] == "no-store"
        pages.append(response.get_data(as_text=True))
    said = "đã được quét {} lần" if language == "vi" else "has been scanned {} time"
    for n, page in enumerate(pages, start=1):
        assert said.format(n) in page
        assert ("w-suspected_copy" in page) == (n > 3)
    warning = pages[4].split('w-suspected_copy">', 1)[1].split("</li>", 1)[0]
    assert ("5 lần" if language == "vi" else "5 times") in warning
    assert sum(len(server.built) for server in servers) == 1  # built once, then filled in on every scan
