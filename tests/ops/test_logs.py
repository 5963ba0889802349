"""One log line per request, with the request id the user can quote from an error page."""

from __future__ import annotations

import json
import logging

from traceability.ops.logs import JsonFormatter


def request_lines(caplog) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.name == "traceability.requests"]


def test_each_request_logs_one_line_with_its_id(client, caplog):
    caplog.set_level(logging.INFO, logger="traceability.requests")
    response = client.get("/healthz?x=1", buffered=True)
    rid = response.headers["X-Request-ID"]
    assert len(rid) == 32
    [line] = request_lines(caplog)
    assert (line.method, line.path, line.status, line.request_id) == ("GET", "/healthz", 200, rid)
    assert line.duration_ms >= 0
    assert "GET /healthz 200" in line.getMessage() and rid in line.getMessage()


def test_the_proxys_request_id_is_kept_and_a_forged_one_replaced(client, caplog):
    caplog.set_level(logging.INFO, logger="traceability.requests")
    kept = client.get("/healthz", headers={"X-Request-ID": "lb-7f3a-0001"}, buffered=True)
    assert kept.headers["X-Request-ID"] == "lb-7f3a-0001"
    forged = client.get("/healthz", headers={"X-Request-ID": "x GET /admin 200"}, buffered=True)
    assert forged.headers["X-Request-ID"] != "x GET /admin 200"
    assert [line.request_id for line in request_lines(caplog)] == ["lb-7f3a-0001", forged.headers["X-Request-ID"]]


def test_an_error_page_shows_the_request_id(client):
    response = client.get("/no/such/page", headers={"X-Request-ID": "quote-me-42"})
    assert response.status_code == 404
    page = response.get_data(as_text=True)
    assert "quote-me-42" in page
    assert "mã yêu cầu" in page  # the Vietnamese page says what it is


def test_an_unexpected_error_is_answered_with_its_id_and_logged_with_it(app, client, caplog, monkeypatch):
    from traceability.ops import health

    def broken(_app):
        raise RuntimeError("bug")

    monkeypatch.setattr(health, "readiness", broken)
    caplog.set_level(logging.INFO)
    response = client.get("/readyz", headers={"Accept": "text/html"}, buffered=True)
    assert response.status_code == 500
    rid = response.headers["X-Request-ID"]
    assert rid in response.get_data(as_text=True)
    [line] = request_lines(caplog)
    assert (line.status, line.request_id) == (500, rid)


def test_json_lines_when_log_format_is_json(client, caplog, settings):
    caplog.set_level(logging.INFO, logger="traceability.requests")
    response = client.get("/healthz", buffered=True)
    [line] = request_lines(caplog)
    entry = json.loads(JsonFormatter().format(line))
    assert entry["request_id"] == response.headers["X-Request-ID"]
    assert (entry["method"], entry["path"], entry["status"], entry["level"]) == ("GET", "/healthz", 200, "INFO")
    assert isinstance(entry["duration_ms"], float)


def test_log_format_json_formats_the_servers_log_lines(monkeypatch):
    from flask import Flask

    from traceability.config import load_config
    from traceability.ops import logs

    monkeypatch.setenv("LOG_FORMAT", "JSON")
    assert load_config()["LOG_FORMAT"] == "json"

    root = logging.getLogger()
    handler = logging.StreamHandler()
    root.addHandler(handler)
    try:
        bare = Flask(__name__)
        bare.config["LOG_FORMAT"] = "json"  # as load_config reads LOG_FORMAT=json from the environment
        logs.init_app(bare)
        assert isinstance(handler.formatter, JsonFormatter)
    finally:
        root.removeHandler(handler)
        for other in root.handlers:
            if isinstance(other.formatter, JsonFormatter):
                other.setFormatter(None)
