"""Who may use which route, declared on each view, enforced in one place.

Every view carries an access rule: `@public` or `@roles("producer", ...)`. A route without one is refused
(and the access-matrix test fails), so a forgotten declaration can never open a route.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Flask, current_app, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.exceptions import Forbidden, Unauthorized

from traceability import db
from traceability.accounts.models import Role, User
from traceability.audit.services import reset_actor, set_actor
from traceability.extensions import login_manager

PUBLIC = "public"
ACCESS_ATTR = "_access_rule"
# endpoints that extensions register, which cannot carry a decorator
EXTENSION_PUBLIC_ENDPOINTS = {"static", "api-docs.openapi_json", "api-docs.openapi_swagger_ui"}


def public(view: Callable) -> Callable:
    """Anyone, signed in or not."""
    setattr(view, ACCESS_ATTR, frozenset({PUBLIC}))
    return view


def roles(*allowed: Role | str) -> Callable[[Callable], Callable]:
    """Signed-in users with one of these roles."""
    rule = frozenset(Role(r) for r in allowed)

    def decorate(view: Callable) -> Callable:
        setattr(view, ACCESS_ATTR, rule)
        return view

    return decorate


def access_rule(view_func: Callable, method: str) -> frozenset | None:
    """The rule declared for this view and HTTP method (method views may declare per method)."""
    view_class = getattr(view_func, "view_class", None)
    if view_class is not None:
        handler = getattr(view_class, method.lower(), None)
        if method == "HEAD" and handler is None:
            handler = getattr(view_class, "get", None)
        rule = getattr(handler, ACCESS_ATTR, None)
        return rule if rule is not None else getattr(view_class, ACCESS_ATTR, None)
    return getattr(view_func, ACCESS_ATTR, None)


def _is_api() -> bool:
    return request.path.startswith("/api/")


def enforce_access() -> Any:
    if request.endpoint is None:  # no route matched: a 404 or 405 will answer
        return None
    if request.endpoint in EXTENSION_PUBLIC_ENDPOINTS:
        return None
    view = current_app.view_functions[request.endpoint]
    rule = access_rule(view, request.method)
    if rule is None:
        current_app.logger.error("route %s declares no access rule; refused", request.endpoint)
        raise Forbidden()
    user = current_user if current_user.is_authenticated else None
    set_actor(user)
    if PUBLIC in rule:
        return None
    if user is None:
        if _is_api():
            raise Unauthorized(_("Sign in: send an API token as 'Authorization: Bearer <token>'."))
        return redirect(url_for("accounts.login", next=request.full_path.rstrip("?")))
    if user.role not in rule:
        raise Forbidden(_("Your account may not use this page."))
    return None


@login_manager.user_loader
def _load_session_user(login_key: str) -> User | None:
    if _is_api():
        return None  # the API accepts tokens only, so a browser's cookie cannot be used across sites
    from traceability.accounts.sessions import user_for_key

    # the cookie names a sign-in, not a user: one ended by signing out or revoked opens nothing
    return user_for_key(db.session, login_key)


@login_manager.request_loader
def _load_token_user(req: Any) -> User | None:
    if not _is_api():
        return None
    header = req.headers.get("Authorization", "")
    scheme, _sep, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    from traceability.accounts.services import user_for_token

    return user_for_token(db.session, token.strip())


def init_auth(app: Flask) -> None:
    login_manager.init_app(app)
    login_manager.session_protection = "strong"
    app.before_request(enforce_access)
    app.teardown_request(reset_actor)  # the next request in this thread starts with nobody
