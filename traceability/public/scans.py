"""Scans: one row per resolution, and the counts that reveal a copied unit code.

Scan rows are written in batches off the request's path, so concurrent scans of one code never wait for each
other; the database counts a unit code's scans and clients as they are inserted (`ScanCount`). The client
address is kept only as an HMAC keyed with the app's secret and the current UTC date: the key changes every
day, so a phone cannot be followed from one day to the next and no address is stored.
"""

from __future__ import annotations

import atexit
import datetime as dt
import hashlib
import hmac
import logging
import re
import threading
import time
from dataclasses import dataclass
from typing import NamedTuple

from cachetools import LRUCache
from flask import current_app
from limits import RateLimitItem, parse
from limits.storage import MemoryStorage, Storage
from limits.strategies import FixedWindowRateLimiter
from psycopg2.extras import execute_values
from sqlalchemy import Connection, bindparam, func, select
from sqlalchemy.orm import Session

from traceability import db
from traceability.codes.copies import CopyThresholds
from traceability.codes.models import CodeKind, Scan
from traceability.db import utcnow
from traceability.ops import metrics
from traceability.public.models import ScanCount

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
MAX_WAITING = 100_000  # scans kept in memory while the database cannot take them

log = logging.getLogger(__name__)


def user_agent_family(user_agent: str | None) -> str | None:
    """A coarse browser family: enough for statistics, too coarse to single anyone out."""
    if not user_agent:
        return None
    for pattern, family in _FAMILIES:
        if pattern.search(user_agent):
            return family
    return "Other"


def client_hash(address: str | None, now: dt.datetime | None = None, secret: str | None = None) -> str:
    """HMAC-SHA256 of the address with a key that rotates every UTC day."""
    day = (now or utcnow()).astimezone(dt.UTC).date().isoformat()
    secret_key = (secret or current_app.config["SECRET_KEY"]).encode()
    daily_key = hmac.new(secret_key, b"scan-salt|" + day.encode(), hashlib.sha256).digest()
    return hmac.new(daily_key, (address or "").encode(), hashlib.sha256).hexdigest()


class PendingScan(NamedTuple):
    code_id: int
    scanned_at: dt.datetime
    client_hash: str
    user_agent_family: str | None


