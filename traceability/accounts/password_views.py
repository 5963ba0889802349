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
