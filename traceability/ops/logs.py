"""One log line per request, with a request id; JSON lines when LOG_FORMAT=json.

The id comes from the proxy's `X-Request-ID` when it sends a sensible one, else it is made here. It is sent
back in the `X-Request-ID` header and shown on error pages, so a user can quote it and an operator find the line.
The line and the request metrics are written by a WSGI wrapper around everything, so answers given before
Flask's request stack (the page cache's) are logged and counted too.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import random
import re
import time
from typing import Any

from flask import Flask, request, request_started
from werkzeug.wsgi import ClosingIterator

from traceability.ops import metrics

log = logging.getLogger("traceability.requests")

REQUEST_ID = "traceability.request_id"  # environ keys
ROUTE = "traceability.route"
HEADER = "X-Request-ID"
METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
_ACCEPTED_ID = re.compile(r"[A-Za-z0-9._:+/=-]{1,128}")  # nothing that could forge a log line


def request_id(environ: dict[str, Any]) -> str:
    given = environ.get("HTTP_X_REQUEST_ID", "")
    # not a secret, only unique: the module's generator is reseeded in every forked worker
    return given if _ACCEPTED_ID.fullmatch(given) else f"{random.getrandbits(128):032x}"


class RequestLog:
    """WSGI middleware: request id, one log line, request count and latency."""

    def __init__(self, app: Any):
        self.app = app
        # the metrics' series by label values, found once: `labels()` checks and looks them up on every call
        self._series: dict[tuple[str, str, str], tuple[Any, Any]] = {}

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        started = time.perf_counter()
        rid = environ[REQUEST_ID] = request_id(environ)
        answered: dict[str, str] = {}

        def start(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
            answered["status"] = status.split(" ", 1)[0]
            return start_response(status, [*headers, (HEADER, rid)], exc_info)  # the app never sets it

        def finish() -> None:
            seconds = time.perf_counter() - started
            status = answered.get("status", "500")
            # a request that never reached Flask was answered by the page cache
            route = environ.get(ROUTE, "(page cache)")
            method = environ.get("REQUEST_METHOD", "")
            label = method if method in METHODS else "other"  # a client's made-up method is no new series
            try:
                series = self._series.get((label, route, status))
                if series is None:
                    series = self._series[label, route, status] = (
                        metrics.HTTP_REQUESTS.labels(label, route, status),
                        metrics.HTTP_LATENCY.labels(label, route),
                    )
                series[0].inc()
                series[1].observe(seconds)
            except Exception:  # metrics must never break an answer
                log.warning("request metrics not recorded", exc_info=True)
            if not log.isEnabledFor(logging.INFO):
                return
            path = environ.get("PATH_INFO", "")
            # the record made here: `log.info` would walk up the stack for a caller no line shows, a third of
            # the line's cost on a page answered from the cache
            record = log.makeRecord(
                log.name,
                logging.INFO,
                __file__,
                0,
                "%s %s %s %.1fms id=%s",
                (method, path, status, seconds * 1000, rid),
                None,
                extra={
                    "request_id": rid,
                    "method": method,
                    "path": path,
                    "route": route,
                    "status": int(status) if status.isdigit() else status,
                    "duration_ms": round(seconds * 1000, 1),
                    "remote_addr": environ.get("REMOTE_ADDR"),
                },
            )
            log.handle(record)

        try:
            body = self.app(environ, start)
        except BaseException:
            answered.setdefault("status", "500")
            finish()
            raise
        return ClosingIterator(body, [finish])


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message and the request's fields when there are any."""

    FIELDS = ("request_id", "method", "path", "route", "status", "duration_ms", "remote_addr")

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": dt.datetime.fromtimestamp(record.created, dt.UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for field in self.FIELDS:
            if hasattr(record, field):
                entry[field] = getattr(record, field)
        if "request_id" not in entry:
            rid = current_request_id()
            if rid:
                entry["request_id"] = rid
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False, default=str)


def current_request_id() -> str | None:
    try:
        return request.environ.get(REQUEST_ID)
    except RuntimeError:  # outside a request
        return None


def init_app(app: Flask) -> None:
    if app.config.get("LOG_FORMAT") == "json":
        formatter = JsonFormatter()
        for handler in logging.getLogger().handlers:
            handler.setFormatter(formatter)

    def _route_label(sender: Flask, **_extra: Any) -> None:
        # the route's pattern, never the path: one series per route, not per code scanned. Set as the request
        # starts, before any before_request function can answer instead of the view.
        request.environ[ROUTE] = request.url_rule.rule if request.url_rule is not None else "(no route)"

    request_started.connect(_route_label, app, weak=False)

    @app.context_processor
    def _request_id() -> dict[str, Any]:
        return {"request_id": current_request_id()}
