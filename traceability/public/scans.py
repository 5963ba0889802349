"""Scans: one row per resolution, and the counts that reveal a copied unit code.

Scan rows are written in batches off the request's path, so concurrent scans of one code never wait for each
other; the database counts a unit code's scans and clients as they are inserted (`ScanCount`). The client
address is kept only as an HMAC keyed with the app's secret and the current UTC date: the key changes every
day, so a phone cannot be followed from one day to the next and no address is stored.
"""

from __future__ import annotations

import atexit
import datetime as dt
import functools
import hashlib
import hmac
import json
import logging
import os
import random
import re
import threading
import time
import uuid
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, NamedTuple

from cachetools import LRUCache
from flask import current_app
from limits import RateLimitItem, parse
from limits.storage import MemoryStorage, Storage
from limits.strategies import FixedWindowRateLimiter
from sqlalchemy import bindparam, text
from sqlalchemy.orm import Session, scoped_session

from traceability import db
from traceability.codes.copies import CopyThresholds
from traceability.codes.models import CodeKind
from traceability.db import UTCDateTime, utcnow
from traceability.ops import metrics

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
MAX_WAITING = 10_000  # scans a process keeps in memory; the one that fills the list writes it at once

log = logging.getLogger(__name__)


@functools.lru_cache(maxsize=1024)  # phones in use announce few distinct strings; each costs up to ten searches
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
    key = _daily_key(secret or current_app.config["SECRET_KEY"], day)
    return hmac.digest(key, (address or "").encode(), "sha256").hex()  # the one-shot C function


@functools.lru_cache(maxsize=4)  # the same for every scan of a day
def _daily_key(secret: str, day: str) -> bytes:
    return hmac.new(secret.encode(), b"scan-salt|" + day.encode(), hashlib.sha256).digest()


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


_COLUMNS = "scans (code_id, scanned_at, client_hash, user_agent_family)"


