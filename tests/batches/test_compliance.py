"""Each compliance rule at its boundary, through the services."""

import datetime as dt
from decimal import Decimal

import pytest

from traceability.batches import compliance, services
from traceability.batches.models import BatchStatus, ChemicalApplication, ChemicalPurpose
from traceability.errors import Invalid
from traceability.registry.models import Certification


def _chem(db_session, batch, applied_on, phi_days, ingredient="Thiamethoxam 25%"):
    chem = ChemicalApplication(
        batch=batch,
        applied_on=applied_on,
        trade_name="Actara 25WG",
        active_ingredient=ingredient,
        purpose=ChemicalPurpose.INSECTICIDE,
        phi_days=phi_days,
    )
    db_session.add(chem)
    db_session.flush()
    return chem


def rules(db_session, batch):
    return [p.rule for p in compliance.check_batch(db_session, batch)]


def test_harvest_on_the_last_allowed_day_passes_and_one_day_earlier_fails(db_session, make_batch, substances):
    batch = make_batch(harvested_on=dt.date(2026, 10, 1))
    _chem(db_session, batch, dt.date(2026, 9, 24), 7)  # 24 Sep + 7 days = 1 Oct
    assert rules(db_session, batch) == []
    batch.harvested_on = dt.date(2026, 9, 30)
    problems = compliance.check_batch(db_session, batch)
    assert [p.rule for p in problems] == ["pre_harvest_interval"]
    # the message gives the application date, the first allowed day and the harvest date
    assert all(d in problems[0].message for d in ("2026-09-24", "2026-10-01", "2026-09-30"))


@pytest.mark.parametrize(
    "ingredient",
    [
        "fipronil",
        "FIPRONIL 800WG",
        "Fipronil 5% + Imidacloprid 10%",
        "Imidacloprid 10% + fipronil 5%",
        "thiophanate methyl 70%",
        "Thiophanate-Methyl",
        "thiophanatemethyl",
        "Paraquat dichloride 276 g/l",
        "2,4-D 720 g/l",
        "2.4 D",
        "Lindan",
        "hợp chất thủy ngân",
        "Thuy ngan",
        "Chlorpyrifos-ethyl 48%",
    ],
)
def test_banned_ingredients_are_found_however_they_are_written(db_session, substances, ingredient):
    assert compliance.matches_banned(db_session, ingredient), ingredient


@pytest.mark.parametrize(
    "ingredient", ["Imidacloprid 10%", "2,4-DB", "Chlorpyrifos methyl", "Thiamethoxam", "Abamectin 3.6 EC", "Emamectin"]
)
def test_permitted_ingredients_are_not_flagged(db_session, substances, ingredient):
    assert compliance.matches_banned(db_session, ingredient) == []


@pytest.mark.parametrize(
    ("ingredient", "named"),
    [
        ("Salbutamol", "Salbutamol"),
        ("salbutamol sulphate 2mg/kg", "Salbutamol"),
        ("Clenbuterol HCl 0,5% + Vitamin B12", "Clenbuterol"),
        ("Ractopamin", "Ractopamine"),  # Vietnamese spellings drop the final e …
        ("Cloramphenicol 10%", "Chloramphenicol"),  # … and write "cl" for "chl"
        ("Metronidazol", "Metronidazole"),
        ("Metyltestosteron", "Methyltestosterone"),
        ("kẽm bacitracin", "Bacitracin zinc"),
        ("Nandrolone decanoate", "19-Nortestosterone"),
        ("DES", "Diethylstilbestrol"),
    ],
)
def test_substances_banned_in_livestock_are_found_however_they_are_written(db_session, substances, ingredient, named):
    assert [s.name for s in compliance.matches_banned(db_session, ingredient)] == [named]


@pytest.mark.parametrize(
    "ingredient", ["Amoxicillin 10%", "Enrofloxacin", "Tylosin tartrate", "Ivermectin 1%", "Florfenicol", "Zinc oxide"]
)
def test_permitted_veterinary_drugs_are_not_flagged(db_session, substances, ingredient):
    assert compliance.matches_banned(db_session, ingredient) == []


def test_a_beta_agonist_refuses_publishing_whatever_purpose_records_it(db_session, make_batch, make_user, substances):
    batch = make_batch()
    user = make_user(org=batch.organization)
    records = [(ChemicalPurpose.VETERINARY_DRUG, "Salbutamol"), (ChemicalPurpose.OTHER, "Clenbuterol")]  # a feed
    for purpose, ingredient in records:
        db_session.add(
            ChemicalApplication(
                batch=batch, applied_on=dt.date(2026, 8, 1), trade_name="Cám đậm đặc", active_ingredient=ingredient,
                purpose=purpose,
            )
        )  # fmt: skip
    with pytest.raises(services.PublishRefused) as refused:
        services.publish_batch(db_session, user, batch)
    messages = refused.value.errors["chemicals"]
    assert len(messages) == 2 and "Salbutamol" in messages[0] and "Clenbuterol" in messages[1]
    assert all("livestock" in m for m in messages)


