"""The page is cacheable, and what changes it (status, amendment, an input's recall) shows at once."""

from __future__ import annotations

from traceability.batches.models import Amendment, BatchStatus


def _get(client, code, etag=None, **headers):
    if etag:
        headers["If-None-Match"] = etag
    return client.get(f"/c/{code.value}", headers=headers)


def test_a_lot_page_answers_304_while_nothing_changed(client, published):
    _batch, code = published()
    first = _get(client, code)
    assert first.status_code == 200
    assert first.headers["ETag"] and first.headers["Last-Modified"]
    assert "no-cache" in first.headers["Cache-Control"] and "public" in first.headers["Cache-Control"]
    again = _get(client, code, first.headers["ETag"])
    assert again.status_code == 304 and again.data == b""
    by_date = client.get(f"/c/{code.value}", headers={"If-Modified-Since": first.headers["Last-Modified"]})
    assert by_date.status_code == 304


def _recheck(client, code, etag, change):
    change()
    response = _get(client, code, etag)
    assert response.status_code == 200
    assert response.headers["ETag"] != etag
    return response


def test_a_suspension_changes_the_validator_at_once(client, published, set_status):
    batch, code = published()
    etag = _get(client, code).headers["ETag"]
    response = _recheck(client, code, etag, lambda: set_status(batch, BatchStatus.SUSPENDED, "Kiểm tra"))
    assert "Tạm dừng lưu thông" in response.get_data(as_text=True)


def test_an_amendment_changes_the_validator_at_once(client, published, db_session):
    batch, code = published()
    etag = _get(client, code).headers["ETag"]

    def amend():
        db_session.add(
            Amendment(batch_id=batch.id, field="quantity", old_value="100", new_value="90", reason="Cân lại")
        )
        db_session.commit()

    response = _recheck(client, code, etag, amend)
    assert "Cân lại" in response.get_data(as_text=True)


def test_an_input_recall_changes_the_validator_at_once(client, make_batch, published, set_status):
    upstream = make_batch(status=BatchStatus.PUBLISHED)
    _batch, code = published(inputs=[(upstream, 3)])
    etag = _get(client, code).headers["ETag"]
    response = _recheck(client, code, etag, lambda: set_status(upstream, BatchStatus.RECALLED, "Thu hồi"))
    assert 'class="verdict bad"' in response.get_data(as_text=True)


def test_each_language_and_format_has_its_own_validator(client, published):
    _batch, code = published()
    vi = _get(client, code).headers["ETag"]
    en = client.get(f"/c/{code.value}?lang=en").headers["ETag"]
    as_json = _get(client, code, Accept="application/json").headers["ETag"]
    assert len({vi, en, as_json}) == 3
    assert "Accept-Language" in _get(client, code).headers["Vary"]


def test_a_unit_code_page_is_never_stored(client, published, serial_code):
    batch, _code = published()
    unit = serial_code(batch)
    response = _get(client, unit)
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    assert "ETag" not in response.headers


def test_a_signed_in_visitor_gets_a_private_page_of_their_own(client, published, make_user, login_as):
    _batch, code = published()
    anonymous = _get(client, code)
    inspector = login_as(make_user("inspector"))
    mine = _get(inspector, code)
    assert mine.status_code == 200
    assert mine.headers["Cache-Control"] == "private, no-cache"
    assert mine.headers["ETag"] != anonymous.headers["ETag"]
    assert "Đăng xuất" in mine.get_data(as_text=True)  # their own page, not the cached anonymous one
