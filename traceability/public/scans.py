"""Scans: one insert per resolution, and the counts that reveal a copied unit code.

A scan row is only ever inserted (no counter row is updated), so concurrent scans of one code never wait for
each other. The client address is kept only as an HMAC keyed with the app's secret and the current UTC date:
the key changes every day, so a phone cannot be followed from one day to the next and no address is stored.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import re
from dataclasses import dataclass

from flask import current_app
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from traceability.codes.models import CodeKind, Scan
from traceability.db import utcnow
from traceability.public.raw import RawStatement, timestamp_param

# (pattern, family) in the order they must be tried: in-app browsers and Edge announce Chrome/Safari too
_FAMILIES = [
    (re.compile(r"Zalo", re.I), "Zalo"),
    (re.compile(r"FBAN|FBAV|FB_IAB", re.I), "Facebook"),
    (re.compile(r"coc_coc_browser", re.I), "Cốc Cốc"),
    (re.compile(r"SamsungBrowser", re.I), "Samsung Internet"),
    (re.compile(r"Edg(e|A|iOS)?/", re.I), "Edge"),
    (re.compile(r"OPR/|Opera", re.I), "Opera"),
    (re.compile(r"Firefox|FxiOS", re.I), "Firefox"),
    (re.compile(r"Chrome|CriOS|Chromium", re.I), "Chrome"),
    (re.compile(r"Safari", re.I), "Safari"),
    (re.compile(r"curl|wget|python|java|go-http|okhttp", re.I), "Program"),
]


def user_agent_family(user_agent: str | None) -> str | None:
    """A coarse browser family: enough for statistics, too coarse to single anyone out."""
    if not user_agent:
        return None
    for pattern, family in _FAMILIES:
        if pattern.search(user_agent):
            return family
    return "Other"


def client_hash(address: str | None, now: dt.datetime | None = None) -> str:
    """HMAC-SHA256 of the address with a key that rotates every UTC day."""
    day = (now or utcnow()).astimezone(dt.UTC).date().isoformat()
    secret = current_app.config["SECRET_KEY"].encode()
    daily_key = hmac.new(secret, b"scan-salt|" + day.encode(), hashlib.sha256).digest()
    return hmac.new(daily_key, (address or "").encode(), hashlib.sha256).hexdigest()


# prepared once: building the statement on every scan cost more than running it
_INSERT_SCAN = RawStatement(
    "INSERT INTO scans (code_id, scanned_at, client_hash, user_agent_family) VALUES (:code, :at, :hash, :ua)"
)


_ASYNC_COMMIT = RawStatement("SET LOCAL synchronous_commit TO OFF", prepare=False)


def record_scan(session: Session, code_id: int, address: str | None, user_agent: str | None) -> None:
    """Insert one scan row and commit it on its own (a plain INSERT: no read, no lock on the code).

    On PostgreSQL the commit does not wait for the disk (asynchronous commit, for this transaction only): a
    crash of the machine may lose the last moments' scans, which are statistics; the database stays consistent
    and every other write keeps full durability.
    """
    if session.get_bind().dialect.name == "postgresql":
        _ASYNC_COMMIT.execute(session, {}).close()  # the lookup's read may share the transaction here
    else:
        session.commit()  # end the lookup's read: on SQLite a reader cannot wait for the write lock, a writer can
    now = utcnow()
    at = timestamp_param(session, now)
    values = {"code": code_id, "at": at, "hash": client_hash(address, now), "ua": user_agent_family(user_agent)}
    _INSERT_SCAN.execute(session, values).close()
    session.commit()


@dataclass(frozen=True)
class Verification:
    genuine: bool
    code_kind: str
    scan_count: int | None = None
    first_scanned_at: dt.datetime | None = None
    distinct_clients: int | None = None
    suspected_copy: bool = False


def verify(session: Session, code_id: int, kind: str) -> Verification:
    """Is the code genuine, and for a unit code: how often and by how many has it been scanned."""
    if kind != CodeKind.SERIAL:
        return Verification(genuine=True, code_kind=kind)
    count, first, clients = session.execute(
        select(func.count(), func.min(Scan.scanned_at), func.count(Scan.client_hash.distinct())).where(
            Scan.code_id == code_id
        )
    ).one()
    if first is not None and first.tzinfo is None:  # an aggregate bypasses the column type on SQLite
        first = first.replace(tzinfo=dt.UTC)
    config = current_app.config
    suspected = count > config["COPY_SCAN_THRESHOLD"] or clients > config["COPY_CLIENT_THRESHOLD"]
    return Verification(
        genuine=True,
        code_kind=kind,
        scan_count=count,
        first_scanned_at=first,
        distinct_clients=clients,
        suspected_copy=suspected,
    )
