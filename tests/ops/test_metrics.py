"""/metrics read with the client library's own parser, and who may read it."""

from __future__ import annotations

import socket

import pytest
from prometheus_client.parser import text_string_to_metric_families

from traceability.batches.models import BatchStatus
from traceability.codes.services import lot_code_for
from traceability.notices import mailer


def scrape(client, **kwargs) -> dict[tuple[str, tuple], float]:
    response = client.get("/metrics", buffered=True, **kwargs)
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/plain; version=")
    samples = {}
    for family in text_string_to_metric_families(response.get_data(as_text=True)):
        for sample in family.samples:
            samples[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return samples


def value(samples, name: str, **labels) -> float:
    return samples.get((name, tuple(sorted(labels.items()))), 0.0)


def test_requests_are_counted_by_route_and_status_with_latency(client):
    before = scrape(client)
    for _ in range(3):
        assert client.get("/healthz", buffered=True).status_code == 200
    assert client.get("/no/such/page", buffered=True).status_code == 404
    after = scrape(client)

    count = "traceability_http_requests_total"
    assert (
        value(after, count, method="GET", route="/healthz", status="200")
        - value(before, count, method="GET", route="/healthz", status="200")
        == 3
    )
    assert (
        value(after, count, method="GET", route="(no route)", status="404")
        - value(before, count, method="GET", route="(no route)", status="404")
        == 1
    )
    latency = "traceability_http_request_duration_seconds"
    observed = value(after, f"{latency}_count", method="GET", route="/healthz") - value(
        before, f"{latency}_count", method="GET", route="/healthz"
    )
    assert observed == 3
    assert value(after, f"{latency}_bucket", method="GET", route="/healthz", le="+Inf") >= 3
    assert value(after, f"{latency}_sum", method="GET", route="/healthz") > 0


def test_a_made_up_method_adds_no_series_of_its_own(client):
    """Methods are counted by name only when HTTP defines them: a client inventing methods cannot grow the
    metrics (each new label value is a series kept for the life of the process)."""
    before = scrape(client)
    for method in ("BREW", "X-ANYTHING"):
        client.open("/healthz", method=method, buffered=True)
    after = scrape(client)
    count = "traceability_http_requests_total"
    assert not any(labels and dict(labels).get("method") in ("BREW", "X-ANYTHING") for _name, labels in after)
    other = sum(v for (name, labels), v in after.items() if name == count and dict(labels)["method"] == "other")
    other_before = sum(v for (name, labels), v in before.items() if name == count and dict(labels)["method"] == "other")
    assert other - other_before == 2


def test_scans_recorded_and_waiting(client, make_batch, db_session):
    batch = make_batch(status=BatchStatus.PUBLISHED)
    code = lot_code_for(db_session, batch)
    before = scrape(client)
    assert client.get(f"/c/{code.value}", buffered=True).status_code == 200
    after = scrape(client)
    assert value(after, "traceability_scans_recorded_total") - value(before, "traceability_scans_recorded_total") == 1
    assert value(after, "traceability_scans_waiting") == 0  # the tests write each scan at once


def test_mail_sent_and_failed_are_counted(app, client, settings, tmp_path):
    before = scrape(client)
    settings.update(MAIL_SERVER=None, OUTBOX_DIR=str(tmp_path / "outbox"))
    with app.app_context():
        mailer.send("htx@example.org", "Thử", "Nội dung")  # into the outbox folder
    settings.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=free_port(), MAIL_TIMEOUT=2)  # nothing listens there
    with app.app_context(), pytest.raises(OSError):
        mailer.send("htx@example.org", "Thử", "Nội dung")
    after = scrape(client)
    assert value(after, "traceability_mail_sent_total") - value(before, "traceability_mail_sent_total") == 1
    assert value(after, "traceability_mail_failed_total") - value(before, "traceability_mail_failed_total") == 1


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_job_counts_come_from_the_queue_at_each_scrape(app, client, monkeypatch):
    from tests.ops.test_health import FakeQueue

    states = {dict(labels).get("state") for name, labels in scrape(client) if name == "traceability_jobs"}
    assert states == {"queued", "running", "failed"}  # the app's own queue, read from the job rows
    monkeypatch.setitem(app.extensions, "jobs", FakeQueue(reachable=True))
    samples = scrape(client)
    assert value(samples, "traceability_jobs", state="queued") == 4
    assert value(samples, "traceability_jobs", state="running") == 1
    assert value(samples, "traceability_jobs", state="failed") == 2


def test_metrics_are_not_public(client, settings):
    elsewhere = {"REMOTE_ADDR": "203.0.113.7"}
    assert client.get("/metrics", environ_base=elsewhere).status_code == 404
    # a request relayed by a proxy on this host is not a local scrape
    relayed = client.get("/metrics", headers={"X-Forwarded-For": "203.0.113.7"})
    assert relayed.status_code == 404
    assert client.get("/metrics", environ_base={"REMOTE_ADDR": "::1"}).status_code == 200

    settings["METRICS_TOKEN"] = "s3cret-scrape-token"
    assert client.get("/metrics", environ_base=elsewhere, headers={"Authorization": "Bearer wrong"}).status_code == 404
    scrape(client, environ_base=elsewhere, headers={"Authorization": "Bearer s3cret-scrape-token"})


def test_metrics_are_not_linked_from_the_start_page(client):
    page = client.get("/").get_data(as_text=True)
    assert "/metrics" not in page and "/readyz" not in page