class LocalWindow:
    """The fixed-window count of `limits`, in this process, for when the limiter's storage is its memory one:
    that storage starts a thread to expire keys on almost every hit, which cost a unit-code scan more than the
    rest of its page. Bounded: the oldest clients are forgotten first (they may then record a few more)."""

    def __init__(self, size: int = 100_000):
        self.counts: LRUCache = LRUCache(maxsize=size)
        self._lock = threading.Lock()

    def hit(self, limit: RateLimitItem, *keys: str) -> bool:
        window = int(time.time() // limit.get_expiry())
        key = (*keys, window)
        with self._lock:
            count = self.counts.get(key, 0) + 1
            self.counts[key] = count
        return count <= limit.amount


_INSERT = "INSERT INTO scans (code_id, scanned_at, client_hash, user_agent_family) VALUES "


def _insert(session: Session, rows: list[PendingScan]) -> None:
    """Straight to the driver: SQLAlchemy's per-row parameter handling took twice the CPU of the insert, in a
    thread that shares the interpreter with the requests."""
    connection = session.connection()
    cursor = connection.connection.dbapi_connection.cursor()
    try:
        if connection.dialect.name == "postgresql":
            execute_values(cursor, _INSERT + "%s", rows, page_size=1000)
        else:  # SQLite keeps UTC timestamps as naive text, as UTCDateTime writes them
            utc = [
                (row.code_id, row.scanned_at.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M:%S.%f"), *row[2:])
                for row in rows
            ]
            cursor.executemany(_INSERT + "(?, ?, ?, ?)", utc)
    finally:
        cursor.close()


class ScanRecorder:
    """Scans waiting to be written: each resolution appends one, and a timer writes them together.

    Appending to a list neither waits for the database nor for another scan of the same code, so recording
    costs a page almost nothing. What gathered is written in one transaction at most `delay` seconds later
    by a timer thread, and when the process exits normally. A process killed outright loses at most those
    seconds of scans (statistics; nothing else depends on them). With `delay` 0 each scan is written at
    once, by the caller's session.

    `record_limit` (e.g. "10 per hour") caps the scans of one unit code recorded per client: a client replaying
    a code is still answered, but its repeats beyond the limit are not stored, so they neither swell the code's
    count nor the table. Lot codes are printed on every package of a batch (a shop scans many of them): their
    scans are all recorded, for the inspectors' statistics. The counters live in `storage` (the rate
    limiter's: Redis when several servers run).
    """

    def __init__(self, secret_key: str, delay: float, record_limit: str | None = None, storage: Storage | None = None):
        self._secret = secret_key
        self.delay = delay
        self._pending: list[PendingScan] = []
        self._lock = threading.Lock()
        self._timer: threading.Timer | None = None
        self._exit_hook = False
        self._limit = parse(record_limit) if record_limit else None
        self._window: FixedWindowRateLimiter | LocalWindow | None = None
        if self._limit and storage is not None and not isinstance(storage, MemoryStorage):
            self._window = FixedWindowRateLimiter(storage)  # shared by every worker and server (Redis)
        elif self._limit:
            self._window = LocalWindow()

    def _within_limit(self, hashed: str, code_id: int) -> bool:
        if self._window is None:
            return True
        try:
            return self._window.hit(self._limit, "scan-record", hashed, str(code_id))
        except Exception:  # the counters' store is down: record the scan rather than lose it
            log.warning("scan recording limit unavailable; scan recorded", exc_info=True)
            return True

    def reset_limits(self) -> None:
        """Forget every client's count (tests, and an operator after changing the limit)."""
        if isinstance(self._window, LocalWindow):
            self._window.counts.clear()
        elif self._window is not None:
            self._window.storage.reset()

    def add(
        self, session: Session, code_id: int, address: str | None, user_agent: str | None, kind: str | None = None
    ) -> bool:
        """Record a scan, unless it is of a unit code (`kind` serial) whose limit this client already reached;
        returns whether it was recorded."""
        now = utcnow()
        hashed = client_hash(address, now, self._secret)
        if kind == CodeKind.SERIAL and not self._within_limit(hashed, code_id):
            return False
        row = PendingScan(code_id, now, hashed, user_agent_family(user_agent))
        with self._lock:
            self._pending.append(row)
            metrics.SCANS_WAITING.set(len(self._pending))
            if self.delay and self._timer is None:
                self._schedule()
        if not self.delay:
            self.write(session)
        return True

    def write(self, session: Session) -> int:
        """Write every waiting scan in a transaction of its own; returns how many were written.

        Whatever the session had open is committed first: on SQLite a transaction that has read cannot always
        become a writer, and a plain commit of a read costs nothing.
        """
        with self._lock:
            rows, self._pending = self._pending, []
            metrics.SCANS_WAITING.set(0)
            if self._timer is not None:
                self._timer.cancel()
                self._timer = None
        if not rows:
            return 0
        try:
            session.commit()
            _insert(session, rows)
            session.commit()
        except Exception:
            session.rollback()
            with self._lock:  # keep them for the next try, within reason
                self._pending[:0] = rows[: max(0, MAX_WAITING - len(self._pending))]
                metrics.SCANS_WAITING.set(len(self._pending))
            raise
        metrics.SCANS_RECORDED.inc(len(rows))
        return len(rows)

    def _schedule(self) -> None:
        if not self._exit_hook:  # in the process that serves, not the one that loaded the app before forking
            atexit.register(self._write_now)
            self._exit_hook = True
        self._timer = threading.Timer(self.delay, self._write_now)
        self._timer.daemon = True
        self._timer.start()

    def waiting(self, code_id: int) -> list[PendingScan]:
        """The scans of a code this process has not written yet."""
        with self._lock:
            return [row for row in self._pending if row.code_id == code_id]

    def _write_now(self) -> None:
        try:
            self.write(db.session())
        except Exception:
            log.exception("scans could not be written; they wait for the next try")
            with self._lock:
                if self._pending and self._timer is None:
                    self._schedule()
        finally:
            db.session.remove()


def recorder() -> ScanRecorder:
    return current_app.extensions["scans"]


@dataclass(frozen=True)
class Verification:
    genuine: bool
    code_kind: str
    scan_count: int | None = None
    first_scanned_at: dt.datetime | None = None
    distinct_clients: int | None = None
    suspected_copy: bool = False


# built once: a unit code's every scan reads it, and building the statement cost as much as running it
_COUNTER = select(ScanCount.scan_count, ScanCount.first_scanned_at, ScanCount.client_count).where(
    ScanCount.code_id == bindparam("code_id")
)


def verify(
    session: Session | Connection, code_id: int, kind: str, waiting: list[PendingScan] = ()
) -> Verification:
    """Is the code genuine, and for a unit code: how often and by how many has it been scanned — its counter
    row (`scan_counts`, kept by the database as scans are written) and the scans still `waiting` in this
    process (`ScanRecorder.waiting`). Read with the request's session, or a connection of the app's reading
    pool (the page cache's fast path)."""
    if kind != CodeKind.SERIAL:
        return Verification(genuine=True, code_kind=kind)
    counted = session.execute(_COUNTER, {"code_id": code_id}).first()
    count, first, clients = counted or (0, None, 0)
    if waiting:
        hashes = {row.client_hash for row in waiting}
        # the waiting scans' clients that already scanned it (an index probe each, not the code's history)
        known = session.scalar(
            select(func.count(Scan.client_hash.distinct())).where(Scan.code_id == code_id, Scan.client_hash.in_(hashes))
        )
        count += len(waiting)
        first = min(t for t in (first, *(row.scanned_at for row in waiting)) if t is not None)
        clients += len(hashes) - known
    suspected = CopyThresholds.from_config(current_app.config).exceeded(clients)
    return Verification(
        genuine=True,
        code_kind=kind,
        scan_count=count,
        first_scanned_at=first,
        distinct_clients=clients,
        suspected_copy=suspected,
    )
