"""Repeat scans answered from the one cache (public/cache.py): the same answer, every scan counted, nothing stale."""

from __future__ import annotations

import datetime as dt
import functools

import pytest
from sqlalchemy import func, select

from traceability.batches.models import BatchStatus
from traceability.codes.models import Scan
from traceability.public import cache as page_cache

PHONE = {"Accept": "text/html", "Accept-Language": "vi-VN,vi;q=0.9", "User-Agent": "Mozilla/5.0 (Android) Chrome/120"}


@pytest.fixture
def built(app, monkeypatch):
    """How many times the app itself built an answer of the consumer's page (a replay builds none)."""
    calls = []
    view = app.view_functions["public.code_page"]

    @functools.wraps(view)  # keeps the route's access rule
    def counting(**kwargs):
        calls.append(kwargs)
        return view(**kwargs)

    monkeypatch.setitem(app.view_functions, "public.code_page", counting)
    return calls


def _scans(db_session, code) -> int:
    return db_session.scalar(select(func.count()).select_from(Scan).where(Scan.code_id == code.id))


def test_a_repeat_scan_gets_the_same_answer_and_is_counted(client, published, db_session, built):
    _batch, code = published()
    first = client.get(f"/c/{code.value}", headers=PHONE)
    second = client.get(f"/c/{code.value}", headers=PHONE)
    assert first.status_code == second.status_code == 200
    assert second.data == first.data
    assert second.headers["ETag"] == first.headers["ETag"]
    assert second.headers["Cache-Control"] == "public, no-cache"
    assert second.headers["Link"] == first.headers["Link"]
    assert len(built) == 1  # the second came from memory
    assert _scans(db_session, code) == 2


def test_a_replay_is_not_dated_when_its_page_was_built(client, published, built):
    """The server dates what it sends when the app gives no date (gunicorn always; werkzeug's server, `make run`,
    only then): a replay must not carry the time its page was built."""
    _batch, code = published()
    assert "Date" in client.get(f"/c/{code.value}", headers=PHONE).headers  # the view's own answer is dated now
    replay = client.get(f"/c/{code.value}", headers=PHONE)
    assert len(built) == 1 and "Date" not in replay.headers


def test_a_replay_answers_304_to_a_matching_validator_and_still_counts(client, published, db_session, built):
    _batch, code = published()
    etag = client.get(f"/c/{code.value}", headers=PHONE).headers["ETag"]
    again = client.get(f"/c/{code.value}", headers={**PHONE, "If-None-Match": etag})
    assert again.status_code == 304 and again.data == b""
    assert again.headers["ETag"] == etag and "Content-Type" not in again.headers
    assert len(built) == 1
    assert _scans(db_session, code) == 2


def test_a_status_change_is_shown_at_the_next_scan(client, published, set_status, built):
    batch, code = published()
    client.get(f"/c/{code.value}", headers=PHONE)
    set_status(batch, BatchStatus.SUSPENDED, "Kiểm tra dư lượng")
    page = client.get(f"/c/{code.value}", headers=PHONE).get_data(as_text=True)
    assert "Tạm dừng lưu thông" in page and "Kiểm tra dư lượng" in page
    assert len(built) == 2


def test_a_new_day_rebuilds_the_page(client, published, monkeypatch, built):
    today = dt.date.today()
    _batch, code = published(expires_on=today + dt.timedelta(days=1))
    client.get(f"/c/{code.value}", headers=PHONE)
    monkeypatch.setattr(page_cache, "local_today", lambda: today + dt.timedelta(days=3))
    monkeypatch.setattr("traceability.public.lookup.local_today", lambda: today + dt.timedelta(days=3))
    page = client.get(f"/c/{code.value}", headers=PHONE).get_data(as_text=True)
    assert len(built) == 2
    assert "Đã hết hạn sử dụng ngày" in page


def test_each_language_and_representation_gets_its_own_answer(client, published, built):
    _batch, code = published()
    vietnamese = client.get(f"/c/{code.value}", headers=PHONE).get_data(as_text=True)
    english = client.get(f"/c/{code.value}", headers={**PHONE, "Accept-Language": "en-GB,en;q=0.9"})
    as_json = client.get(f"/c/{code.value}", headers={**PHONE, "Accept": "application/json"})
    assert 'lang="vi"' in vietnamese and 'lang="en"' in english.get_data(as_text=True)
    assert (
        as_json.headers["Content-Type"].startswith("application/json")
        and as_json.json["batch"]["code"].replace("-", "") == code.value
    )
    assert len(built) == 3
    # the language switch sets a cookie: that answer is not kept; later ones, sent with the cookie, are
    switched = client.get(f"/c/{code.value}?lang=en", headers=PHONE)
    assert "Set-Cookie" in switched.headers
    kept = [client.get(f"/c/{code.value}", headers=PHONE).get_data(as_text=True) for _ in range(2)]
    assert 'lang="en"' in kept[0] and kept[1] == kept[0]
    assert len(built) == 5


