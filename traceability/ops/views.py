"""Operations routes: /healthz, /readyz, /metrics (not linked from any page)."""

from __future__ import annotations

from flask import Blueprint, Flask

from traceability.auth import public
from traceability.ops import health, logs, metrics

bp = Blueprint("ops", __name__)


@bp.get("/healthz")
@public
def healthz():
    """200 while the process answers."""
    return health.healthz_response()


@bp.get("/readyz")
@public
def readyz():
    """200 when the database, its migrations and the job queue are ready; 503 naming what is not."""
    return health.readyz_response()


@bp.get("/metrics")
@public  # open to loopback and to the bearer METRICS_TOKEN only: metrics_response checks
def prometheus_metrics():
    return metrics.metrics_response()


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
    logs.init_app(app)


def wrap_wsgi(app: Flask) -> None:
    """Outermost but for the proxy fix: every answer is logged and counted, the page cache's too."""
    app.wsgi_app = logs.RequestLog(app.wsgi_app)
