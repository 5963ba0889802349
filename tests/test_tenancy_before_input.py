"""Another organisation's batch answers 404 whatever the body or query says, so ids cannot be probed."""

import pytest

from traceability.accounts.models import Role
from traceability.batches.models import BatchStatus


@pytest.mark.parametrize(
    ("method", "path", "kwargs"),
    [
        ("post", "/api/v1/batches/{id}/codes", {"json": {"count": "many"}}),
        ("get", "/api/v1/batches/{id}/labels.pdf?per_page=7", {}),
        ("get", "/api/v1/batches/{id}/trace?direction=sideways", {}),
    ],
)
def test_malformed_input_on_another_organisations_batch_is_404(make_batch, make_user, api_as, method, path, kwargs):
    batch = make_batch(status=BatchStatus.PUBLISHED)
    stranger = api_as(make_user(Role.PRODUCER))
    response = getattr(stranger, method)(path.format(id=batch.id), **kwargs)
    assert response.status_code == 404
    owner = api_as(make_user(Role.PRODUCER, batch.organization))
    assert getattr(owner, method)(path.format(id=batch.id), **kwargs).status_code == 422