def test_a_signed_in_visitor_is_never_answered_from_memory(client, published, login_as, make_user, built):
    _batch, code = published()
    client.get(f"/c/{code.value}", headers={"Accept-Language": PHONE["Accept-Language"]})
    login_as(make_user(role="inspector"))
    page = client.get(f"/c/{code.value}", headers={"Accept-Language": PHONE["Accept-Language"]})
    assert page.headers["Cache-Control"] == "private, no-cache"
    assert "Đăng xuất" in page.get_data(as_text=True)
    assert len(built) == 2


def test_a_unit_code_is_kept_once_and_counted_on_every_scan(client, published, db_session, make_user, built):
    from traceability.codes.services import issue_serial_codes

    batch, _code = published()
    value = issue_serial_codes(db_session, batch, 1, make_user(org=batch.organization))[0]
    db_session.commit()
    answers = [client.get(f"/c/{value}", headers=PHONE) for _ in range(3)]
    pages = [a.get_data(as_text=True) for a in answers]
    assert "đã được quét 1 lần" in pages[0] and "đã được quét 2 lần" in pages[1] and "đã được quét 3 lần" in pages[2]
    assert all(a.headers["Cache-Control"] == "no-store" and "ETag" not in a.headers for a in answers)
    assert [int(a.headers["Content-Length"]) for a in answers] == [len(a.data) for a in answers]
    assert pages[1].replace("quét 2 lần", "quét 1 lần") == pages[0]  # nothing else differs
    assert len(built) == 1  # the later scans came from the cache, with their own counts


@pytest.mark.parametrize("accept", ["application/json", "application/linkset+json"])
def test_a_unit_codes_json_and_link_set_are_kept_once_too(client, published, serial_code, db_session, built, accept):
    batch, _code = published()
    unit = serial_code(batch)
    answers = [client.get(f"/c/{unit.value}", headers={**PHONE, "Accept": accept}) for _ in range(3)]
    assert all(
        a.status_code == 200 and a.mimetype == accept and a.headers["Cache-Control"] == "no-store" for a in answers
    )
    assert [int(a.headers["Content-Length"]) for a in answers] == [len(a.data) for a in answers]
    assert len(built) == 1 and _scans(db_session, unit) == 3
    if accept == "application/json":
        pages = [a.get_json() for a in answers]
        assert [page.pop("verification")["scan_count"] for page in pages] == [1, 2, 3]
        assert pages[0] == pages[1] == pages[2]  # nothing else differs
    else:
        assert answers[0].data == answers[1].data == answers[2].data


def test_a_unit_codes_kept_json_warns_of_a_copy_with_each_scans_count(client, published, serial_code, settings, built):
    settings["COPY_CLIENT_THRESHOLD"] = 2
    batch, _code = published()
    unit = serial_code(batch)
    pages = [
        client.get(
            f"/c/{unit.value}",
            headers={**PHONE, "Accept": "application/json"},
            environ_base={"REMOTE_ADDR": f"198.51.100.{n}"},
        ).get_json()
        for n in range(4)
    ]
    assert [page["verification"]["suspected_copy"] for page in pages] == [False, False, True, True]
    copies = [[w["message"] for w in page["warnings"] if w["kind"] == "suspected_copy"] for page in pages]
    assert copies[:2] == [[], []]
    assert "quét 3 lần" in copies[2][0] and "quét 4 lần" in copies[3][0]
    assert len(built) == 1


def test_a_digital_link_is_answered_from_memory_too(client, published, db_session):
    _batch, code = published(gtin="08930000000019")
    path = f"/01/08930000000019/10/{code.batch.lot_code}"
    first, second = (client.get(path, headers=PHONE) for _ in range(2))
    assert first.status_code == second.status_code == 200 and second.data == first.data
    assert _scans(db_session, code) == 2


