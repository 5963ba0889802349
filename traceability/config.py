"""Configuration from the environment, with a zero-set-up default (SQLite and a secret in instance/)."""

from __future__ import annotations

import datetime as dt
import os
import secrets
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent


class ConfigError(RuntimeError):
    pass


def _bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def instance_path() -> Path:
    return Path(os.environ.get("INSTANCE_PATH") or PROJECT_ROOT / "instance").resolve()


def _secret_key(instance: Path, production: bool) -> str:
    key = os.environ.get("SECRET_KEY")
    if key:
        return key
    if production:
        raise ConfigError("SECRET_KEY must be set in production (TRACEABILITY_ENV=production).")
    # Development: generate once and keep it, so sessions survive restarts.
    path = instance / "secret_key"
    if not path.exists():
        instance.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_urlsafe(48))
        path.chmod(0o600)
    return path.read_text().strip()


def audit_key(instance: Path | None = None, production: bool | None = None) -> str:
    """The key of the audit chain's HMAC: never in the database, so that whoever can write to the database
    cannot recompute the chain. AUDIT_KEY, else (development only) generated once into the instance folder."""
    key = os.environ.get("AUDIT_KEY")
    if key:
        return key
    if production is None:
        production = os.environ.get("TRACEABILITY_ENV", "development") == "production"
    if production:
        raise ConfigError("AUDIT_KEY must be set in production (TRACEABILITY_ENV=production).")
    instance = instance or instance_path()
    path = instance / "audit_key"
    if not path.exists():
        instance.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_urlsafe(48))
        path.chmod(0o600)
    return path.read_text().strip()


def _public_base_url(production: bool) -> str:
    url = os.environ.get("PUBLIC_BASE_URL", "").strip().rstrip("/")
    if url:
        return url
    if production:  # every QR code printed carries it: a wrong default would print unusable labels
        raise ConfigError("PUBLIC_BASE_URL must be set in production (TRACEABILITY_ENV=production).")
    return "http://127.0.0.1:5000"


