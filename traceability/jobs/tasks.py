"""The tasks the worker runs (huey). Each runs in the app's context with a session of its own thread."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager

from flask import current_app, has_app_context
from huey import crontab

from traceability import db
from traceability.jobs.queue import huey

log = logging.getLogger(__name__)
_app = None


@contextmanager
def app_context() -> Iterator[None]:
    """The app's context: the caller's (tests draining the queue), or the worker's own app."""
    global _app
    if has_app_context():
        yield
        return
    if _app is None:
        from traceability import create_app

        _app = create_app()
    with _app.app_context():
        try:
            yield
        finally:
            db.session.remove()


@huey.task()
def run_job(job_id: int, attempt: int) -> None:
    from traceability.jobs import services

    with app_context():
        services.run(db.session(), job_id, attempt)


@huey.task(retries=5, retry_delay=60)
def send_mail(to: str, subject: str, body: str) -> None:
    """One e-mail, tried again for five minutes while the mail server refuses it."""
    from traceability.notices.mailer import send

    with app_context():
        send(to, subject, body)


@huey.task(retries=5, retry_delay=60)
def send_notice(notice_id: int) -> None:
    from traceability.notices.services import mail_notice

    with app_context():
        mail_notice(db.session(), notice_id)
        db.session.rollback()  # read only


@huey.task(retries=5, retry_delay=60)
def send_invitation(shipment_id: int, language: str) -> None:
    """A shipment's invitation to a buyer not yet registered, written in `language` when sent."""
    from traceability.shipments.services import mail_invitation

    with app_context():
        mail_invitation(db.session(), shipment_id, language)
        db.session.rollback()  # read only


def recover_stale_jobs() -> int:
    from traceability import unit_of_work
    from traceability.jobs import services

    with app_context():
        session = db.session()
        requeued = services.recover(
            session, current_app.config["JOB_STALE_SECONDS"], current_app.config["JOB_MAX_ATTEMPTS"]
        )
        unit_of_work.finish(session, commit=True)
        return len(requeued)


@huey.periodic_task(crontab(minute="*"))
def recover_stale_jobs_task() -> None:
    recover_stale_jobs()


@huey.periodic_task(crontab(hour="1", minute="0"))
def certificates_expiring_task() -> None:
    """Once a day: tell organisations about certificates that expire in 30 days."""
    from traceability import unit_of_work
    from traceability.notices.services import notify_expiring_certificates

    with app_context():
        session = db.session()
        notify_expiring_certificates(session)
        unit_of_work.finish(session, commit=True)
