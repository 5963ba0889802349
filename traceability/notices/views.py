"""The workspace's notices: a list, newest first, and the unread count in the top bar."""

from __future__ import annotations

from flask import Blueprint, redirect, render_template, request, url_for
from flask_login import current_user

from traceability import db
from traceability.accounts.models import Role
from traceability.auth import roles
from traceability.notices import services, texts

bp = Blueprint("notices", __name__)
SIGNED_IN = (Role.PRODUCER, Role.INSPECTOR, Role.ADMIN)


@bp.app_context_processor
def _unread() -> dict:
    if request.blueprint is None or request.path.startswith("/api/"):
        return {}
    if not current_user.is_authenticated:
        return {"unread_notices": 0}
    return {"unread_notices": services.unread_count(db.session, current_user)}


@bp.route("/app/notices")
@roles(*SIGNED_IN)
def notices():
    rows = services.notices_of(db.session, current_user)
    # in the page's language (the user may have switched it); mail keeps the language the user chose
    shown = [(notice, *texts.render(notice.kind, notice.params)) for notice in rows]
    return render_template("notices/list.html", notices=shown)


@bp.route("/app/notices/<int:notice_id>/read", methods=["POST"])
@roles(*SIGNED_IN)
def read(notice_id: int):
    notice = services.mark_read(db.session, current_user, notice_id)
    return redirect(notice.link or url_for("notices.notices"))


@bp.route("/app/notices/read", methods=["POST"])
@roles(*SIGNED_IN)
def read_all():
    services.mark_all_read(db.session, current_user)
    return redirect(url_for("notices.notices"))


@bp.record_once
def _init_mail(state) -> None:
    from traceability.notices import mailer

    mailer.init_app(state.app)
