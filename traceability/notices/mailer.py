"""Sending one e-mail: through the SMTP server the settings name (Flask-Mailman's MAIL_* names), or, without
MAIL_SERVER, into the outbox folder (one file per message), for a set-up with no mail server yet."""

from __future__ import annotations

from pathlib import Path

from flask import Flask, current_app
from flask_mailman import EmailMessage, Mail

from traceability.ops.metrics import MAIL_FAILED, MAIL_SENT

mail = Mail()


def init_app(app: Flask) -> None:
    mail.init_app(app)


def outbox_dir(config) -> Path:
    return Path(config["OUTBOX_DIR"])


def send(to: str, subject: str, body: str) -> None:
    """Send now (in the worker); raises when the mail server refuses, so the task is tried again."""
    config = current_app.config
    if config.get("MAIL_SERVER"):
        connection = mail.get_connection(
            backend="smtp",
            host=config["MAIL_SERVER"],
            port=config["MAIL_PORT"],
            username=config.get("MAIL_USERNAME"),
            password=config.get("MAIL_PASSWORD"),
            use_tls=config.get("MAIL_USE_TLS", False),
            use_ssl=config.get("MAIL_USE_SSL", False),
            timeout=config.get("MAIL_TIMEOUT"),
        )
    else:
        path = outbox_dir(config)
        path.mkdir(parents=True, exist_ok=True)
        connection = mail.get_connection(backend="file", file_path=str(path))
    message = EmailMessage(subject, body, config["MAIL_DEFAULT_SENDER"], [to], connection=connection)
    try:
        message.send()
    except Exception:
        MAIL_FAILED.inc()
        raise
    MAIL_SENT.inc()
