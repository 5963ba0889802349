"""Telling people what happened: `notify` keeps a notice in each recipient's workspace and mails it to them.

Plain functions that flush and never commit. Mail is queued for the worker only once the caller's unit of work
commits (traceability/jobs/queue.py), so nothing is said about work that was rolled back. Importing this
module has no side effects: the queue is imported when the first mail is queued.

    notify(session, organization_or_user, "batch_recalled", lot="TC-2026-01", reason="…", link=f"/app/batches/{id}")

It needs no app context: the text is made, in each user's language, when the worker sends the mail and when the
notice is shown.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask import current_app, url_for
from flask_babel import force_locale
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from traceability.accounts.models import Organization, User
from traceability.db import utcnow
from traceability.errors import NotFound
from traceability.notices import texts
from traceability.notices.models import Notice

KINDS = frozenset(
    {
        "org_status",
        "consumer_report",
        "inspection_recorded",
        "batch_suspended",
        "batch_resumed",
        "batch_recalled",
        "input_recalled",
        "certificate_expiring",
        "shipment_sent",
        "shipment_accepted",
        "shipment_refused",
        "shipment_cancelled",
    }
)


def notify(
    session: Session,
    target: Organization | User,
    kind: str,
    *,
    link: str | None = None,
    key: str | None = None,
    **params: Any,
) -> list[Notice]:
    """A notice of `kind` to a user, or to every active user of an organisation, each mailed in their language.

    `params` are JSON values the notice's text is made from (texts.py); `link` a path on this server; `key`, when
    given, makes the notice once only per user (a second call with the same key does nothing)."""
    if kind not in KINDS:
        raise ValueError(f"unknown notice kind {kind}")
    if isinstance(target, User):
        users = [target] if target.is_active else []
    else:
        users = list(
            session.scalars(select(User).where(User.organization_id == target.id, User.is_active).order_by(User.id))
        )
    if key:
        told = set(session.scalars(select(Notice.user_id).where(Notice.key == key)))
        users = [u for u in users if u.id not in told]
    notices = [
        Notice(user_id=user.id, kind=kind, params=params, link=link, key=key, created_at=utcnow()) for user in users
    ]
    session.add_all(notices)
    session.flush()
    if notices:
        from traceability.jobs.queue import after_commit
        from traceability.jobs.tasks import send_notice

        for notice in notices:  # written in the user's language by the worker (no app needed here)
            after_commit(session, send_notice, notice.id)
    return notices


def mail_notice(session: Session, notice_id: int) -> None:
    """Send one notice by mail now (in the worker), in its user's language."""
    from traceability.notices.mailer import send

    notice = session.get(Notice, notice_id)
    if notice is None:
        return  # its user was deleted meanwhile
    user = session.get(User, notice.user_id)
    subject, body = text_for(user, notice.kind, notice.params)
    if notice.link:
        body = f"{body}\n\n{absolute(notice.link)}"
    send(user.email, subject, body)


def mail(session: Session, to: str, subject: str, body: str, link: str | None = None) -> None:
    """Queue an e-mail for after the commit; `link` (a path here) is added as a full address."""
    from traceability.jobs.queue import after_commit
    from traceability.jobs.tasks import send_mail

    if link:
        body = f"{body}\n\n{absolute(link)}"
    after_commit(session, send_mail, to, subject, body)


def mail_user(session: Session, user: User, kind: str, link: str | None = None, **params: Any) -> None:
    """An account e-mail (confirmation, password reset) in the user's language, not kept as a notice."""
    subject, body = text_for(user, kind, params)
    mail(session, user.email, subject, body, link)


def language(user: User) -> str:
    chosen = getattr(user, "locale", None)
    return chosen if chosen in current_app.config["LANGUAGES"] else current_app.config["BABEL_DEFAULT_LOCALE"]


def text_for(user: User, kind: str, params: dict[str, Any]) -> tuple[str, str]:
    with force_locale(language(user)):
        return texts.render(kind, params)


def absolute(path: str) -> str:
    return current_app.config["PUBLIC_BASE_URL"] + path


def path_for(endpoint: str, **values: Any) -> str:
    """The path of a page, inside or outside a request (the worker)."""
    with current_app.test_request_context("/"):
        return url_for(endpoint, **values)


def notices_of(session: Session, user: User, limit: int = 50) -> list[Notice]:
    return list(
        session.scalars(
            select(Notice)
            .where(Notice.user_id == user.id)
            .order_by(Notice.created_at.desc(), Notice.id.desc())
            .limit(limit)
        )
    )


def unread_count(session: Session, user: User) -> int:
    return session.scalar(select(func.count()).where(Notice.user_id == user.id, Notice.read_at.is_(None))) or 0


def mark_read(session: Session, user: User, notice_id: int) -> Notice:
    notice = session.get(Notice, notice_id)
    if notice is None or notice.user_id != user.id:
        from flask_babel import gettext as _

        raise NotFound(_("Not found."))
    if notice.read_at is None:
        notice.read_at = utcnow()
    session.flush()
    return notice


def mark_all_read(session: Session, user: User) -> None:
    session.execute(
        update(Notice)
        .where(Notice.user_id == user.id, Notice.read_at.is_(None))
        .values(read_at=utcnow())
        .execution_options(synchronize_session=False)
    )


def notify_expiring_certificates(session: Session, today: dt.date | None = None, days: int = 30) -> int:
    """Tell organisations about their certificates that expire in `days` days (once per certificate and date).
    Run daily by the worker; a day missed is caught up the next day (expiring within the window, not told)."""
    from traceability.registry.models import Certification

    today = today or dt.date.today()
    limit = today + dt.timedelta(days=days)
    certificates = session.scalars(
        select(Certification).where(Certification.valid_to > today, Certification.valid_to <= limit)
    ).all()
    told = 0
    for cert in certificates:
        told += len(
            notify(
                session,
                cert.organization,
                "certificate_expiring",
                key=f"certificate:{cert.id}:{cert.valid_to.isoformat()}",
                scheme=cert.scheme,
                number=cert.number,
                valid_to_on=cert.valid_to.isoformat(),
            )
        )
    return told
