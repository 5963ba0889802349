"""The business registration certificate: the organisation uploads it, the admin who verifies it reads it."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from traceability import db, storage
from traceability.accounts import services
from traceability.accounts.models import Role
from traceability.accounts.views import bp
from traceability.auth import roles
from traceability.errors import Invalid, invalid

FIELD = "registration"


@bp.route("/app/organization/registration", methods=["POST"])
@roles(Role.PRODUCER)
def upload_registration():
    org = current_user.organization
    upload = request.files.get(FIELD)
    try:
        if upload is None or not upload.filename:
            raise invalid(FIELD, _("Choose the file of your business registration certificate."))
        document = storage.store(upload, storage.DOCUMENT, FIELD, str(org.id))
    except Invalid as exc:  # nothing stored: the page again, naming what is wrong
        page = "accounts/organization.html"
        return render_template(page, org=org, values={}, errors={}, registration_errors=exc.errors), 422
    services.attach_registration(db.session, org, document)
    flash(_("Business registration certificate received. The administrators will see it when they verify you."))
    return redirect(url_for("accounts.my_organization"))


@bp.route("/organizations/<int:org_id>/registration")
@roles(Role.PRODUCER, Role.INSPECTOR, Role.ADMIN)
def registration_document(org_id: int):
    """A producer reads its own organisation's only; another organisation's answers 404, like a missing one."""
    if current_user.role == Role.PRODUCER and current_user.organization_id != org_id:
        abort(404)
    org = services.get_organization(db.session, org_id)
    return storage.send(org.registration_path, f"registration-{org.tax_code}", org.registration_type)
