"""The production path: `traceability db upgrade` on an empty database, nothing else (no demo, no `substances
load`), and publishing a batch treated with a banned substance is refused."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from traceability import db, migrate
from traceability.accounts import services as accounts
from traceability.accounts.models import OrgKind, OrgStatus, Role
from traceability.batches import services as batches
from traceability.batches.models import Batch, ChemicalApplication, ChemicalPurpose, PublishAttempt
from traceability.reference.models import BannedSubstance, SubstanceKind, SubstanceOrigin
from traceability.registry.models import Product, Site, SiteKind

from ..conftest import reset_postgres, scratch_database_url

pytestmark = pytest.mark.no_db


@pytest.fixture(scope="module")
def fresh(app):
    """A database built by the migrations alone, as `traceability db upgrade` builds it."""
    engine = db.make_engine(scratch_database_url("_fresh_install"))
    if engine.dialect.name == "postgresql":
        reset_postgres(engine)
    migrate.upgrade(engine)  # what `traceability db upgrade` runs
    with app.app_context():
        yield engine
    engine.dispose()


@pytest.fixture
def session(fresh):
    with Session(fresh) as session:
        yield session
        session.rollback()


def _producer_batch(session: Session, product_name: str, category: str, site_kind: SiteKind):
    """A verified producer with a product, a site and a draft batch, as the forms create them."""
    n = session.scalar(select(func.count()).select_from(Batch)) + 1
    org = accounts.create_organization(
        session,
        {
            "name": f"Hợp tác xã {product_name}",
            "kind": OrgKind.COOPERATIVE,
            "tax_code": f"460{n:07d}",
            "province": "Thái Nguyên",
            "commune": "Tân Cương",
            "address": "Xóm 1",
        },
    )
    accounts.set_organization_status(session, org, None, OrgStatus.VERIFIED)
    user = accounts.create_user(
        session, email=f"producer{n}@example.org", password="mat-khau-dai", full_name="Chị Hoa",
        role=Role.PRODUCER, organization=org,
    )  # fmt: skip
    product = Product(organization=org, name=product_name, category_code=category, unit="kg", shelf_life_days=30)
    site = Site(organization=org, kind=site_kind, name="Khu 1", province="Thái Nguyên", commune="Tân Cương")
    session.add_all([product, site])
    session.flush()
    batch = batches.create_batch(
        session,
        user,
        {
            "product_id": product.id,
            "site_id": site.id,
            "quantity": Decimal("500"),
            "harvested_on": dt.date(2026, 10, 1),
        },
    )
    return user, batch


def _record(session: Session, batch: Batch, trade_name: str, ingredient: str, purpose: ChemicalPurpose) -> None:
    session.add(
        ChemicalApplication(
            batch=batch,
            applied_on=dt.date(2026, 8, 1),
            trade_name=trade_name,
            active_ingredient=ingredient,
            purpose=purpose,
            phi_days=14,
        )
    )
    session.flush()


def _refused(session: Session, user, batch: Batch) -> list[str]:
    with pytest.raises(batches.PublishRefused) as refused:
        batches.publish_batch(session, user, batch)
    # the refusal is kept for the inspectors, as every refused attempt is
    attempt = session.scalar(select(PublishAttempt).where(PublishAttempt.batch_id == batch.id))
    assert attempt is not None and not attempt.is_accepted
    return refused.value.errors["chemicals"]


def test_upgrade_alone_installs_both_shipped_lists(session):
    kinds = dict(session.execute(select(BannedSubstance.kind, func.count()).group_by(BannedSubstance.kind)).all())
    assert kinds[SubstanceKind.PESTICIDE] >= 40 and kinds[SubstanceKind.LIVESTOCK] >= 20
    origins = set(session.scalars(select(BannedSubstance.origin).distinct()))
    assert origins == {SubstanceOrigin.SHIPPED}


def test_a_tea_batch_sprayed_with_a_fipronil_mixture_is_refused(session):
    user, batch = _producer_batch(session, "Chè búp tươi", "tea", SiteKind.GROWING_AREA)
    _record(session, batch, "Regent Plus", "Fipronil 5% + Imidacloprid 10%", ChemicalPurpose.INSECTICIDE)
    messages = _refused(session, user, batch)
    assert len(messages) == 1 and "Fipronil" in messages[0] and "Imidacloprid" not in messages[0].split("contains")[1]
    assert batch.status == "draft"


@pytest.mark.parametrize(
    ("trade_name", "ingredient", "purpose", "named"),
    [
        ("Ventolin", "Salbutamol sulfate 2 mg", ChemicalPurpose.VETERINARY_DRUG, "Salbutamol"),
        ("Cám tăng trọng", "Clenbuterol 0,5% + Vitamin B12", ChemicalPurpose.OTHER, "Clenbuterol"),  # feed
        ("Paylean", "ractopamin HCl", ChemicalPurpose.OTHER, "Ractopamine"),  # the Vietnamese spelling
    ],
)
def test_a_pig_batch_given_a_beta_agonist_is_refused(session, trade_name, ingredient, purpose, named):
    user, batch = _producer_batch(session, "Thịt lợn", "pork", SiteKind.FARM)
    _record(session, batch, "Amoxicillin 10%", "Amoxicillin", ChemicalPurpose.VETERINARY_DRUG)  # permitted
    _record(session, batch, trade_name, ingredient, purpose)
    messages = _refused(session, user, batch)
    assert len(messages) == 1
    assert named in messages[0] and trade_name in messages[0] and "livestock" in messages[0]


def test_the_same_pig_batch_without_the_beta_agonist_publishes(session):
    user, batch = _producer_batch(session, "Thịt lợn sạch", "pork", SiteKind.FARM)
    _record(session, batch, "Amoxicillin 10%", "Amoxicillin", ChemicalPurpose.VETERINARY_DRUG)
    batches.publish_batch(session, user, batch)
    assert batch.status == "published"
