"""WSGI entry point for gunicorn: `gunicorn traceability.wsgi:app`."""

from traceability import create_app

app = create_app()
# each gunicorn worker imports this after forking: its timer writes queued scans even before it serves one
app.extensions["scans"].start()