def test_a_mixture_with_a_removed_ingredient_blocks_publishing(db_session, make_batch, make_user, substances):
    batch = make_batch()
    user = make_user(org=batch.organization)
    _chem(db_session, batch, dt.date(2026, 8, 1), 14, "Fipronil 5% + Imidacloprid 10%")
    with pytest.raises(services.PublishRefused) as refused:
        services.publish_batch(db_session, user, batch)
    assert "Fipronil" in refused.value.errors["chemicals"][0]
    assert batch.status == BatchStatus.DRAFT


def test_certification_expired_on_the_harvest_date(db_session, make_batch):
    batch = make_batch(harvested_on=dt.date(2026, 10, 1))
    cert = Certification(
        organization_id=batch.organization_id,
        scheme="VietGAP",
        number="VG-1",
        issuer="QUACERT",
        valid_from=dt.date(2024, 10, 1),
        valid_to=dt.date(2026, 10, 1),
    )
    db_session.add(cert)
    assert rules(db_session, batch) == []  # valid through its last day
    cert.valid_to = dt.date(2026, 9, 30)
    problems = compliance.check_batch(db_session, batch)
    assert [p.rule for p in problems] == ["certification_expired"]
    assert "VG-1" in problems[0].message


def test_dates_in_an_impossible_order_are_refused_on_save(db_session, make_batch, make_user):
    batch = make_batch(planted_on=dt.date(2026, 3, 1), harvested_on=dt.date(2026, 10, 1))
    user = make_user(org=batch.organization)
    with pytest.raises(Invalid) as error:
        services.update_batch(db_session, user, batch, {"harvested_on": dt.date(2026, 2, 28)})
    assert "harvested_on" in error.value.errors


def test_mass_balance_allows_exactly_what_the_input_holds(db_session, make_batch, make_user):
    leaf = make_batch(quantity=Decimal("100"))
    user = make_user(org=leaf.organization)
    product = leaf.product
    first = services.create_batch(
        db_session,
        user,
        {
            "product_id": product.id,
            "quantity": Decimal("20"),
            "inputs": [{"batch_id": leaf.id, "quantity": Decimal("60")}],
        },
    )
    second = services.create_batch(
        db_session,
        user,
        {
            "product_id": product.id,
            "quantity": Decimal("10"),
            "inputs": [{"batch_id": leaf.id, "quantity": Decimal("40")}],
        },
    )
    assert first.id and second.id  # 60 + 40 = 100: all of it, and no more
    with pytest.raises(Invalid) as error:
        services.create_batch(
            db_session,
            user,
            {
                "product_id": product.id,
                "quantity": Decimal("1"),
                "inputs": [{"batch_id": leaf.id, "quantity": Decimal("0.001")}],
            },
        )
    assert "100" in error.value.errors["inputs"][0]


def test_a_batch_cannot_become_its_own_ancestor(db_session, make_batch, make_user):
    grand = make_batch()
    parent = make_batch(org=grand.organization, inputs=[(grand, 10)])
    child = make_batch(org=grand.organization, inputs=[(parent, 10)])
    user = make_user(org=grand.organization)
    with pytest.raises(Invalid) as error:
        services.update_batch(db_session, user, grand, {"inputs": [{"batch_id": child.id, "quantity": Decimal("1")}]})
    assert "inputs" in error.value.errors
    with pytest.raises(Invalid):
        services.update_batch(db_session, user, grand, {"inputs": [{"batch_id": grand.id, "quantity": Decimal("1")}]})


def test_inputs_from_another_organisation_are_refused(db_session, make_batch, make_user):
    foreign = make_batch()
    mine = make_batch()
    user = make_user(org=mine.organization)
    with pytest.raises(Invalid) as error:
        services.update_batch(db_session, user, mine, {"inputs": [{"batch_id": foreign.id, "quantity": Decimal("1")}]})
    assert "inputs" in error.value.errors


def test_required_fields_are_named_before_publishing(db_session, make_batch):
    batch = make_batch(site=None, harvested_on=None)
    batch.site = None
    assert {p.field for p in compliance.check_batch(db_session, batch)} >= {"site_id", "harvested_on"}


def test_a_suggested_expiry_follows_the_dates_and_a_typed_one_is_kept(db_session, make_user, make_product):
    user = make_user()
    product = make_product(user.organization, shelf_life_days=30)
    batch = services.create_batch(
        db_session, user, {"product_id": product.id, "quantity": Decimal(5), "harvested_on": dt.date(2026, 10, 1)}
    )
    assert batch.expires_on == dt.date(2026, 10, 31)
    services.update_batch(
        db_session, user, batch, {"harvested_on": dt.date(2026, 10, 3), "expires_on": dt.date(2026, 10, 31)}
    )
    assert batch.expires_on == dt.date(2026, 11, 2)
    services.update_batch(db_session, user, batch, {"expires_on": dt.date(2026, 12, 1)})
    services.update_batch(db_session, user, batch, {"harvested_on": dt.date(2026, 10, 4)})
    assert batch.expires_on == dt.date(2026, 12, 1)


