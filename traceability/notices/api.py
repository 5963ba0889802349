"""JSON API of notices: yours, newest first, with how many are unread."""

from __future__ import annotations

from flask_login import current_user
from flask_smorest import Blueprint
from marshmallow import Schema, fields

from traceability import db
from traceability.auth import roles
from traceability.notices import services
from traceability.notices.views import SIGNED_IN

blp = Blueprint("notices_api", __name__, url_prefix="/api/v1", description="Notices to you")


class NoticeSchema(Schema):
    id = fields.Integer()
    kind = fields.String()
    subject = fields.String(metadata={"description": "in your language"})
    body = fields.String()
    params = fields.Dict()
    link = fields.String(allow_none=True)
    created_at = fields.DateTime()
    read_at = fields.DateTime(allow_none=True)


class NoticeListSchema(Schema):
    unread = fields.Integer()
    items = fields.List(fields.Nested(NoticeSchema))


def _json(notice) -> dict:
    subject, body = services.text_for(current_user, notice.kind, notice.params)
    link = services.absolute(notice.link) if notice.link else None
    return {
        **{k: getattr(notice, k) for k in ("id", "kind", "params", "created_at", "read_at")},
        "subject": subject,
        "body": body,
        "link": link,
    }


@blp.route("/notifications")
@roles(*SIGNED_IN)
@blp.response(200, NoticeListSchema)
def list_notices():
    """Your notices, newest first (the last 50), and how many are unread."""
    return {
        "unread": services.unread_count(db.session, current_user),
        "items": [_json(n) for n in services.notices_of(db.session, current_user)],
    }


@blp.route("/notifications/<int:notice_id>/read", methods=["POST"])
@roles(*SIGNED_IN)
@blp.response(200, NoticeSchema)
def read_notice(notice_id: int):
    """Mark one of your notices read."""
    return _json(services.mark_read(db.session, current_user, notice_id))
