"""The kept lists — product categories and the province's communes: shipped with the schema, chosen from selects,
kept by admins, and the free text typed before them mapped by the migration."""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path

import pytest
from sqlalchemy import select, text
from sqlalchemy.orm import Session

from traceability import db, migrate
from traceability.reference import lists
from traceability.reference.models import Commune, ListOrigin, ProductCategory
from traceability.registry.models import Product, Site

from ..conftest import reset_postgres, scratch_database_url

ROOT = Path(__file__).resolve().parents[2]
MIGRATIONS = ROOT / "migrations" / "versions"
VI = {"Accept-Language": "vi"}
EN = {"Accept-Language": "en"}


@pytest.fixture
def producer(make_user):
    return make_user()


@pytest.fixture
def web(login_as, producer, db_session):
    db_session.commit()
    return login_as(producer)


@pytest.fixture
def api(api_as, producer, db_session):
    client = api_as(producer)
    db_session.commit()
    return client


@pytest.mark.no_db
def test_changed_kept_lists_come_with_a_migration_that_loads_them():
    digest = lists.shipped_lists_sha256()
    carrying = [p.name for p in MIGRATIONS.glob("*.py") if f"KEPT_LISTS_SHA256 = '{digest}'" in p.read_text()]
    assert carrying, (
        "The shipped category or commune list changed: add a migration that calls lists.load_categories and "
        f"lists.load_communes on op.get_bind() and names KEPT_LISTS_SHA256 = '{digest}'."
    )


@pytest.mark.no_db
def test_the_shipped_communes_are_the_packages_list_not_a_hand_typed_table():
    spec = importlib.util.spec_from_file_location(
        "communes_from_package", ROOT / "scripts" / "communes_from_package.py"
    )
    script = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(script)
    from_package = script.rows("Thái Nguyên")
    shipped = [{k: v for k, v in row.items() if k != "is_active"} for row in lists.commune_rows()]
    assert shipped == from_package
    # after the merger with Bắc Kạn (1 July 2025): 92 communes and wards, no districts
    assert len(shipped) == 92
    assert {"Xã Tân Cương", "Phường Bá Xuyên", "Phường Bắc Kạn"} <= {row["name"] for row in shipped}


def test_a_fresh_install_has_the_lists_key_products_first(db_session):
    assert db_session.scalar(select(text("count(*)")).select_from(Commune)) == 92
    codes = [c.code for c in db_session.scalars(select(ProductCategory).order_by(ProductCategory.position))]
    assert codes[:6] == ["tea", "fruit", "pork", "chicken_eggs", "timber", "cinnamon"]
    assert all(c.origin == ListOrigin.SHIPPED for c in db_session.scalars(select(ProductCategory)))


def test_the_product_form_offers_the_list_and_the_page_shows_its_name(web, producer, db_session):
    page = web.get("/app/products/new", headers=VI).get_data(as_text=True)
    options = re.findall(r'<option value="([a-z_]+)"', page.split('id="f-category"')[1].split("</select>")[0])
    assert options[:6] == ["tea", "fruit", "pork", "chicken_eggs", "timber", "cinnamon"]
    response = web.post("/app/products/new", data={"name": "Quế vỏ Văn Yên", "category": "cinnamon", "unit": "kg"})
    assert response.status_code == 302
    product = db_session.scalar(select(Product).where(Product.name == "Quế vỏ Văn Yên"))
    assert product.category_code == "cinnamon" and product.category_as_typed is None
    listing = web.get("/app/products", headers=VI).get_data(as_text=True)
    assert "Quế" in listing and "cinnamon" not in listing


def test_a_category_off_the_list_is_refused_naming_the_field_and_nothing_is_saved(web, producer, db_session):
    response = web.post("/app/products/new", data={"name": "Nấm", "category": "mushrooms", "unit": "kg"}, headers=EN)
    assert response.status_code == 422
    assert 'id="e-category"' in response.get_data(as_text=True)
    assert db_session.scalar(select(Product).where(Product.name == "Nấm")) is None


def test_the_api_names_a_category_by_code_id_or_name(api, db_session):
    pork = db_session.scalar(select(ProductCategory).where(ProductCategory.code == "pork"))
    by_code = api.post("/api/v1/products", json={"name": "Chè 1", "category": "tea", "unit": "kg"})
    by_id = api.post("/api/v1/products", json={"name": "Thịt 1", "category": pork.id, "unit": "kg"})
    by_name = api.post("/api/v1/products", json={"name": "Chè 2", "category": "Chè", "unit": "kg"})
    assert (by_code.status_code, by_id.status_code, by_name.status_code) == (201, 201, 201)
    assert [by_code.json["category"], by_id.json["category"], by_name.json["category"]] == ["tea", "pork", "tea"]
    bad = api.post("/api/v1/products", json={"name": "Nấm", "category": "mushrooms", "unit": "kg"})
    assert bad.status_code == 422 and "category" in bad.json["errors"]["json"]
    listed = api.get("/api/v1/categories")
    assert listed.status_code == 200 and listed.json[0]["code"] == "tea"
    found = api.get("/api/v1/communes?q=ba xuyen")
    assert [c["name"] for c in found.json] == ["Phường Bá Xuyên"]


def test_a_site_chooses_its_commune_from_a_grouped_select(web, producer, db_session):
    page = web.get("/app/sites/new", headers=VI).get_data(as_text=True)
    select_html = page.split('id="f-commune_code"')[1].split("</select>")[0]
    assert '<optgroup label="Phường">' in select_html and '<optgroup label="Xã">' in select_html
    assert select_html.count('<option value="0') + select_html.count('<option value="1') == 92
    response = web.post("/app/sites/new", data={"kind": "growing_area", "name": "Đồi chè mới", "commune_code": "05503"})
    assert response.status_code == 302
    site = db_session.scalar(select(Site).where(Site.name == "Đồi chè mới"))
    assert (site.commune_code, site.commune, site.province) == ("05503", "Xã Tân Cương", "Thái Nguyên")


