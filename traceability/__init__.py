"""The traceability registry: an app factory."""

from __future__ import annotations

import logging
from typing import Any

from flask import Flask, g, request
from werkzeug.middleware.proxy_fix import ProxyFix

from traceability import db, unit_of_work
from traceability.config import PROJECT_ROOT, load_config
from traceability.extensions import api, cache, csrf, limiter

# Each domain has views.py (`bp`, HTML pages) and api.py (`blp`, JSON under /api/v1).
BLUEPRINTS = [
    "traceability.accounts",
    "traceability.registry",
    "traceability.batches",
    "traceability.codes",
    "traceability.public",
    "traceability.inspection",
    "traceability.interop",
    "traceability.reference",
    "traceability.jobs",
    "traceability.notices",
    "traceability.shipments",
]
# modules that add pages to a domain's blueprint (the `bp` of its views.py): imported here, before the blueprints
# are registered, rather than by an import at the bottom of views.py that a reader would not look for
MORE_VIEWS = [
    "traceability.accounts.admin_views",
    "traceability.accounts.password_views",
    "traceability.accounts.signup_views",
    "traceability.accounts.registration_views",
    "traceability.public.report_views",
    "traceability.public.agency",  # the agency on every page, and the favicon
    "traceability.public.home",  # the start page's box
]


def create_app(test_config: dict[str, Any] | None = None) -> Flask:
    import importlib
    import os

    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):  # the metrics' files are opened as their module is imported
        os.makedirs(os.environ["PROMETHEUS_MULTIPROC_DIR"], exist_ok=True)

    from traceability import models  # noqa: F401  (the whole schema, for relationships)
    from traceability.audit import services as audit
    from traceability.auth import init_auth
    from traceability.errors import register_error_handlers
    from traceability.i18n import init_i18n
    from traceability.public.cache import PageCache
    from traceability.public.scans import ScanRecorder
    from traceability.security import init_security

    app = Flask(
        __name__,
        template_folder=str(PROJECT_ROOT / "templates"),
        static_folder=str(PROJECT_ROOT / "static"),
    )
    app.config.update(load_config())
    if test_config:
        app.config.update(test_config)
    app.instance_path = app.config["INSTANCE_PATH"]
    logging.basicConfig(level=logging.INFO)
    logging.getLogger("alembic.runtime.plugins").setLevel(logging.WARNING)  # one line per plugin is noise

    engine = app.config.get("ENGINE") or db.make_engine(app.config["DATABASE_URL"], **db.engine_options(app.config))
    app.extensions["engine"] = engine
    if not app.config.get("KEEP_SESSION_BINDING"):
        db.bind(engine)

    @app.before_request  # first, before anything reads (see db.write_intent)
    def _declare_writes() -> None:
        if request.method not in ("GET", "HEAD", "OPTIONS"):
            g.write_intent = db.write_intent.set(True)

    @app.teardown_request
    def _end_writes(_exc: BaseException | None) -> None:
        if "write_intent" in g:
            db.write_intent.reset(g.pop("write_intent"))

    @app.teardown_appcontext
    def _end_session(_exc: BaseException | None) -> None:
        db.session.remove()  # rolls back anything not committed

    audit.init_app(app)  # every flushed change is recorded in the audit chain
    unit_of_work.init_app(app)  # each request commits once, after its view, or rolls back
    init_i18n(app)
    csrf.init_app(app)
    limiter.init_app(app)
    cache.init_app(app)
    api.init_app(app)
    init_auth(app)
    init_security(app)

    for name in MORE_VIEWS:
        importlib.import_module(name)
    for name in BLUEPRINTS:
        for module_name, attr, registrar in (("views", "bp", app), ("api", "blp", api)):
            blueprint = getattr(importlib.import_module(f"{name}.{module_name}"), attr)
            if module_name == "api":
                csrf.exempt(blueprint)  # the API takes bearer tokens only, never cookies
            registrar.register_blueprint(blueprint)

    from traceability.audit.views import bp as audit_bp

    app.register_blueprint(audit_bp)  # one public JSON page, no API blueprint
    from traceability.ops import views as ops

    ops.init_app(app)  # /healthz, /readyz, /metrics; request ids
    from traceability.jobs import queue

    queue.init_app(app)  # jobs queued once the request's commit has succeeded; the queue's status
    register_error_handlers(app)  # after flask-smorest, whose handler would answer pages in JSON
    from traceability import storage

    storage.init_app(app)  # uploaded files follow the rows that refer to them
    from traceability.templating import init_templating

    init_templating(app)

    # repeat scans of a code are answered from the one cache before the request stack; the proxy's view of the
    # client first
    # repeats of a scan by one client are counted up to a limit, in the rate limiter's (shared) storage
    limit = app.config.get("SCAN_RECORD_LIMIT") if limiter.enabled else None
    # with REDIS_URL the scans wait in a Redis list until written, so a worker killed outright loses none
    recorder = app.extensions["scans"] = ScanRecorder(
        app.config["SECRET_KEY"],
        app.config["SCAN_WRITE_SECONDS"],
        limit,
        limiter.storage if limit else None,
        redis_url=app.config["REDIS_URL"],
        max_waiting=app.config["SCAN_MAX_WAITING"],
    )
    if app.config["PAGE_CACHE"]:
        readers = db.Reader(engine) if not app.config.get("KEEP_SESSION_BINDING") else None
        app.extensions["readers"] = readers
        app.wsgi_app = PageCache(app, recorder, readers)
    ops.wrap_wsgi(app)  # one log line and the metrics of every request, the page cache's answers too
    if app.config["PROXY_COUNT"]:
        n = app.config["PROXY_COUNT"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=n, x_proto=n, x_host=n, x_prefix=n)

    from traceability.cli import main as cli_main

    for command in cli_main.commands.values():  # `flask --app traceability …` offers the same commands
        app.cli.add_command(command)
    return app
