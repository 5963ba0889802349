"""JSON API: tokens and organisations."""

from __future__ import annotations

from flask import current_app
from flask_babel import gettext as _
from flask_login import current_user
from flask_smorest import Blueprint, abort

from traceability import db
from traceability.accounts import services, sessions, signup
from traceability.accounts.models import OrgStatus, Role
from traceability.accounts.schemas import (
    NewTokenSchema,
    OrganizationSchema,
    SignupSchema,
    TokenInfoSchema,
    TokenRequestSchema,
    VerifySchema,
)
from traceability.auth import public, roles
from traceability.extensions import limiter

blp = Blueprint("accounts_api", __name__, url_prefix="/api/v1", description="Accounts, organisations, tokens")


@blp.route("/auth/tokens", methods=["POST"])
@public
@limiter.limit(lambda: current_app.config["LOGIN_RATE_LIMIT"])
@blp.arguments(TokenRequestSchema)
@blp.response(201, NewTokenSchema)
def create_token(data):
    """Exchange an e-mail and password for an API token (shown once). It ends after `days` (default 90, at most
    365); `name` labels it in the owner's list."""
    user = services.authenticate(db.session, data["email"], data["password"])
    if user is None:
        abort(401, message=_("Wrong e-mail address or password."))
    token, row = services.issue_token(db.session, user, name=data["name"], days=data.get("days"))
    return {"token": token, "id": row.id, "name": row.name, "created_at": row.created_at, "expires_at": row.expires_at}


@blp.route("/auth/tokens", methods=["GET"])
@roles(Role.PRODUCER, Role.INSPECTOR, Role.ADMIN)
@blp.response(200, TokenInfoSchema(many=True))
def list_tokens():
    """The caller's live tokens (not expired, not revoked), newest first; `current` marks the one calling."""
    live = sessions.live_tokens(db.session, current_user)
    calling = getattr(current_user._get_current_object(), "api_token_id", None)
    for row in live:
        row.current = row.id == calling
    return live


@blp.route("/auth/tokens/<int:token_id>", methods=["DELETE"])
@roles(Role.PRODUCER, Role.INSPECTOR, Role.ADMIN)
@blp.response(204)
def revoke_token(token_id: int):
    """Revoke one of the caller's tokens; it is refused from then on."""
    services.revoke_token(db.session, current_user, token_id)


@blp.route("/organizations/me")
@roles(Role.PRODUCER)
@blp.response(200, OrganizationSchema)
def my_organization():
    """The caller's organisation."""
    return current_user.organization


@blp.route("/organizations/<int:org_id>/verify", methods=["POST"])
@roles(Role.ADMIN)
@blp.arguments(VerifySchema)
@blp.response(200, OrganizationSchema)
def verify_organization(data, org_id: int):
    """Verify an organisation, or send `{suspend: true, reason}` / `{reject: true, reason}`."""
    org = services.get_organization(db.session, org_id)
    services.decide_organization(db.session, org, current_user, data)
    return org


@blp.route("/signup", methods=["POST"])
@public
@limiter.limit("20 per hour")
@blp.arguments(SignupSchema)
@blp.response(201, OrganizationSchema)
def signup_organization(data):
    """Register a business and its first user; the organisation waits for verification before it can publish.

    The answer is the organisation as sent, pending, without an id; it is the same when the tax code or the
    e-mail address was registered already (then nothing is created), so sign-up cannot tell who is registered.
    Sign in (`POST /auth/tokens`) and read `GET /organizations/me` for the id."""
    made = signup.register(db.session, data)
    if made is not None:  # shipments waiting for this tax code arrive in the new workspace
        from traceability.shipments.services import waiting_for

        waiting_for(db.session, made[0])
    return {**data["organization"], "status": OrgStatus.PENDING}
