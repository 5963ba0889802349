"""A GTIN is a brand's identity on every label: only its verified owner may claim it, and it stays put."""

import pytest

from traceability.accounts.models import OrgStatus, Role
from traceability.batches.models import BatchStatus
from traceability.errors import Invalid
from traceability.registry import services

GTIN = "08936012345001"


def test_an_unverified_organisation_cannot_claim_a_gtin(db_session, make_org, make_user):
    user = make_user(Role.PRODUCER, make_org(status=OrgStatus.PENDING))
    with pytest.raises(Invalid) as refused:
        services.create_product(db_session, user, {"name": "Chè", "category": "tea", "unit": "kg", "gtin": GTIN})
    assert "gtin" in refused.value.errors


def test_a_gtin_outside_the_company_prefix_is_refused(db_session, make_org, make_user):
    user = make_user(Role.PRODUCER, make_org(gs1_prefix="8930000001"))
    with pytest.raises(Invalid):
        services.create_product(db_session, user, {"name": "Chè", "category": "tea", "unit": "kg", "gtin": GTIN})
    user = make_user(Role.PRODUCER, make_org(gs1_prefix="8936012345"))
    assert services.create_product(db_session, user, {"name": "Chè", "category": "tea", "unit": "kg", "gtin": GTIN})


def test_the_gtin_of_a_product_with_published_batches_cannot_change(db_session, make_batch, make_user):
    batch = make_batch(status=BatchStatus.PUBLISHED)
    user = make_user(Role.PRODUCER, batch.organization)
    with pytest.raises(Invalid):
        services.update_product(db_session, user, batch.product, {"gtin": GTIN})
    assert services.update_product(db_session, user, batch.product, {"name": "Chè mới"}).name == "Chè mới"
