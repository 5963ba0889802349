"""Search without accents wherever people search: "ba xuyen" finds "Bá Xuyên", "d" finds "đ". One fold(), the same
on SQLite (a Python function) and PostgreSQL (an SQL function made by a migration)."""

from __future__ import annotations

import unicodedata

import pytest
from sqlalchemy import String, func, literal, select

from traceability.accounts.models import Role
from traceability.batches.models import BatchStatus
from traceability.search import fold

SAMPLES = [
    "Phường Bá Xuyên",
    "ĐỒI CHÈ Đá Liền",
    "Hợp tác xã Chè Tân Cương Xanh",
    "Quế Văn Yên — ưu tiên",
    "Trứng gà ấp Ỷ Lan",
    unicodedata.normalize("NFD", "Xã Phú Bình"),  # typed with separate accent marks
    "100% chè_xanh",
]


@pytest.mark.no_db
def test_fold_drops_case_and_vietnamese_accents():
    assert fold("Phường Bá Xuyên") == "phuong ba xuyen"
    assert fold("ĐỒI CHÈ Đá Liền") == "doi che da lien"
    assert fold(unicodedata.normalize("NFD", "Xã Phú Bình")) == "xa phu binh"


def test_the_database_folds_as_python_does(db_session):
    folded = [db_session.scalar(select(func.fold(literal(text)))) for text in SAMPLES]
    assert folded == [fold(text) for text in SAMPLES]
    assert db_session.scalar(select(func.fold(literal(None, String())))) is None


@pytest.fixture
def world(db_session, make_org, make_product, make_site, make_batch, make_user):
    org = make_org(name="Hợp tác xã Chè Đồng Hỷ", commune_code="05533")
    product = make_product(org, name="Chè xanh Bá Xuyên")
    site = make_site(org, name="Đồi Đá Bạc", commune="Phường Bá Xuyên", commune_code="05533")
    batch = make_batch(org, status=BatchStatus.PUBLISHED, product=product, site=site, lot_code="BX-01")
    other = make_batch(make_org(name="Trại lợn Phú Bình"), status=BatchStatus.PUBLISHED, lot_code="PB-01")
    producer = make_user(Role.PRODUCER, org, full_name="Trần Thị Hoà")
    db_session.commit()
    return {"batch": batch, "other": other, "producer": producer}


def test_the_inspector_finds_a_batch_typed_without_accents(world, make_user, login_as):
    client = login_as(make_user(Role.INSPECTOR))
    for typed in ("ba xuyen", "BA XUYEN", "che xanh ba", "dong hy", "da bac"):
        page = client.get("/inspect/find", query_string={"q": typed}).get_data(as_text=True)
        assert "BX-01" in page, typed
        assert "PB-01" not in page, typed
    assert "BX-01" not in client.get("/inspect/find", query_string={"q": "ba xuyen %"}).get_data(as_text=True)


def test_the_producer_finds_its_batches_without_accents(world, login_as):
    page = login_as(world["producer"]).get("/app/batches", query_string={"q": "che xanh ba"}).get_data(as_text=True)
    assert "BX-01" in page


def test_admin_lists_find_without_accents(world, make_user, login_as):
    client = login_as(make_user(Role.ADMIN))
    orgs = client.get("/admin/organizations", query_string={"q": "hop tac xa dong hy"}).get_data(as_text=True)
    assert "Hợp tác xã Chè Đồng Hỷ" in orgs and "Trại lợn Phú Bình" not in orgs
    users = client.get("/admin/users", query_string={"q": "tran thi hoa"}).get_data(as_text=True)
    assert "Trần Thị Hoà" in users
    communes = client.get("/admin/communes", query_string={"q": "ba xuyen"}).get_data(as_text=True)
    assert "Phường Bá Xuyên" in communes
    substances = client.get("/admin/substances/", query_string={"q": "diazinon"}).get_data(as_text=True)
    assert "Diazinon" in substances
