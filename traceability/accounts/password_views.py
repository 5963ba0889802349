"""Pages: forgot password, choose a new one from the mailed link, confirm an address, choose a language."""

from __future__ import annotations

from flask import current_app, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from marshmallow import fields

from traceability import db
from traceability.accounts import password
from traceability.accounts.models import Role
from traceability.accounts.schemas import PasswordSchema
from traceability.accounts.views import bp
from traceability.auth import public, roles
from traceability.errors import invalid
from traceability.extensions import limiter
from traceability.forms import handle_form, render_form, spec
from traceability.schemas import BaseSchema


class ForgotSchema(BaseSchema):
    email = fields.Email(required=True)


@bp.route("/password/forgot", methods=["GET", "POST"])
@public
@limiter.limit("10 per hour", methods=["POST"])
def forgot_password():
    def save(data):
        password.request_reset(db.session, data["email"])
        # the same answer whether or not the address is registered
        flash(
            _(
                "If an account has this e-mail address, we have sent it a link to choose a new password. "
                "Check your mail in a few minutes."
            )
        )
        return redirect(url_for("accounts.login"))

    fields_ = [spec("email", _l("E-mail"), "email", required=True)]
    return handle_form(
        ForgotSchema(),
        save,
        lambda v, e: render_form(
            _("Forgot your password?"),
            fields_,
            v,
            e,
            intro=_("Give your account's e-mail address; we will send you a link to choose a new password."),
            submit=_("Send the link"),
        ),
    )


@bp.route("/password/reset/<token>", methods=["GET", "POST"])
@public
def reset_password(token: str):
    user = password.user_for_reset(db.session, token)  # expired, used or forged: 404 with the reason

    def save(data):
        password.reset_password(db.session, token, data["password"])
        flash(_("Your password is changed and every sign-in of your account has ended. Sign in with it now."))
        return redirect(url_for("accounts.login"))

    fields_ = [spec("password", _l("New password"), "password", required=True, hint=_l("At least 8 characters"))]
    return handle_form(
        PasswordSchema(),
        save,
        lambda v, e: render_form(_("Choose a new password"), fields_, {}, e, intro=user.email, submit=_("Save")),
    )


RESEND_LIMIT = "5 per hour"  # by client, and by address: a confirmation mail cannot be used to flood a mailbox


def address_asked() -> str:
    """The rate limiter's key for an address (whatever its case), from a form or a JSON body."""
    sent = request.form.get("email") or (request.get_json(silent=True) or {}).get("email") or ""
    return "confirm-resend:" + str(sent).strip().lower()


RESENT = _l(
    "If an account has this e-mail address and has not confirmed it, we have sent it a new link. "
    "Check your mail in a few minutes."
)


@bp.route("/confirm/resend", methods=["GET", "POST"])
@public
@limiter.limit(RESEND_LIMIT, methods=["POST"])
@limiter.limit(RESEND_LIMIT, methods=["POST"], key_func=address_asked)
def resend_confirmation():
    def save(data):
        password.resend_confirmation(db.session, data["email"])
        flash(str(RESENT))  # the same answer whether or not the address is registered, or confirmed already
        return redirect(url_for("accounts.login"))

    fields_ = [spec("email", _l("E-mail"), "email", required=True)]
    return handle_form(
        ForgotSchema(),
        save,
        lambda v, e: render_form(
            _("Send the confirmation e-mail again"),
            fields_,
            v,
            e,
            intro=_("Give the e-mail address you signed up with; we will send it a new link to confirm it."),
            submit=_("Send the link"),
        ),
    )


@bp.route("/confirm/<token>")
@public
def confirm_email(token: str):
    password.confirm_email(db.session, token)
    flash(_("Thank you: your e-mail address is confirmed."))
    return redirect(url_for("accounts.login"))


@bp.route("/account/language", methods=["POST"])
@roles(Role.PRODUCER, Role.INSPECTOR, Role.ADMIN)
def account_language():
    """The language of the user's mail and notices."""
    chosen = request.form.get("locale", "")
    if chosen not in current_app.config["LANGUAGES"]:
        raise invalid("locale", _("Choose one of: %(choices)s.", choices=", ".join(current_app.config["LANGUAGES"])))
    current_user.locale = chosen
    db.session.flush()
    flash(_("Your notices and e-mails will be in the language you chose."))
    return redirect(url_for("accounts.account", lang=chosen))
