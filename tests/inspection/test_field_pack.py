"""The field pack's choice of communes: the province's reference list, matched by code, and by name for the
sites and organisations whose commune was typed before the list (any spelling, case or accents)."""

from __future__ import annotations

import json
import re

from traceability.accounts.models import Role
from traceability.batches.models import BatchStatus

from ..conftest import login

EN = {"Accept-Language": "en"}
LA_BANG, TAN_CUONG, LA_HIEN = "05818", "05503", "05740"


def lots(api, **query) -> list[str]:
    response = api.get("/api/v1/field-pack", query_string=query, headers=EN)
    assert response.status_code == 200, response.get_json()
    return [b["lot_code"] for b in response.get_json()["batches"]]


def typed(row, text: str):
    """As kept before the reference list: the commune as typed, tied to no code."""
    row.commune, row.commune_code = text, None
    return row


def test_a_communes_pack_holds_exactly_its_batches_whatever_the_spelling(
    api_as, inspector, make_org, make_site, make_batch, db_session
):
    listed = make_org(commune_code=LA_BANG, commune="Xã La Bằng")
    old_text = typed(make_org(), "xa LA BANG")  # typed before the list, in capitals without accents
    spaced = typed(make_org(), "  La   Bằng ")
    elsewhere = make_org(commune_code=TAN_CUONG, commune="Xã Tân Cương")
    neighbour = make_org(commune_code=LA_HIEN, commune="Xã La Hiên")  # another "La …" commune
    # the code decides over the text beside it
    coded_elsewhere = typed(make_org(), "La Bằng")
    coded_elsewhere.commune_code = TAN_CUONG
    here = [
        make_batch(listed, BatchStatus.PUBLISHED, lot_code="LB-CODE", site=make_site(listed, commune_code=LA_BANG)),
        make_batch(old_text, BatchStatus.PUBLISHED, lot_code="LB-TEXT", site=make_site(old_text, commune="lá bằng")),
        make_batch(spaced, BatchStatus.PUBLISHED, lot_code="LB-SPACES"),  # its site is typed "Tân Cương"
        # a producer of Tân Cương whose growing area is in La Bằng, typed in lower case without every accent
        make_batch(
            elsewhere, BatchStatus.PUBLISHED, lot_code="LB-SITE", site=make_site(elsewhere, commune="xã La Bang")
        ),
    ]
    make_batch(elsewhere, BatchStatus.PUBLISHED, lot_code="TC-01")
    make_batch(neighbour, BatchStatus.PUBLISHED, lot_code="LH-01", site=make_site(neighbour, commune="La Hiên"))
    make_batch(
        coded_elsewhere,
        BatchStatus.PUBLISHED,
        lot_code="TC-CODED",
        site=make_site(coded_elsewhere, commune_code=TAN_CUONG),
    )
    db_session.commit()

    api = api_as(inspector)
    wanted = sorted(b.lot_code for b in here)
    for chosen in (LA_BANG, "Xã La Bằng", "la bang", "LA BẰNG", "  xã  la  bằng "):
        assert sorted(lots(api, commune=chosen)) == wanted, chosen
    pack = api.get("/api/v1/field-pack", query_string={"commune": "la bang"}, headers=EN).get_json()
    assert pack["communes"] == ["Xã La Bằng"] and pack["commune_codes"] == [LA_BANG]
    assert {o["id"] for o in pack["organizations"]} >= {listed.id, old_text.id, spaced.id}
    assert neighbour.id not in {o["id"] for o in pack["organizations"]}
    # two communes at once: both communes' batches, each once
    both = lots(api, commune=[LA_BANG, "La Hiên", LA_BANG])
    assert sorted(both) == sorted([*wanted, "LH-01"])


def test_a_commune_outside_the_list_is_refused_by_name(api_as, inspector):
    response = api_as(inspector).get(
        "/api/v1/field-pack", query_string={"commune": ["La Bằng", "Xã Không Có"]}, headers=EN
    )
    assert response.status_code == 422
    message = json.dumps(response.get_json()["errors"]["query"]["commune"], ensure_ascii=False)
    assert "Xã Không Có" in message and "list" in message


def test_the_field_page_offers_the_lists_communes_in_vietnamese(client, make_user):
    login(client, make_user(Role.INSPECTOR))
    client.set_cookie("lang", "vi")
    page = client.get("/inspect/field/").get_data(as_text=True)
    boxes = re.findall(r'name="commune" value="(\d+)"> ([^<]+)<', page)
    assert len(boxes) == 92
    assert (LA_BANG, "Xã La Bằng") in [(code, name.strip()) for code, name in boxes]
    assert "Phường" in page and "Xã Tân Cương" in page
