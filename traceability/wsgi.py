"""WSGI entry point for gunicorn: `gunicorn traceability.wsgi:app`."""

from traceability import create_app

app = create_app()
