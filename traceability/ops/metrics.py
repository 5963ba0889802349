"""Prometheus metrics (the official client library), served at /metrics to loopback or a bearer token.

Under gunicorn each worker is its own process: `traceability serve` and `traceability worker` set
PROMETHEUS_MULTIPROC_DIR (default instance/prometheus) before the app is made, every process then writes its
values to files there, and a scrape of any web worker adds them up, the job worker's included (the client
library's multiprocess mode). Without it (`flask run`, tests) the values are the process's own.

Other parts of the app update the metrics defined here: the scan recorder (scans), the mail sender
(`MAIL_SENT` / `MAIL_FAILED`). Job counts are read from the job queue when scraped (see `jobs_counts`).
"""

from __future__ import annotations

import hmac
import ipaddress
import logging
import os

from flask import Flask, Response, current_app, request
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
    multiprocess,
)
from prometheus_client.core import GaugeMetricFamily

log = logging.getLogger(__name__)

HTTP_REQUESTS = Counter(
    "traceability_http_requests", "HTTP requests answered, by route and status", ["method", "route", "status"]
)
HTTP_LATENCY = Histogram(
    "traceability_http_request_duration_seconds",
    "Time to answer an HTTP request, by route",
    ["method", "route"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30),
)
SCANS_RECORDED = Counter("traceability_scans_recorded", "Scans written to the database")
# each process keeps its own waiting scans: the scrape adds up the living processes' values
SCANS_WAITING = Gauge(
    "traceability_scans_waiting", "Scans kept in memory, not yet written", multiprocess_mode="livesum"
)
SCAN_WRITE_FAILURES = Counter(
    "traceability_scan_write_failures", "Writes of scans that failed (their scans wait for the next try)"
)
SCANS_LOST = Counter("traceability_scans_lost", "Scans dropped: the database failed while the waiting list was full")
SCAN_QUEUE_FAILURES = Counter(
    "traceability_scan_queue_failures", "Scans Redis could not take (kept in the process's own list instead)"
)
MAIL_SENT = Counter("traceability_mail_sent", "E-mails handed to the mail server (or the outbox folder)")
MAIL_FAILED = Counter("traceability_mail_failed", "E-mails that could not be sent")
JOBS_FINISHED = Counter("traceability_jobs_finished", "Background jobs ended, by kind and outcome", ["kind", "state"])

JOB_STATES = ("queued", "running", "failed")


def jobs_counts(app: Flask) -> dict[str, int] | None:
    """The job queue's counts, or None when the app runs without one.

    The queue, when installed, is `app.extensions["jobs"]`; it answers `counts()` with a mapping of
    `queued`, `running` and `failed` to numbers (and raises when the queue cannot be reached).
    """
    jobs = app.extensions.get("jobs")
    if jobs is None or not hasattr(jobs, "counts"):
        return None
    return jobs.counts()


class JobsCollector:
    """Asks the job queue for its counts at each scrape: they live in the queue, shared by every process."""

    def __init__(self, app: Flask):
        self.app = app

    def collect(self):
        try:
            counts = jobs_counts(self.app)
        except Exception:  # an unreachable queue shows as a missing series; /readyz says why
            log.warning("job queue unreachable for metrics", exc_info=True)
            return
        if counts is None:
            return
        family = GaugeMetricFamily("traceability_jobs", "Background jobs by state", labels=["state"])
        for state in JOB_STATES:
            family.add_metric([state], float(counts.get(state, 0)))
        yield family


class ScanQueueCollector:
    """The scans queued in Redis and not yet written (with REDIS_URL), read at each scrape: the queue is shared by
    every worker and server, so no process could count it alone. A queue that keeps growing means the writers do
    not keep up, or cannot reach the database."""

    def __init__(self, app: Flask):
        self.app = app

    def collect(self):
        queue = getattr(self.app.extensions.get("scans"), "queue", None)
        if queue is None:
            return
        try:
            length = queue.length()
        except Exception:  # Redis unreachable: a missing series; /readyz says why
            log.warning("scan queue unreachable for metrics", exc_info=True)
            return
        yield GaugeMetricFamily("traceability_scans_queued", "Scans queued in Redis, not yet written", value=length)


def multiprocess_dir() -> str | None:
    return os.environ.get("PROMETHEUS_MULTIPROC_DIR") or None  # set by ops/multiproc.py before this module loads


def scrape_registry(app: Flask) -> CollectorRegistry:
    registry = app.extensions.get("metrics_registry")
    if registry is None:
        if multiprocess_dir():
            registry = CollectorRegistry()
            multiprocess.MultiProcessCollector(registry)
        else:
            registry = CollectorRegistry()
            registry.register(_Forward(REGISTRY))
        registry.register(JobsCollector(app))
        registry.register(ScanQueueCollector(app))
        app.extensions["metrics_registry"] = registry
    return registry


class _Forward:
    """The process's own metrics (single-process mode), beside the job counts."""

    def __init__(self, source: CollectorRegistry):
        self.source = source

    def collect(self):
        return self.source.collect()


def _from_loopback() -> bool:
    # a request relayed by a proxy on this host arrives from loopback too: it is not a local scrape
    if request.headers.get("X-Forwarded-For") or request.headers.get("Forwarded"):
        return False
    try:
        return ipaddress.ip_address(request.environ.get("REMOTE_ADDR", "")).is_loopback
    except ValueError:
        return False


def _token_matches() -> bool:
    token = current_app.config.get("METRICS_TOKEN")
    given = request.headers.get("Authorization", "")
    return bool(token) and hmac.compare_digest(given.encode(), f"Bearer {token}".encode())


def metrics_response() -> Response:
    if not (_from_loopback() or _token_matches()):
        # 404 rather than 403: the address is not advertised to the public
        return Response("Not found\n", status=404, mimetype="text/plain")
    body = generate_latest(scrape_registry(current_app._get_current_object()))
    return Response(body, status=200, headers={"Content-Type": CONTENT_TYPE_LATEST, "Cache-Control": "no-store"})