def test_when_the_version_cannot_be_read_the_app_answers(client, published, monkeypatch, built):
    _batch, code = published()
    client.get(f"/c/{code.value}", headers=PHONE)

    def broken(_connection):
        raise RuntimeError("database unreachable")

    monkeypatch.setattr(page_cache, "data_version", broken)
    response = client.get(f"/c/{code.value}", headers=PHONE)
    assert response.status_code == 200 and len(built) == 2


def test_a_first_revalidation_is_kept_too(client, published, db_session, built):
    """A client that only ever revalidates (a proxy, an app) gets its 304s from memory after one build."""
    _batch, code = published()
    etag = client.get(f"/c/{code.value}", headers={**PHONE, "Accept-Language": "en"}).headers["ETag"]
    built.clear()
    for _ in range(3):
        again = client.get(f"/c/{code.value}", headers={**PHONE, "Accept-Language": "en", "If-None-Match": "x"})
        assert again.status_code == 200 and again.data  # another validator: the page itself
    answers = [client.get(f"/c/{code.value}", headers={**PHONE, "If-None-Match": "nothing"}) for _ in range(2)]
    assert [a.status_code for a in answers] == [200, 200] and answers[0].data == answers[1].data
    vi_etag = answers[0].headers["ETag"]
    for _ in range(3):
        again = client.get(f"/c/{code.value}", headers={**PHONE, "If-None-Match": vi_etag})
        assert again.status_code == 304 and again.headers["ETag"] == vi_etag
    assert etag != vi_etag
    assert len(built) == 1  # English was kept by its first scan; Vietnamese built once, by a revalidation
    assert _scans(db_session, code) == 1 + 3 + 2 + 3


def test_every_validator_http_allows_is_answered_from_memory(client, published, db_session, built):
    """The ETag sent back as it was given is compared directly; any other form of it (weak, in a list, `*`, a
    date) as HTTP compares validators. Each 304 carries the same headers, none describing a body."""
    _batch, code = published()
    first = client.get(f"/c/{code.value}", headers=PHONE)
    etag, modified = first.headers["ETag"], first.headers["Last-Modified"]
    given = [
        {"If-None-Match": etag},
        {"If-None-Match": f"W/{etag}"},
        {"If-None-Match": f'"other", {etag}'},
        {"If-None-Match": "*"},
        {"If-Modified-Since": modified},
    ]
    answers = [client.get(f"/c/{code.value}", headers={**PHONE, **validator}) for validator in given]
    assert [answer.status_code for answer in answers] == [304] * len(given)
    headers = {tuple(sorted((k, v) for k, v in answer.headers if k != "X-Request-ID")) for answer in answers}
    assert len(headers) == 1
    names = {k.lower() for k, _v in answers[0].headers}
    assert "etag" in names and not names & {"content-type", "content-length"}
    # what guides caches and CORS (a script revalidating by itself must read the 304); not the 200's other headers,
    # which the browser keeps from the page it revalidates
    assert {"cache-control", "vary", "last-modified", "access-control-allow-origin"} <= names
    assert not names & {"content-security-policy", "link", "permissions-policy", "x-frame-options"}
    size = lambda answer: sum(len(k) + len(v) + 4 for k, v in answer.headers)  # noqa: E731
    assert size(answers[0]) < size(first) / 2
    stale = client.get(f"/c/{code.value}", headers={**PHONE, "If-None-Match": '"other"'})
    assert stale.status_code == 200 and stale.data == first.data
    assert len(built) == 1
    assert _scans(db_session, code) == len(given) + 2


def test_a_unit_code_counts_right_while_its_scans_wait_and_when_they_are_written(
    app, client, published, serial_code, db_session, monkeypatch
):
    """A repeat scan reads the code's counter with the data version, before it is recorded itself. Its count is
    right whether its scans wait in the worker, are written by the timer between two scans, or are written at
    once by the scan that fills the waiting list."""
    scans = app.extensions["scans"]
    monkeypatch.setattr(scans, "delay", 3600)  # scans wait, as they do in a server
    monkeypatch.setattr(scans, "max_waiting", 3)  # the third waiting scan writes them all at once
    batch, _code = published()
    unit = serial_code(batch)
    try:
        for n in range(1, 9):
            page = client.get(f"/c/{unit.value}", headers=PHONE).get_data(as_text=True)
            assert f"đã được quét {n} lần" in page
            if n == 4:
                scans.write(db_session)  # the timer's write, between two scans
    finally:
        scans.write(db_session)
    assert _scans(db_session, unit) == 8
