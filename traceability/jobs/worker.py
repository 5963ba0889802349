"""`traceability worker`: huey's consumer, with the app's context, after recovering jobs a dead worker left."""

from __future__ import annotations

import logging

from traceability.jobs import tasks
from traceability.jobs.queue import huey

log = logging.getLogger(__name__)


def run(threads: int) -> None:
    from traceability import create_app

    tasks._app = create_app()
    with tasks._app.app_context():
        where = (tasks._app.config["REDIS_URL"] and "Redis") or getattr(huey.storage, "filename", "?")
        outbox = None if tasks._app.config["MAIL_SERVER"] else tasks._app.config["OUTBOX_DIR"]
    log.info("worker: queue in %s; mail %s", where, f"written to {outbox}" if outbox else "sent by SMTP")
    requeued = tasks.recover_stale_jobs()
    if requeued:
        log.warning("worker: %s job(s) left by a stopped worker queued again", requeued)
    consumer = huey.create_consumer(workers=threads, worker_type="thread", periodic=True, check_worker_health=True)
    consumer.run()