def test_a_place_outside_the_province_is_typed_and_a_typed_name_of_the_list_is_matched(web, producer, db_session):
    outside = {"kind": "warehouse", "name": "Kho Hà Nội", "commune": "Hoàn Kiếm", "province": "Hà Nội"}
    typed = {"kind": "farm", "name": "Trại cũ", "commune": "tan cuong", "province": "Thái Nguyên"}
    assert web.post("/app/sites/new", data=outside).status_code == 302
    assert web.post("/app/sites/new", data=typed).status_code == 302
    sites = {s.name: s for s in db_session.scalars(select(Site))}
    assert (sites["Kho Hà Nội"].commune_code, sites["Kho Hà Nội"].commune) == (None, "Hoàn Kiếm")
    assert (sites["Trại cũ"].commune_code, sites["Trại cũ"].commune) == ("05503", "tan cuong")
    neither = web.post("/app/sites/new", data={"kind": "farm", "name": "Không rõ"}, headers=EN)
    assert neither.status_code == 422 and 'id="e-commune_code"' in neither.get_data(as_text=True)


def test_an_admin_keeps_the_lists_and_a_reload_leaves_the_admins_rows(client, make_user, login_as, db_session):
    login_as(make_user("admin"))
    tea = db_session.scalar(select(ProductCategory).where(ProductCategory.code == "tea"))
    response = client.post(
        f"/admin/categories/{tea.id}",
        data={"name_vi": "Chè (trà)", "name_en": "Tea", "position": "5", "is_key_product": "true", "is_active": "true"},
    )
    assert response.status_code == 302
    added = client.post(
        "/admin/communes/new",
        data={"code": "99001", "name": "Xã Thử Nghiệm", "kind": "commune", "province": "Thái Nguyên",
              "is_active": "true"},
    )  # fmt: skip
    assert added.status_code == 302
    clash = client.post("/admin/categories/new", data={"code": "tea", "name_vi": "Chè", "name_en": "Tea"})
    assert clash.status_code == 422
    assert client.post("/admin/categories/reload").status_code == 302
    db_session.expire_all()
    tea = db_session.scalar(select(ProductCategory).where(ProductCategory.code == "tea"))
    assert (tea.name_vi, tea.origin) == ("Chè (trà)", ListOrigin.ADMIN)
    page = client.get("/admin/communes?q=thu nghiem", headers=VI).get_data(as_text=True)
    assert "Xã Thử Nghiệm" in page and "Xã Tân Cương" not in page


def test_the_upgrade_maps_free_text_typed_before_the_lists():
    engine = db.make_engine(scratch_database_url("_lists_upgrade"))
    try:
        if engine.dialect.name == "postgresql":
            reset_postgres(engine)
        migrate.upgrade(engine, "9c3f1d2e7a55")  # the release before the lists
        with Session(engine) as session:
            session.execute(
                text(
                    "INSERT INTO organizations (id, name, kind, tax_code, province, commune, address, status, "
                    "created_at) VALUES (1, 'HTX', 'cooperative', '4600000001', 'Thái Nguyên', 'xã Tân Cương', "
                    "'Xóm 1', 'verified', CURRENT_TIMESTAMP)"
                )
            )
            for n, category in enumerate(["tea", "Chè", "Trà xanh", "Nấm hương", "nấm hương"], start=1):
                session.execute(
                    text(
                        "INSERT INTO products (id, organization_id, name, category, unit, created_at) "
                        "VALUES (:id, 1, :name, :category, 'kg', CURRENT_TIMESTAMP)"
                    ),
                    {"id": n, "name": f"Sản phẩm {n}", "category": category},
                )
            for n, (commune, province) in enumerate([("Bá Xuyên", "Thái Nguyên"), ("Hoàn Kiếm", "Hà Nội")], 1):
                session.execute(
                    text(
                        "INSERT INTO sites (id, organization_id, kind, name, province, commune, created_at) "
                        "VALUES (:id, 1, 'farm', :name, :province, :commune, CURRENT_TIMESTAMP)"
                    ),
                    {"id": n, "name": f"Khu {n}", "province": province, "commune": commune},
                )
            session.commit()
        migrate.upgrade(engine)
        with Session(engine) as session:
            rows = session.execute(text("SELECT category, category_code FROM products ORDER BY id")).all()
            assert [code for _typed, code in rows[:3]] == ["tea", "tea", "tea"]  # one entry, however spelled
            assert rows[3].category_code == rows[4].category_code == "nam_huong"
            assert rows[1].category == "Chè"  # the text stays as typed (the audit's record of it stays true)
            review = session.execute(
                text("SELECT name_vi, origin FROM product_categories WHERE code = 'nam_huong'")
            ).one()
            assert tuple(review) == ("Nấm hương", "migrated")
            sites = session.execute(text("SELECT commune, commune_code FROM sites ORDER BY id")).all()
            assert [tuple(s) for s in sites] == [("Bá Xuyên", "05533"), ("Hoàn Kiếm", None)]
            org = session.execute(text("SELECT commune_code FROM organizations")).scalar()
            assert org == "05503"
            assert session.execute(text("SELECT fold('Đồi CHÈ Bá Xuyên')")).scalar() == "doi che ba xuyen"
    finally:
        if engine.dialect.name == "postgresql":
            reset_postgres(engine)
        engine.dispose()
