"""The words of each notice and account e-mail, in the current language (callers use force_locale).

Sources are English; the Vietnamese is in this domain's catalog. Parameters are plain JSON values kept on the
notice; those whose name ends in `_on` are ISO dates, written as the language writes dates.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask_babel import format_date, get_locale
from flask_babel import gettext as _

from traceability.labels import label


def _values(params: dict[str, Any]) -> dict[str, Any]:
    values = dict(params)
    for key, value in params.items():
        if key.endswith("_on") and isinstance(value, str):
            day = dt.date.fromisoformat(value)
            # dd/mm/yyyy in Vietnamese; the year in full in English too, on a notice that may be read for years
            values[key] = format_date(day, "dd/MM/yyyy" if str(get_locale()) == "vi" else "medium")
    return values


def _status(value: str) -> str:
    from traceability.accounts.models import OrgStatus

    return str(label(OrgStatus(value)))


def _result(value: str) -> str:
    from traceability.inspection.models import InspectionResult

    return str(label(InspectionResult(value)))


def render(kind: str, params: dict[str, Any]) -> tuple[str, str]:
    """(subject, body) of a notice or account e-mail."""
    p = _values(params)
    if kind == "org_status":
        if p["status"] == "verified":
            return (
                _("%(org)s is verified", org=p["org"]),
                _(
                    "The provincial administration has verified %(org)s: your published batches are public.",
                    org=p["org"],
                ),
            )
        return (
            _("%(org)s: %(status)s", org=p["org"], status=_status(p["status"])),
            _(
                "The provincial administration has changed the status of %(org)s to: %(status)s. Reason: %(reason)s",
                org=p["org"],
                status=_status(p["status"]),
                reason=p.get("reason") or "-",
            ),
        )
    if kind == "consumer_report":
        return (
            _("A consumer report on lot %(lot)s", lot=p["lot"]),
            _(
                "A consumer sent a report (receipt %(receipt)s) on your lot %(lot)s. The inspectors see it too.\n\n"
                "%(message)s",
                lot=p["lot"],
                receipt=p["receipt"],
                message=p.get("message", ""),
            ),
        )
    if kind == "inspection_recorded":
        return (
            _("An inspection was recorded: %(what)s", what=p["what"]),
            _(
                "An inspector recorded an inspection of %(what)s. Result: %(result)s.",
                what=p["what"],
                result=_result(p["result"]),
            ),
        )
    if kind == "batch_suspended":
        return (
            _("Lot %(lot)s is suspended", lot=p["lot"]),
            _(
                "An inspector suspended your lot %(lot)s: its public page tells consumers it is off sale for now. "
                "Reason: %(reason)s",
                lot=p["lot"],
                reason=p["reason"],
            ),
        )
    if kind == "batch_resumed":
        return (
            _("Lot %(lot)s is no longer suspended", lot=p["lot"]),
            _(
                "An inspector lifted the suspension of your lot %(lot)s. Reason: %(reason)s",
                lot=p["lot"],
                reason=p["reason"],
            ),
        )
    if kind == "batch_recalled":
        return (
            _("Lot %(lot)s is recalled", lot=p["lot"]),
            _(
                "An inspector recalled your lot %(lot)s: its public page warns consumers. Reason: %(reason)s",
                lot=p["lot"],
                reason=p["reason"],
            ),
        )
    if kind == "input_recalled":
        return (
            _("An input of lot %(lot)s is recalled", lot=p["lot"]),
            _(
                "Lot %(input)s (%(input_org)s) was recalled, and your lot %(lot)s was made from it: its public page "
                "warns consumers. Reason: %(reason)s",
                lot=p["lot"],
                input=p["input"],
                input_org=p["input_org"],
                reason=p["reason"],
            ),
        )
    if kind == "shipment_sent":
        return (
            _("Lot %(lot)s (%(quantity)s %(unit)s) from %(sender)s is waiting for you", **p),
            _(
                "%(sender)s shipped %(quantity)s %(unit)s of lot %(lot)s to your organisation (document %(doc)s). "
                "Accept it when it arrives, or refuse it with a reason.",
                **p,
            ),
        )
    if kind == "shipment_accepted":
        return (
            _("%(buyer)s accepted lot %(lot)s", **p),
            _(
                "%(buyer)s accepted your shipment of lot %(lot)s: %(received)s %(unit)s received of the "
                "%(quantity)s %(unit)s sent.",
                **p,
            ),
        )
    if kind == "shipment_refused":
        return (
            _("%(buyer)s refused lot %(lot)s", **p),
            _(
                "%(buyer)s refused your shipment of lot %(lot)s (%(quantity)s %(unit)s): that quantity is yours "
                "again. Reason: %(reason)s",
                **p,
            ),
        )
    if kind == "shipment_cancelled":
        return (
            _("%(sender)s cancelled the shipment of lot %(lot)s", **p),
            _(
                "%(sender)s cancelled its shipment of lot %(lot)s (%(quantity)s %(unit)s, document %(doc)s) before "
                "you answered it: there is nothing to accept or refuse.",
                **p,
            ),
        )
    if kind == "certificate_expiring":
        return (
            _("Certificate %(scheme)s %(number)s expires on %(valid_to_on)s", **p),
            _(
                "Your certificate %(scheme)s %(number)s expires on %(valid_to_on)s, in 30 days. Upload the renewed "
                "certificate before then so that your batches keep showing it.",
                **p,
            ),
        )
    # account e-mails (not kept as notices)
    if kind == "shipment_invitation":
        return (
            _("%(sender)s is shipping you %(quantity)s %(unit)s of %(product)s", **p),
            _(
                "%(sender)s ships you %(quantity)s %(unit)s of %(product)s (lot %(lot)s, document %(doc)s, shipped "
                "on %(shipped_on)s) through the province's traceability registry. Register your organisation with "
                "tax code %(tax_code)s through the link below: the shipment waits for you in your workspace, to "
                "accept when it arrives or refuse with a reason.",
                **p,
            ),
        )
    if kind == "confirm_email":
        return (
            _("Confirm your e-mail address"),
            _(
                "Welcome to the traceability registry, %(name)s. Confirm your e-mail address by opening this link "
                "(valid for %(days)s days):",
                name=p["name"],
                days=p["days"],
            ),
        )
    if kind == "already_registered":
        return (
            _("Someone tried to register with your details"),
            _(
                "Someone tried to register a business with your e-mail address or your organisation's tax code. "
                "Nothing was created. If it was you, sign in with your account; if you forgot your password, "
                "choose a new one here:"
            ),
        )
    if kind == "password_reset":
        return (
            _("Choose a new password"),
            _(
                "Someone asked to choose a new password for your account. If it was you, open this link within "
                "%(minutes)s minutes; it works once. If it was not you, ignore this e-mail: your password stays.",
                minutes=p["minutes"],
            ),
        )
    raise ValueError(f"unknown notice kind {kind}")
