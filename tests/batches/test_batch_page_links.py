from traceability.accounts.models import Role
from traceability.batches.models import BatchStatus


def test_published_batch_page_leads_to_its_codes_and_its_trace(make_batch, make_user, login_as):
    batch = make_batch(status=BatchStatus.PUBLISHED)
    client = login_as(make_user(Role.PRODUCER, batch.organization))
    page = client.get(f"/app/batches/{batch.id}").get_data(as_text=True)
    assert f"/app/batches/{batch.id}/codes" in page
    assert f"/app/batches/{batch.id}/trace" in page
    assert "/app/data" in client.get("/app/").get_data(as_text=True)


def test_inspector_batch_page_has_the_trace(make_batch, make_user, login_as):
    batch = make_batch(status=BatchStatus.PUBLISHED)
    page = login_as(make_user(Role.INSPECTOR)).get(f"/inspect/batches/{batch.id}").get_data(as_text=True)
    assert f"/inspect/batches/{batch.id}/trace" in page