def _insert(session: Session, rows: list[PendingScan], into: str = _COLUMNS) -> None:
    """Straight to the driver, in the thread that shares the interpreter with the requests: SQLAlchemy's
    per-row parameter handling took twice the CPU of the insert. PostgreSQL gets the rows by COPY: quoting each
    value for an INSERT (psycopg2's `mogrify`) cost 16 µs a scan; 500 scans took 10–14 ms of the worker's CPU,
    by COPY 6–9 ms. A scan's texts are never empty (no user agent: None, NULL). `into`: another table of the same
    columns (`scripts/bench_scan_writes.py` compares one)."""
    connection = session.connection()
    if connection.dialect.name == "postgresql":
        db.copy_csv(connection, into, rows)
        return
    # SQLite keeps UTC timestamps as naive text, as UTCDateTime writes them
    utc = [(row.code_id, row.scanned_at.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M:%S.%f"), *row[2:]) for row in rows]
    cursor = connection.connection.dbapi_connection.cursor()
    try:
        cursor.executemany(f"INSERT INTO {into} VALUES (?, ?, ?, ?)", utc)  # noqa: S608 (a constant, never input)
    finally:
        cursor.close()


class ScanRecorder:
    """Scans waiting to be written: each resolution records one, and a timer writes them together.

    Recording neither waits for the database nor for another scan of the same code, so it costs a page almost
    nothing. Where the scans wait:

    - embedded (no `redis_url`): a list in this process, written in one transaction at most `delay` seconds
      later by a timer thread, and when the process exits normally. The list holds at most `max_waiting`
      scans: the scan that fills it writes the whole list in its own request rather than drop anything. A
      process killed outright loses what waits (at most `delay` seconds of scans).
    - `redis_url`: a Redis list (`RedisScanQueue`), pushed to before the page is answered, so a worker killed
      outright loses no answered scan. The timer of every worker of every server writes what is queued.
      When Redis cannot be reached the scan waits in this process's list, as embedded.

    With `delay` 0 each scan is written at once, by the caller's session (tests). A write that fails is
    logged and counted (`traceability_scan_write_failures`), never shown to the consumer; its scans wait for
    the next try, and those the bounded list cannot keep are counted as lost (`traceability_scans_lost`).

    `record_limit` (e.g. "10 per hour") caps the scans of one unit code recorded per client: a client replaying
    a code is still answered, but its repeats beyond the limit are not stored, so they neither swell the code's
    count nor the table. Lot codes are printed on every package of a batch (a shop scans many of them): their
    scans are all recorded, for the inspectors' statistics. The counters live in `storage` (the rate
    limiter's: Redis when several servers run).
    """

    def __init__(
        self,
        secret_key: str,
        delay: float,
        record_limit: str | None = None,
        storage: Storage | None = None,
        redis_url: str | None = None,
        max_waiting: int = MAX_WAITING,
    ):
        self._secret = secret_key
        self.delay = delay
        self.max_waiting = max_waiting
        self._pending: list[PendingScan] = []
        self.known = KnownClients()
        self.generation = 0  # how often the list was taken to be written (see `waiting`)
        self._lock = threading.Lock()
        self._writing = threading.Lock()  # one write of the queue at a time in this process
        self._timer: threading.Timer | None = None
        self._pid = os.getpid()
        self._exit_hook = False
        # a queue is only worth it when scans wait: with delay 0 they are written in the request anyway
        self.queue = RedisScanQueue(redis_url, max_waiting) if redis_url and delay else None
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
        if self.queue is not None and self.queue.push(row, counted=kind == CodeKind.SERIAL):
            self.start()
            return True
        with self._lock:
            self._pending.append(row)
            metrics.SCANS_WAITING.set(len(self._pending))
            full = len(self._pending) >= self.max_waiting
        self.start()
        if full or not self.delay:
            try:
                self._write_list(session)
            except Exception:  # the page is answered all the same; the scans wait for the timer's next try
                log.exception("scans could not be written in the request; they wait for the next try")
                metrics.SCAN_WRITE_FAILURES.inc()
        return True

    def write(self, session: Session) -> int:
        """Write every scan waiting in this process, then (with Redis) what is queued; returns how many were
        written. Raises when the database fails; the scans then wait for the next try."""
        with self._lock:
            if self._timer is not None and self.queue is None:
                self._timer.cancel()  # nothing waits any more: the timer starts again with the next scan
                self._timer = None
        written = self._write_list(session)
        if self.queue is not None:
            with self._writing:
                written += self.queue.write(session)
        return written

    def _write_list(self, session: Session) -> int:
        """Write this process's list in a transaction of its own.

        Whatever the session had open is committed first: on SQLite a transaction that has read cannot always
        become a writer, and a plain commit of a read costs nothing.
        """
        with self._lock:
            rows, self._pending = self._pending, []
            self.generation += 1
            metrics.SCANS_WAITING.set(0)
        if not rows:
            return 0
        try:
            session.commit()
            _insert(session, rows)
            session.commit()
        except Exception:
            session.rollback()
            with self._lock:  # keep them for the next try, as many as the list holds
                room = max(0, self.max_waiting - len(self._pending))
                self._pending[:0] = rows[:room]
                metrics.SCANS_WAITING.set(len(self._pending))
            if len(rows) > room:
                metrics.SCANS_LOST.inc(len(rows) - room)
                log.error("%d scans lost: the database failed and the list of waiting scans is full", len(rows) - room)
            raise
        metrics.SCANS_RECORDED.inc(len(rows))
        return len(rows)

    def start(self) -> None:
        """Make sure this process's timer runs when something may wait (with Redis: always, since any server's
        scans may be queued). The server's entry point (`wsgi.py`) calls it in each worker."""
        if not self.delay or (self._timer is not None and self._pid == os.getpid()):
            return  # (read without the lock: at worst the check below runs)
        with self._lock:
            if self._pid != os.getpid():  # a forked child: the parent's timer thread does not exist here
                self._pid, self._timer, self._exit_hook = os.getpid(), None, False
            if self._timer is None and (self.queue is not None or self._pending):
                self._schedule()

    def _schedule(self) -> None:
        if not self._exit_hook:  # in the process that serves, not the one that loaded the app before forking
            atexit.register(self._write_at_exit)
            self._exit_hook = True
        # each wait drawn anew: the workers of a server start together and would otherwise all write at once,
        # and the slowest pages wait behind those bursts (docs/decisions.md)
        wait = self.delay * random.uniform(0.5, 1.0)  # noqa: S311 (a timer's spread, not a secret)
        self._timer = threading.Timer(wait, self._write_now)
        self._timer.daemon = True
        self._timer.start()

    def waiting(self, code_id: int) -> Waiting:
        """The scans of a code this process recorded and that are not written yet (with Redis: those of its
        unit-code scans still in the queue)."""
        with self._lock:
            generation = self.generation
            local = [row for row in self._pending if row.code_id == code_id]
        queued = self.queue.waiting(code_id) if self.queue is not None else []

        def settle() -> list[PendingScan]:
            with self._lock:  # the list was taken to be written since: its scans are counted, or soon will be
                kept = local if self.generation == generation else []
            return kept + (self.queue.still_waiting(queued) if queued else [])

        return Waiting([*local, *(row for _seq, row in queued)], settle, self.known, generation)

    def _write_now(self) -> None:
        try:
            self.write(db.session())
        except Exception:
            log.exception("scans could not be written; they wait for the next try")
            metrics.SCAN_WRITE_FAILURES.inc()
        finally:
            db.session.remove()
            with self._lock:  # unless a scan started another timer meanwhile: one chain of timers only
                if self._timer is None or self._timer is threading.current_thread():
                    self._timer = None
                    if self._pid == os.getpid() and (self.queue is not None or self._pending):
                        self._schedule()

    def _write_at_exit(self) -> None:
        """This process's own list; what is queued in Redis is safe there, for the other writers."""
        with self._lock:
            if self._timer is not None:
                self._timer.cancel()
        try:
            self._write_list(db.session())
        except Exception:
            log.exception("scans could not be written at exit")
            metrics.SCAN_WRITE_FAILURES.inc()
        finally:
            db.session.remove()


# one command per scan (a MULTI/EXEC pipeline cost the client half as much again): its number, the queue's length
_PUSH = """
local n = redis.call('INCR', KEYS[1])
return {n, redis.call('RPUSH', KEYS[2], ARGV[1])}
"""
_TAKEN = "return (tonumber(redis.call('GET', KEYS[1])) or 0) - redis.call('LLEN', KEYS[2])"
_MOVE = """
local queued = redis.call('LRANGE', KEYS[1], 0, tonumber(ARGV[1]) - 1)
local items = {}
for _, item in ipairs(queued) do
  if cjson.decode(item)[2] > ARGV[4] then break end
  items[#items + 1] = item
end
if #items > 0 then
  redis.call('LTRIM', KEYS[1], #items, -1)
  redis.call('RPUSH', KEYS[3], unpack(items))
  redis.call('ZADD', KEYS[2], ARGV[2], ARGV[3])
end
return items
"""


class RedisScanQueue:
    """Scans queued in Redis, written to the database at least once and recorded exactly once.

    Keys: `queue` (a list of JSON scans, pushed to with RPUSH), `seq` (incremented with every push, in the same
    script), `writing` (a sorted set of batches being written, by when they were taken) and `writing:<token>`
    (each such batch). A writer moves up to `BATCH` scans from the head of the queue into a batch of its own
    (one Lua script, so a scan is always in exactly one list), inserts them together with the batch's token
    into `scan_batches` in one transaction, then deletes the batch from Redis. A batch left behind longer than
    `STALE_SECONDS` belongs to a writer that died: any writer writes it, unless its token shows it was
    written (the token is the primary key, so two writers of one batch cannot both commit).

    The queue is FIFO and every push takes the next `seq`, so `seq - LLEN(queue)` after a push is the last
    scan taken by a writer: this process's unit-code scans after it are still waiting (`waiting`).
    """

    PREFIX = "traceability:scans:"
    BATCH = 1000
    BATCHES_PER_WRITE = 20  # then the timer comes back, so a long queue does not hold the process at exit
    STALE_SECONDS = 60
    # a scan is taken only once this old: the request that recorded it has counted it by then (`waiting`), so
    # a writer of another process never takes it in between, when it would be counted nowhere
    GRACE_SECONDS = 2.0

    def __init__(self, url: str, max_waiting: int = MAX_WAITING, prefix: str = PREFIX):
        import redis

        self.redis = redis.Redis.from_url(url, socket_timeout=2, socket_connect_timeout=2, decode_responses=True)
        self.key = prefix + "queue"
        self.seq_key = prefix + "seq"
        self.writing_key = prefix + "writing"
        self._batch_prefix = prefix + "writing:"
        self._push = self.redis.register_script(_PUSH)
        self._taken_now = self.redis.register_script(_TAKEN)
        self._move = self.redis.register_script(_MOVE)
        self._lock = threading.Lock()
        self._pushed: deque[tuple[int, PendingScan]] = deque(maxlen=max_waiting)  # unit-code scans, by seq
        self._taken = 0  # the seq of the last scan a writer took, as of this process's last push
        self._retry: set[str] = set()  # this process's batches whose write failed
        self._done: list[str] = []  # batches gone from Redis whose `scan_batches` rows can go

    def push(self, row: PendingScan, counted: bool = False) -> bool:
        """Queue a scan; False when Redis could not take it (the caller keeps it). `counted`: remember it
        for `waiting` (a unit code's scan, whose count the page shows)."""
        payload = json.dumps([row.code_id, row.scanned_at.isoformat(), row.client_hash, row.user_agent_family])
        try:
            seq, length = self._push(keys=[self.seq_key, self.key], args=[payload])
        except Exception:
            log.warning("the scan queue (Redis) is unreachable; the scan waits in this process", exc_info=True)
            metrics.SCAN_QUEUE_FAILURES.inc()
            return False
        with self._lock:
            self._taken = max(self._taken, seq - length)
            while self._pushed and self._pushed[0][0] <= self._taken:
                self._pushed.popleft()
            if counted:
                self._pushed.append((seq, row))
        return True

    def waiting(self, code_id: int) -> list[tuple[int, PendingScan]]:
        """This process's scans of the code not yet taken by a writer, as of its last push: (seq, scan)."""
        with self._lock:
            return [(seq, row) for seq, row in self._pushed if seq > self._taken and row.code_id == code_id]

    def still_waiting(self, queued: list[tuple[int, PendingScan]]) -> list[PendingScan]:
        """Those of `queued` no writer has taken yet (asked now: one round trip)."""
        try:
            taken = self._taken_now(keys=[self.seq_key, self.key])
        except Exception:
            log.warning("the scan queue (Redis) is unreachable; waiting scans counted as they were", exc_info=True)
            return [row for _seq, row in queued]
        with self._lock:
            self._taken = max(self._taken, taken)
            return [row for number, row in queued if number > self._taken]

    def length(self) -> int:
        return self.redis.llen(self.key)

    def write(self, session: Session) -> int:
        """Write the batches of dead writers and this process's failed ones, then what is queued."""
        written = 0
        stale = self.redis.zrangebyscore(self.writing_key, "-inf", time.time() - self.STALE_SECONDS)
        for token in sorted(self._retry | set(stale)):
            written += self._write_batch(session, token, self.redis.lrange(self._batch_prefix + token, 0, -1))
        for _ in range(self.BATCHES_PER_WRITE):
            token = uuid.uuid4().hex
            keys = [self.key, self.writing_key, self._batch_prefix + token]
            cutoff = (utcnow() - dt.timedelta(seconds=self.GRACE_SECONDS)).isoformat()  # as the scans' times
            items = self._move(keys=keys, args=[self.BATCH, time.time(), token, cutoff])
            if not items:
                break
            written += self._write_batch(session, token, items)
            if len(items) < self.BATCH:
                break
        return written

    def _write_batch(self, session: Session, token: str, items: list[str]) -> int:
        """Insert a batch with its token, in one transaction, unless its token shows it was written; then take
        it out of Redis. Returns how many scans were inserted."""
        fresh = 0
        if items:
            rows = [_decode(item) for item in items]
            try:
                session.commit()
                connection = session.connection()
                # a second writer of the same batch waits here for the first to commit, then inserts nothing
                fresh = connection.execute(_MARK, {"token": token, "now": utcnow()}).rowcount
                if fresh:
                    _insert(session, rows)
                connection.execute(_FORGET, {"done": self._done or [""], "old": utcnow() - dt.timedelta(days=1)})
                session.commit()
            except Exception:
                session.rollback()
                self._retry.add(token)
                raise
            self._done = []
            if fresh:
                metrics.SCANS_RECORDED.inc(len(rows))
        pipe = self.redis.pipeline(transaction=True)
        pipe.delete(self._batch_prefix + token)
        pipe.zrem(self.writing_key, token)
        pipe.execute()
        self._retry.discard(token)
        self._done.append(token)
        return len(items) if fresh else 0


_MARK = text(
    "INSERT INTO scan_batches (token, written_at) VALUES (:token, :now) ON CONFLICT (token) DO NOTHING"
).bindparams(bindparam("now", type_=UTCDateTime()))
# the rows of batches gone from Redis, and any left a day by a writer that died before removing them
_FORGET = text("DELETE FROM scan_batches WHERE token IN :done OR written_at < :old").bindparams(
    bindparam("done", expanding=True), bindparam("old", type_=UTCDateTime())
)


def _decode(item: str) -> PendingScan:
    code_id, scanned_at, hashed, family = json.loads(item)
    return PendingScan(code_id, dt.datetime.fromisoformat(scanned_at), hashed, family)


class Waiting(list):
    """A code's scans not yet written, as `ScanRecorder.waiting` found them. `verify` reads the code's counter
    and then asks again (`settle`): a scan written in between is then in the counter and no longer here, so it
    is not counted twice (one taken but not yet committed is counted in neither, for milliseconds)."""

    def __init__(
        self,
        rows: list[PendingScan],
        settle: Callable[[], list[PendingScan]],
        known: KnownClients,
        generation: int,
    ):
        super().__init__(rows)
        self.settle = settle
        self.known = known
        self.generation = generation  # the recorder's when these rows were found


class KnownClients:
    """The clients (daily hashes) known to have a written scan of a unit code, as `verify` found them: a scan
    is never unwritten, so once known, a client stays known and its next scans waiting in this process need no
    query. Per recorder (per app); bounded: when full it starts again (hashes change every day anyway)."""

    def __init__(self, size: int = 100_000):
        self.size = size
        self._seen: set[tuple[int, str]] = set()

    def unknown(self, code_id: int, hashes: Iterable[str]) -> list[str]:
        return [h for h in hashes if (code_id, h) not in self._seen]

    def add(self, code_id: int, hashes: Iterable[str]) -> None:
        if len(self._seen) >= self.size:
            self._seen.clear()
        self._seen.update((code_id, h) for h in hashes)


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


_COUNTER = "SELECT scan_count, first_scanned_at, client_count FROM scan_counts WHERE code_id = %s"
# the data version (`audit.services.data_version`) and a unit code's counter in one statement: one round trip
_VERSION_AND_COUNTER = (
    "SELECT audit_head.hash, scan_counts.scan_count, scan_counts.first_scanned_at, scan_counts.client_count"
    " FROM audit_head LEFT JOIN scan_counts ON scan_counts.code_id = %s WHERE audit_head.id = 1"
)
_KNOWN = "SELECT client_hash FROM scan_clients WHERE code_id = %s AND client_hash IN ({})"


def _read(connection: Any, sql: str, params: tuple) -> list[tuple]:
    """Rows through the driver's own cursor: a unit code's every scan reads its counter, and SQLAlchemy's
    statement handling cost more than the read (see `db.Reader`)."""
    cursor = connection.cursor()
    try:
        cursor.execute(db.driver_sql(connection, sql), params)
        return cursor.fetchall()
    finally:
        cursor.close()


def read_with_version(connection: Any, code_id: int) -> tuple[str | None, tuple | None]:
    """The data version and a unit code's counter row (zeros when it has none), read together; no counter when
    there is no version yet (nothing was ever recorded)."""
    rows = _read(connection, _VERSION_AND_COUNTER, (code_id,))
    if not rows:
        return None, None
    version, count, first, clients = rows[0]
    return version, (count or 0, first, clients or 0)


def _as_utc(value: Any) -> dt.datetime | None:
    """A timestamp as the driver returns it (SQLite: text in UTC, as UTCDateTime keeps it), time-zone aware."""
    if value is None:
        return None
    if isinstance(value, str):
        value = dt.datetime.fromisoformat(value)
    return value.astimezone(dt.UTC) if value.tzinfo else value.replace(tzinfo=dt.UTC)


def verify(
    connection: Session | Any,
    code_id: int,
    kind: str,
    waiting: list[PendingScan] = (),
    config: Any = None,
    counter: tuple | None = None,
) -> Verification:
    """Is the code genuine, and for a unit code: how often and by how many has it been scanned — its counter
    row (`scan_counts`, kept by the database as scans are written) and the scans still `waiting` in this
    process (`ScanRecorder.waiting`). Read on a driver connection: the page cache's (`db.driver_connection`), or
    the one under a session's transaction when given a session (the view). `config`: the app's (default: the
    current app's). `counter`: the counter row when it was read already (`read_with_version`), before `waiting`
    was taken."""
    if kind != CodeKind.SERIAL:
        return Verification(genuine=True, code_kind=kind)
    if isinstance(connection, Session | scoped_session):
        connection = connection.connection().connection
    if counter is None:
        counted = _read(connection, _COUNTER, (code_id,))
        counter = counted[0] if counted else (0, None, 0)
    count, first, clients = counter
    first = _as_utc(first)
    known = waiting.known if isinstance(waiting, Waiting) else KnownClients()
    if isinstance(waiting, Waiting):
        waiting = waiting.settle()
    if waiting:
        hashes = {row.client_hash for row in waiting}
        # the waiting scans' clients that already scanned it: remembered, else an index probe each
        unknown = known.unknown(code_id, hashes)
        if unknown:
            found = _read(connection, _KNOWN.format(", ".join(["%s"] * len(unknown))), (code_id, *unknown))
            known.add(code_id, (h for (h,) in found))
        count += len(waiting)
        first = min(t for t in (first, *(row.scanned_at for row in waiting)) if t is not None)
        clients += len(known.unknown(code_id, hashes))
    suspected = CopyThresholds.from_config(config or current_app.config).exceeded(clients)
    return Verification(
        genuine=True,
        code_kind=kind,
        scan_count=count,
        first_scanned_at=first,
        distinct_clients=clients,
        suspected_copy=suspected,
    )
