"""JSON API: tokens and organisations."""

from __future__ import annotations

from flask import current_app
from flask_babel import gettext as _
from flask_login import current_user
from flask_smorest import Blueprint, abort

from traceability import db
from traceability.accounts import services, signup
from traceability.accounts.models import Role
from traceability.accounts.schemas import (
    OrganizationSchema,
    SignupSchema,
    TokenRequestSchema,
    TokenSchema,
    VerifySchema,
)
from traceability.auth import public, roles
from traceability.extensions import limiter

blp = Blueprint("accounts_api", __name__, url_prefix="/api/v1", description="Accounts, organisations, tokens")


@blp.route("/auth/tokens", methods=["POST"])
@public
@limiter.limit(lambda: current_app.config["LOGIN_RATE_LIMIT"])
@blp.arguments(TokenRequestSchema)
@blp.response(201, TokenSchema)
def create_token(data):
    """Exchange an e-mail and password for an API token (shown once)."""
    user = services.authenticate(db.session, data["email"], data["password"])
    if user is None:
        abort(401, message=_("Wrong e-mail address or password."))
    token = services.create_token(db.session, user, name="api")
    return {"token": token}


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
    """Register a business and its first user; the organisation waits for verification before it can publish."""
    org, _user = signup.register(db.session, data)
    return org
