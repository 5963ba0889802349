"""The installable field page around the sync: the service worker's scope and files, the manifest, the page's
words, and the workspace routes the phone's script sends to (session cookie, not a token)."""

from __future__ import annotations

import json
import re
import uuid

from sqlalchemy import func, select

from traceability import db
from traceability.accounts.models import Role
from traceability.batches.models import BatchStatus
from traceability.inspection.models import Inspection

from ..conftest import login


def test_the_service_worker_keeps_only_the_workspace_files(client):
    response = client.get("/inspect/sw.js")
    assert response.status_code == 200 and response.mimetype == "text/javascript"
    shell = json.loads(re.search(r"var SHELL = (\[.*?\]);", response.get_data(as_text=True)).group(1))
    assert shell[0] == "/inspect/field/"
    assert all(url.startswith(("/inspect/", "/static/")) for url in shell)  # never a consumer page
    manifest = client.get("/inspect/manifest.webmanifest").get_json()
    assert manifest["scope"] == "/inspect/" and manifest["start_url"] == "/inspect/field/"
    assert {icon["sizes"] for icon in manifest["icons"]} == {"192x192", "512x512"}


def test_the_field_page_carries_its_words_in_the_inspectors_language(client, make_user):
    login(client, make_user(Role.INSPECTOR))
    client.set_cookie("lang", "vi")
    page = client.get("/inspect/field/").get_data(as_text=True)
    strings = json.loads(re.search(r"data-strings='([^']*)'", page).group(1))
    assert strings["unknown_offline"].startswith("Chưa rõ khi ngoại tuyến")
    assert 'value="05503"> Xã Tân Cương' in page and 'rel="manifest"' in page  # the list's communes


def test_producers_cannot_use_the_field_routes(client, make_user, make_batch):
    batch = make_batch(status=BatchStatus.PUBLISHED)
    login(client, make_user(Role.PRODUCER, batch.organization))
    assert client.get("/inspect/field/").status_code == 403
    assert client.get("/inspect/field/pack?commune=x", headers={"Accept": "application/json"}).status_code == 403
    body = {"client_key": str(uuid.uuid4()), "batch_id": batch.id, "result": "compliant"}
    assert client.post("/inspect/field/inspections", json=body).status_code == 403


def test_the_phone_sends_through_the_workspace_once(client, make_user, make_batch):
    batch = make_batch(status=BatchStatus.PUBLISHED)
    login(client, make_user(Role.INSPECTOR))
    body = {"client_key": str(uuid.uuid4()), "batch_id": batch.id, "result": "compliant", "findings": "Đạt"}
    headers = {"Accept": "application/json"}
    first = client.post("/inspect/field/inspections", json=body, headers=headers)
    again = client.post("/inspect/field/inspections", json=body, headers=headers)
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.get_json()["id"] == first.get_json()["id"]
    db.session.remove()
    assert db.session.scalar(select(func.count()).select_from(Inspection)) == 1
    missing = client.post(
        "/inspect/field/inspections", json={"batch_id": batch.id, "result": "compliant"}, headers=headers
    )
    assert missing.status_code == 422 and "client_key" in json.dumps(missing.get_json())


def test_the_commune_search_is_hidden_until_the_script_shows_it_and_speaks_the_inspectors_language(client, make_user):
    login(client, make_user(Role.INSPECTOR))
    for lang, label, matching in (
        ("vi", "Tìm xã, phường", "Khớp: %(n)s trên %(total)s xã, phường."),
        ("en", "Find a commune or ward", "Matching: %(n)s of %(total)s communes and wards."),
    ):
        client.set_cookie("lang", lang)
        page = client.get("/inspect/field/").get_data(as_text=True)
        # without the script the box would filter nothing: the page has it hidden, the whole list shows
        assert '<div class="field" id="commune-filter" hidden>' in page
        assert f'<label for="f-commune-filter">{label}</label>' in page
        strings = json.loads(re.search(r"data-strings='([^']*)'", page).group(1))
        assert strings["communes_matching"] == matching
        assert page.index('id="f-commune-filter"') < page.index('name="commune"')  # above the list