def load_config() -> dict:
    """Everything the app reads from the environment, in one place (README lists each variable)."""
    instance = instance_path()
    production = os.environ.get("TRACEABILITY_ENV", "development") == "production"
    redis_url = os.environ.get("REDIS_URL")
    secret_key = _secret_key(instance, production)
    if production and not redis_url:
        # each gunicorn worker would count sign-in attempts in its own memory: the limit times the workers
        raise ConfigError(
            "REDIS_URL must be set in production (TRACEABILITY_ENV=production): the login limit is shared."
        )
    return {
        "ENV_NAME": "production" if production else "development",
        "INSTANCE_PATH": str(instance),
        "SECRET_KEY": secret_key,
        "DATABASE_URL": os.environ.get("DATABASE_URL") or f"sqlite:///{instance / 'traceability.db'}",
        # PostgreSQL: seconds to wait for the database host to answer (a request then fails with the 503 page),
        # and for one statement and one lock wait (0: no limit)
        "DB_CONNECT_TIMEOUT": float(os.environ.get("DB_CONNECT_TIMEOUT", "5")),
        "DB_STATEMENT_TIMEOUT": float(os.environ.get("DB_STATEMENT_TIMEOUT", "0")),
        "DB_LOCK_TIMEOUT": float(os.environ.get("DB_LOCK_TIMEOUT", "0")),
        "PUBLIC_BASE_URL": _public_base_url(production),
        # an import file of more rows than this is checked and written by the worker (a job), not in the request
        "IMPORT_INLINE_ROWS": int(os.environ.get("IMPORT_INLINE_ROWS", "2000")),
        # Audit chain: the HMAC key (never in the database), the append-only file of anchored heads, and how
        # often (minutes, 0: never) a commit that wrote audit entries anchors the head by itself
        "AUDIT_KEY": audit_key(instance, production),
        "AUDIT_ANCHOR_FILE": os.environ.get("AUDIT_ANCHOR_FILE") or str(instance / "audit_anchors.jsonl"),
        "AUDIT_ANCHOR_MINUTES": float(os.environ.get("AUDIT_ANCHOR_MINUTES", "60")),
        "UPLOAD_DIR": os.environ.get("UPLOAD_DIR") or str(instance / "uploads"),
        "MAX_CONTENT_LENGTH": int(os.environ.get("MAX_UPLOAD_MB", "12")) * 1024 * 1024,
        "REDIS_URL": redis_url,
        "PROXY_COUNT": int(os.environ.get("PROXY_COUNT", "0")),
        # Operations: /metrics for other hosts than this one; request log lines as text or JSON
        "METRICS_TOKEN": os.environ.get("METRICS_TOKEN") or None,
        "LOG_FORMAT": os.environ.get("LOG_FORMAT", "text").strip().lower(),
        # Sessions and cookies
        "SESSION_COOKIE_SECURE": _bool("SESSION_COOKIE_SECURE", production),
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "REMEMBER_COOKIE_SECURE": _bool("SESSION_COOKIE_SECURE", production),
        "REMEMBER_COOKIE_SAMESITE": "Lax",
        "REMEMBER_COOKIE_DURATION": dt.timedelta(days=int(os.environ.get("REMEMBER_DAYS", "30"))),
        # a sign-in without "keep me signed in" ends on the server after this many hours
        "SESSION_HOURS": int(os.environ.get("SESSION_HOURS", "12")),
        "API_TOKEN_DAYS": int(os.environ.get("API_TOKEN_DAYS", "90")),
        "HSTS_SECONDS": int(os.environ.get("HSTS_SECONDS", "31536000" if production else "0")),
        "WTF_CSRF_TIME_LIMIT": None,
        # i18n
        "BABEL_DEFAULT_LOCALE": "vi",
        "BABEL_DEFAULT_TIMEZONE": "Asia/Ho_Chi_Minh",
        "LANGUAGES": ["vi", "en"],
        # Shared state: Redis where several app servers run, memory otherwise
        "RATELIMIT_STORAGE_URI": redis_url or "memory://",
        "RATELIMIT_HEADERS_ENABLED": True,
        "RATELIMIT_ENABLED": _bool("RATELIMIT_ENABLED", True),
        "LOGIN_RATE_LIMIT": os.environ.get("LOGIN_RATE_LIMIT", "10 per minute"),
        # Consumer page: reports per client, photo size, when a unit code looks copied
        "REPORT_RATE_LIMIT": os.environ.get("REPORT_RATE_LIMIT", "5 per hour;20 per day"),
        "REPORT_PHOTO_MAX_BYTES": int(os.environ.get("REPORT_PHOTO_MAX_MB", "5")) * 1024 * 1024,
        # a unit code looks copied when more distinct clients than this scanned it (each counted once a day)
        "COPY_CLIENT_THRESHOLD": int(os.environ.get("COPY_CLIENT_THRESHOLD", "5")),
        # scans of one code recorded per client; repeats beyond it are answered but not counted
        "SCAN_RECORD_LIMIT": os.environ.get("SCAN_RECORD_LIMIT", "10 per hour"),
        # Inspectors' queue: unit codes scanned within this many days are checked against the thresholds above
        "COPY_ALERT_WINDOW_DAYS": int(os.environ.get("COPY_ALERT_WINDOW_DAYS", "30")),
        # scans are written together, at most this many seconds late
        "SCAN_WRITE_SECONDS": float(os.environ.get("SCAN_WRITE_SECONDS", "1")),
        # scans a process keeps while they wait (without Redis, or while Redis is unreachable): the scan that
        # fills the list writes it in its own request
        "SCAN_MAX_WAITING": int(os.environ.get("SCAN_MAX_WAITING", "10000")),
        # answers of code pages kept in the cache below (public/cache.py); PAGE_CACHE_SIZE=0 turns it off
        "PAGE_CACHE": os.environ.get("PAGE_CACHE_SIZE", "1000") != "0",
        # a worker trusts the data version it read for this long, and a commit that changes data is answered
        # this long after it, so the next scan anywhere shows the change (audit/services.py `data_version`)
        "DATA_VERSION_LEASE": float(os.environ.get("DATA_VERSION_LEASE", "0.05")),
        # The operating agency named on every public page; unset: the province's own (public/agency.py)
        "AGENCY_NAME": os.environ.get("AGENCY_NAME") or None,
        "AGENCY_HOTLINE": os.environ.get("AGENCY_HOTLINE", "1022"),
        "AGENCY_EMBLEM": os.environ.get("AGENCY_EMBLEM") or "img/emblem.svg",
        "AGENCY_PRIVACY_NOTE": os.environ.get("AGENCY_PRIVACY_NOTE") or None,
        # Codes: how many unit codes may be issued (per request, per batch, per organisation and local day)
        # and printed on one label sheet (made within gunicorn's 30 s timeout; larger runs print in parts)
        "CODE_ISSUE_MAX_PER_REQUEST": int(os.environ.get("CODE_ISSUE_MAX_PER_REQUEST", "20000")),
        "CODE_ISSUE_MAX_PER_BATCH": int(os.environ.get("CODE_ISSUE_MAX_PER_BATCH", "200000")),
        "CODE_ISSUE_MAX_PER_DAY": int(os.environ.get("CODE_ISSUE_MAX_PER_DAY", "200000")),
        "LABEL_SHEET_MAX_CODES": int(os.environ.get("LABEL_SHEET_MAX_CODES", "4000")),
        # Background jobs (traceability/jobs): a job whose worker has not reported for this long is run again
        "JOB_STALE_SECONDS": int(os.environ.get("JOB_STALE_SECONDS", "120")),
        "JOB_MAX_ATTEMPTS": int(os.environ.get("JOB_MAX_ATTEMPTS", "3")),
        "JOB_RESULT_DIR": os.environ.get("JOB_RESULT_DIR") or str(instance / "jobs"),
        # Mail (Flask-Mailman's names); without MAIL_SERVER mail is written to OUTBOX_DIR instead
        "MAIL_SERVER": os.environ.get("MAIL_SERVER") or None,
        "MAIL_PORT": int(os.environ.get("MAIL_PORT", "25")),
        "MAIL_USE_TLS": _bool("MAIL_USE_TLS"),
        "MAIL_USE_SSL": _bool("MAIL_USE_SSL"),
        "MAIL_USERNAME": os.environ.get("MAIL_USERNAME") or None,
        "MAIL_PASSWORD": os.environ.get("MAIL_PASSWORD") or None,
        "MAIL_DEFAULT_SENDER": os.environ.get("MAIL_DEFAULT_SENDER") or "no-reply@localhost",
        "MAIL_TIMEOUT": int(os.environ.get("MAIL_TIMEOUT", "30")),
        "OUTBOX_DIR": os.environ.get("OUTBOX_DIR") or str(instance / "outbox"),
        # a password-reset link works once, for this many minutes; a sign-up confirmation link for days
        "PASSWORD_RESET_MINUTES": int(os.environ.get("PASSWORD_RESET_MINUTES", "60")),
        "EMAIL_CONFIRM_DAYS": int(os.environ.get("EMAIL_CONFIRM_DAYS", "7")),
        "CACHE_TYPE": "RedisCache" if redis_url else "SimpleCache",
        "CACHE_REDIS_URL": redis_url,
        "CACHE_DEFAULT_TIMEOUT": 300,
        "CACHE_THRESHOLD": int(os.environ.get("PAGE_CACHE_SIZE", "1000")) or 1,  # entries in memory (no Redis)
        # OpenAPI (flask-smorest)
        "API_TITLE": "Traceability registry API",
        "API_VERSION": "v1",
        "OPENAPI_VERSION": "3.0.3",
        "OPENAPI_URL_PREFIX": "/api/v1",
        "OPENAPI_JSON_PATH": "openapi.json",
        "OPENAPI_SWAGGER_UI_PATH": "docs",
        "OPENAPI_SWAGGER_UI_URL": "/static/vendor/swagger-ui/",
    }