@pytest.mark.parametrize("status", [BatchStatus.RECALLED, BatchStatus.SUSPENDED])
def test_a_batch_made_from_a_withdrawn_input_cannot_be_published(db_session, make_batch, make_user, status):
    source = make_batch(status=BatchStatus.PUBLISHED)
    source.status, source.status_reason = status, "Dư lượng vượt ngưỡng"
    batch = make_batch(source.organization, inputs=[(source, 10)])
    db_session.refresh(batch)
    problems = [p for p in compliance.check_batch(db_session, batch) if p.rule == "input_withdrawn"]
    assert len(problems) == 1 and source.lot_code in problems[0].message
    assert "Dư lượng vượt ngưỡng" in problems[0].message
    with pytest.raises(services.PublishRefused):
        services.publish_batch(db_session, make_user(org=batch.organization), batch)
    assert batch.status == BatchStatus.DRAFT


def test_an_inspected_draft_is_kept(db_session, make_batch, make_user):
    from traceability.errors import Conflict
    from traceability.inspection.models import Inspection, InspectionResult

    batch = make_batch()
    db_session.add(Inspection(inspector=make_user("inspector"), batch=batch, result=InspectionResult.MINOR_ISSUE))
    db_session.flush()
    with pytest.raises(Conflict):
        services.delete_batch(db_session, make_user(org=batch.organization), batch)


def test_claims_name_the_certified_schemes_in_a_products_standards():
    assert compliance.claims_in("TCVN 3218:2012; VietGAP") == ["VietGAP"]
    assert compliance.claims_in("Chăn nuôi theo VietGAHP") == ["VietGAHP"]  # not VietGAP
    assert compliance.claims_in("Chè hữu cơ (TCVN 11041-6:2018)") == ["organic"]
    assert compliance.claims_in("Organic, GLOBALG.A.P.") == ["organic"]  # dotted spelling: a word per letter
    assert compliance.claims_in("TCVN 3218:2012") == []
    assert compliance.claims_in(None) == []


def test_a_claimed_standard_without_a_certificate_refuses_publishing_and_is_recorded(
    db_session, make_batch, make_product, make_org, make_user
):
    org = make_org()
    product = make_product(org, standards="TCVN 3218:2012; VietGAP")
    batch = make_batch(org, product=product, harvested_on=dt.date(2026, 10, 1))
    user = make_user(org=org)
    with pytest.raises(services.PublishRefused) as refused:
        services.publish_batch(db_session, user, batch)
    assert [p.rule for p in refused.value.problems] == ["standard_not_certified"]
    assert "VietGAP" in refused.value.errors["certifications"][0]
    assert refused.value.attempt.problems[0]["rule"] == "standard_not_certified"  # kept for the inspectors

    # a certificate of another site does not back it; the organisation's own (any site) does
    other_site = Certification(
        organization=org,
        site=make_batch(org).site,
        scheme="VietGAP",
        number="VG-S",
        issuer="Q",
        valid_from=dt.date(2026, 1, 1),
    )
    db_session.add(other_site)
    assert rules(db_session, batch) == ["standard_not_certified"]
    db_session.add(
        Certification(organization=org, scheme="VietGAP", number="VG-O", issuer="Q", valid_from=dt.date(2026, 1, 1))
    )
    assert rules(db_session, batch) == []


def test_a_lapsed_certificate_of_a_claimed_standard_is_named_once_with_its_dates(db_session, make_batch, make_product):
    product = make_product(standards="hữu cơ")
    batch = make_batch(product.organization, product=product, harvested_on=dt.date(2026, 10, 1))
    db_session.add(
        Certification(
            organization_id=batch.organization_id,
            scheme="Hữu cơ",
            number="HC-1",
            issuer="Q",
            valid_from=dt.date(2024, 1, 1),
            valid_to=dt.date(2026, 6, 30),
        )
    )
    assert rules(db_session, batch) == ["certification_expired"]


def test_processed_goods_claim_the_standard_their_inputs_were_grown_to(db_session, make_batch, make_product, make_org):
    org = make_org()
    leaf_a, leaf_b = make_batch(org), make_batch(org)
    db_session.add(
        Certification(
            organization=org,
            site=leaf_a.site,
            scheme="VietGAP",
            number="VG-A",
            issuer="Q",
            valid_from=dt.date(2026, 1, 1),
        )
    )
    dried = make_batch(
        org,
        product=make_product(org, standards="VietGAP"),
        inputs=[(leaf_a, 10), (leaf_b, 10)],
        harvested_on=None,
        produced_on=dt.date(2026, 10, 2),
    )
    assert rules(db_session, dried) == ["standard_not_certified"]  # leaf_b's area is not certified
    db_session.add(
        Certification(
            organization=org,
            site=leaf_b.site,
            scheme="VietGAP",
            number="VG-B",
            issuer="Q",
            valid_from=dt.date(2026, 1, 1),
        )
    )
    assert rules(db_session, dried) == []
