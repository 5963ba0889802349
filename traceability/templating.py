"""What every template can use."""

from __future__ import annotations

from urllib.parse import urlencode

from flask import Flask, request
from flask_babel import get_locale
from flask_login import current_user

from traceability.accounts.models import Role
from traceability.labels import fact_label, fact_value, label


def init_templating(app: Flask) -> None:
    @app.context_processor
    def _globals() -> dict:
        user = current_user if current_user.is_authenticated else None
        return {
            "user": user,
            "Role": Role,
            "locale": str(get_locale()),
            "languages": app.config["LANGUAGES"],
            "public_base_url": app.config["PUBLIC_BASE_URL"],
        }

    def url_with_lang(lang: str) -> str:
        args = request.args.to_dict()
        args["lang"] = lang
        return f"{request.path}?{urlencode(args)}"

    app.jinja_env.globals["url_with_lang"] = url_with_lang
    app.jinja_env.filters["label"] = label
    app.jinja_env.filters["fact_label"] = fact_label
    app.jinja_env.globals["fact_value"] = fact_value
