"""The one cache of the consumer's page: its key, the data version, the fast path before Flask, and the store.

Every answer of a code's page an anonymous visitor may share is kept once, in the app's Flask-Caching backend
(`extensions.cache`: memory of the process by default, Redis with `REDIS_URL`, so every app server sees the
same entries). An entry is the whole answer — status, headers, body, ETag, Last-Modified — under a key made of
everything the answer depends on:
- the data: the audit chain's newest hash (`audit.services.data_version`, one primary-key read, trusted for
  `DATA_VERSION_LEASE` seconds, while every writer's answer waits that long after its commit). Every change the
  page shows is a flushed ORM change, and every flushed change is written to the chain, so a change anywhere
  gives every page a new key by the time anyone hears of it, on every worker and server;
- the day (expiry, certificate validity) and the page's layout (`LAYOUT`: a deploy never answers old pages);
- the request: address, query, scheme, host, `Accept`, `Accept-Language`, the language cookie.

`PageCache` answers from an entry before Flask's request stack: it records the scan, answers 304 to a matching
validator, and for a unit code puts this scan's counts into the kept page (`fill`). Without an entry the request
goes on to the view (`public/views.py`), which builds the answer and `offer`s it; what the app then sends is
kept. A signed-in visitor, or any cookie but the language one, always goes to Flask.

A unit (serial) code's page differs per scan only in its counts block (`templates/public/_scan_counts.html`):
its entry keeps the page cut around that block, for both copy verdicts, and each scan renders the block alone
from the counter row (`scans.verify`). Its JSON is kept cut around its verification object and copy warning;
its link set, which shows no count, whole. Its answers stay `no-store`.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import math
import re
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any, NamedTuple

from flask import Flask, current_app
from flask_babel import force_locale
from markupsafe import Markup
from werkzeug.http import is_resource_modified, parse_cookie, parse_date, unquote_etag

from traceability import db
from traceability.audit.services import data_version
from traceability.codes.models import CodeKind
from traceability.config import PROJECT_ROOT
from traceability.extensions import cache
from traceability.i18n import LANG_COOKIE
from traceability.public.lookup import local_today
from traceability.public.representations import counts_json, scanned_times
from traceability.public.scans import ScanRecorder, Verification, read_with_version, verify

log = logging.getLogger(__name__)

PAGE_VERSION = "2"  # bump when what a page shows changes in code no file below covers


def _layout() -> str:
    """What the pages look like in this release: the package's version, and a digest of the templates, the
    translations and this folder's code, so a deploy that changes any of them never answers from old entries."""
    try:
        release = version("traceability")
    except PackageNotFoundError:  # run from a checkout that was never installed
        release = "?"
    digest = hashlib.blake2b(digest_size=8)
    package = Path(__file__).resolve().parent.parent
    files = [*(PROJECT_ROOT / "templates").rglob("*.html"), *package.rglob("*.mo"), *Path(__file__).parent.glob("*.py")]
    for path in sorted(files):
        digest.update(path.read_bytes())
    return f"{PAGE_VERSION}/{release}/{digest.hexdigest()}"


LAYOUT = _layout()
OFFER = "traceability.page_cache.offer"  # environ key: what the view says the answer is (see `offer`)
_KEY = "traceability.page_cache.key"
_PAGE_PATH = re.compile(r"/c/[^/]+|/01/.+")  # a code's page, short or GS1 Digital Link (not its report form)
_CONDITIONAL = ("HTTP_IF_NONE_MATCH", "HTTP_IF_MODIFIED_SINCE")
_SLOT = re.compile(r"<!--scan-counts:(\w+)-->")  # where a unit page's counts go (page text is escaped: no '<!--')
COUNTS = "public/_scan_counts.html"
UNITS_KNOWN = 10_000  # requests remembered as a unit code's (then forgotten all at once)
MANY = 9_182_736_455  # a count no page shows otherwise: the digits `counted` replaces
_UNCHANGED = frozenset({"etag", "last-modified", "cache-control", "expires", "vary", "content-location"})


@dataclass(frozen=True)
class Offer:
    """What the view built: the code's answer, and for a unit code its page cut around the counts, by verdict."""

    code_id: int
    kind: str
    locale: str
    pieces: dict[bool, tuple[str, ...]] | None = None  # copy suspected? → page text and slot names, alternating
    counts: dict[bool, dict[str, tuple[str, str]]] | None = None  # copy suspected? → `counts_forms` (HTML only)
    first: dt.datetime | None = None  # the first scan the counts were rendered with
    representation: str = "html"  # or json: how `fill` renders the counts


class Entry(NamedTuple):
    """A kept answer, stored as a plain tuple of built-in values: unpickled on every scan, where a dataclass
    holding an enum and a datetime took several times as long."""

    code_id: int
    kind: str  # CodeKind's value
    locale: str
    pieces: dict[bool, tuple[bytes | str, ...]] | None  # a unit code's page or JSON (UTF-8), cut around its counts
    counts: dict[bool, dict[str, tuple[str, str]]] | None  # its counts, rendered ahead (`counts_forms`)
    first: float | None  # the first scan they show (POSIX seconds)
    representation: str
    status: str
    headers: list[tuple[str, str]]  # without Date (the server's own), and Content-Length when cut in pieces
    body: bytes  # empty when cut in pieces (the body is made per scan)
    etag: str | None
    last_modified: int | None  # POSIX seconds
    unchanged: list[tuple[str, str]]  # the headers of a 304 (`_unchanged`)


def offer(environ: dict[str, Any], answer: Offer) -> None:
    """Let the cache keep this request's answer (the view calls it for an anonymous code page it built)."""
    if _KEY in environ:
        environ[OFFER] = answer


def slot(part: str) -> Markup:
    """The mark page.html leaves where a unit page's counts go while a page is built to be kept."""
    return Markup("<!--scan-counts:{}-->").format(part)


def cut(text: str, mark: str | None = None) -> tuple[str, ...]:
    """A page rendered with `slot` marks, cut at them: page text, slot name, page text, … A JSON answer is cut at
    its strings `"{mark}:name"`, `mark` being drawn at random for it: a string of the data cannot hold one."""
    if mark is None:
        return tuple(_SLOT.split(text))
    return tuple(re.split(f'"{re.escape(mark)}:(\\w+)"', text))


def fill(pieces: tuple[str, ...], verification: Verification, representation: str = "html") -> str:
    """The kept page with this scan's counts (in an app context, in the page's language): the view's own answer,
    and a scan whose counts `counted` cannot fill. HTML renders them by the template, JSON as `page_json` does."""
    template = current_app.jinja_env.get_template(COUNTS) if representation == "html" else None

    def render(part: str) -> str:
        if template is None:
            return counts_json(part, verification)
        return template.render(part=part, verification=verification, scanned_times=scanned_times)

    return "".join(piece if n % 2 == 0 else render(piece) for n, piece in enumerate(pieces))


def counts_forms(verification: Verification) -> dict[str, tuple[str, str]]:
    """Each counts part rendered ahead, when the page is kept, in the two plural forms of the registry's
    languages (Vietnamese has one, English "one" and "other"): for one scan, and for `MANY` scans, whose
    digits each scan replaces with its own count. The template stays the only source of the words."""
    template = current_app.jinja_env.get_template(COUNTS)
    return {
        part: tuple(
            template.render(part=part, verification=replace(verification, scan_count=n), scanned_times=scanned_times)
            for n in (1, MANY)
        )
        for part in ("verification", "warning")
    }


def counted(entry: Entry, verification: Verification) -> bytes | None:
    """The kept page with this scan's counts put into the forms rendered ahead, without the template; None
    when they cannot serve: the first scan they show is no longer the first one known (another server's
    earlier scan was written since), or nothing was counted."""
    first = verification.first_scanned_at
    if entry.counts is None or verification.scan_count < 1 or first is None or first.timestamp() != entry.first:
        return None
    count = verification.scan_count
    forms = entry.counts[verification.suspected_copy]
    text = {part: one if count == 1 else many.replace(str(MANY), str(count)) for part, (one, many) in forms.items()}
    pieces = entry.pieces[verification.suspected_copy]
    return b"".join(piece if n % 2 == 0 else text[piece].encode() for n, piece in enumerate(pieces))


def request_key(environ: dict[str, Any]) -> tuple | None:
    """What an answer may depend on in this request, or None if the request is not one to answer from the cache."""
    if environ.get("REQUEST_METHOD") != "GET" or not _PAGE_PATH.fullmatch(environ.get("PATH_INFO", "")):
        return None
    lang = None
    if "HTTP_COOKIE" in environ:
        cookies = parse_cookie(environ["HTTP_COOKIE"])
        if cookies.keys() - {LANG_COOKIE}:
            return None
        lang = cookies.get(LANG_COOKIE)
    return (
        environ.get("RAW_URI") or environ.get("REQUEST_URI"),  # keeps an escaped '/' in a Digital Link
        environ.get("SCRIPT_NAME", ""),
        environ["PATH_INFO"],
        environ.get("QUERY_STRING", ""),
        environ["wsgi.url_scheme"],
        environ.get("HTTP_HOST"),
        environ.get("HTTP_ACCEPT"),
        environ.get("HTTP_ACCEPT_LANGUAGE"),
        lang,
    )


def entry_key(request: tuple, data: str | None) -> str:
    parts = (LAYOUT, data, local_today().isoformat(), request)
    return "public-page:" + hashlib.blake2b(repr(parts).encode(), digest_size=20).hexdigest()


def _unchanged(headers: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """The headers of a 304 (RFC 9110 §15.4.5): those that identify the kept answer and guide caches, and CORS,
    which a script that revalidates by itself needs to read the 304. A browser keeps the other headers of the
    200 it revalidates (security policies, Link), so they are not sent again: a phone on 3G gets some 300 bytes
    of headers rather than 1 KB."""
    return [(k, v) for k, v in headers if k.lower() in _UNCHANGED or k.lower().startswith("access-control-")]


def _read(body: Iterable[bytes]) -> bytes:
    try:
        return b"".join(body)
    finally:
        if hasattr(body, "close"):
            body.close()


class PageCache:
    """WSGI middleware in front of the app: the fast path (see the module's docstring)."""

    def __init__(self, app: Flask, recorder: ScanRecorder, readers: Any = None):
        self.app = app
        self.wsgi_app = app.wsgi_app
        self.store = app.extensions["cache"][cache]  # the backend itself: no app context needed to read it
        self.recorder = recorder
        # the unit code each request was answered for (a code's id never changes): read with the version
        self.units: dict[tuple, int] = {}
        self.readers = readers  # the app's own reading connections (db.Reader), None when bound to a connection
        # the data version last read, and when its read began: trusted for `lease` seconds (`_version`)
        self.lease = app.config["DATA_VERSION_LEASE"]
        self.version: tuple[str | None, float] = (None, -math.inf)

    def __call__(self, environ: dict[str, Any], start_response: Callable) -> Iterable[bytes]:
        request = request_key(environ)
        if request is None:
            return self.wsgi_app(environ, start_response)
        try:
            # one driver connection for the scan's reads: the data version, then a unit code's counter.
            # The version is read before the view reads the data: a change in between makes the kept answer
            # stale at once.
            with db.driver_connection(self.readers) as connection:
                # a request answered before for a unit code reads that code's counter with the version
                unit = self.units.get(request)
                generation = self.recorder.generation
                if unit is None:
                    version, counter = self._version(connection), None
                else:
                    began = time.monotonic()
                    version, counter = read_with_version(connection, unit)
                    self.version = (version, began)
                key = entry_key(request, version)
                kept = self.store.get(key)
                if kept is not None:
                    entry = Entry._make(kept)
                    address, agent = environ.get("REMOTE_ADDR"), environ.get("HTTP_USER_AGENT")
                    self.recorder.add(db.session, entry.code_id, address, agent, entry.kind)
                    if entry.pieces is not None:  # a unit code's page or JSON: this scan's counts go in
                        if len(self.units) >= UNITS_KNOWN:
                            self.units.clear()
                        self.units[request] = entry.code_id
                        counter = counter if unit == entry.code_id else None
                        return self._unit(entry, connection, counter, generation, start_response)
                    return self._replay(entry, environ, start_response)
        except Exception:  # the app answers instead, with its own error page if the database is down
            log.exception("page cache skipped")
            return self.wsgi_app(environ, start_response)
        finally:
            db.session.remove()
        return self._build(key, environ, start_response)

    def _version(self, connection: Any) -> str | None:
        """The data version, read again once the lease on the last read has run out: a writer answers only a
        lease after its commit (`audit.services.data_version`), so a change anyone has heard of is never older
        than a read still trusted. Most scans of a busy worker thus ask the database nothing."""
        version, began = self.version
        now = time.monotonic()
        if now - began < self.lease:
            return version
        version = data_version(connection)
        self.version = (version, now)
        return version

    def _build(self, key: str, environ: dict[str, Any], start_response: Callable) -> Iterable[bytes]:
        environ[_KEY] = key
        # the app builds the whole answer even for a revalidation (a 304 has no body to keep); the 304 is then
        # answered from what was kept, so a client that only revalidates gets one build, not one per request
        conditional = {name: environ.pop(name) for name in _CONDITIONAL if name in environ}
        started: dict[str, Any] = {}

        def capture(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
            started.update(status=status, headers=headers)
            if not conditional:
                return start_response(status, headers, exc_info)
            return lambda _data: None  # (answered below, with or without the body)

        body = self.wsgi_app(environ, capture)
        environ.update(conditional)
        offered: Offer | None = environ.get(OFFER)
        headers = started.get("headers", [])
        if offered is None or started.get("status") != "200 OK" or any(k.lower() == "set-cookie" for k, _ in headers):
            if conditional:  # not an answer to keep: pass it on as the app gave it
                content = _read(body)
                start_response(started["status"], headers)
                return [content]
            return body
        content = _read(body)
        names = {k.lower(): v for k, v in headers}
        etag = unquote_etag(names["etag"])[0] if "etag" in names else None
        modified = parse_date(names["last-modified"]) if "last-modified" in names else None
        whole = offered.pieces is None  # else the body is made per scan, around its counts
        pieces = offered.pieces and {  # page text as it is sent; slot names as they are
            verdict: tuple(piece.encode() if n % 2 == 0 else piece for n, piece in enumerate(cut_page))
            for verdict, cut_page in offered.pieces.items()
        }
        # a replay gets the server's date, never a stale one; a body made per scan its own length
        dropped = {"date"} if whole else {"date", "content-length"}
        headers = [(k, v) for k, v in headers if k.lower() not in dropped]
        entry = Entry(
            offered.code_id,
            str(offered.kind),
            offered.locale,
            pieces,
            offered.counts,
            offered.first.timestamp() if offered.first else None,
            offered.representation,
            started["status"],
            headers,
            content if whole else b"",
            etag,
            int(modified.timestamp()) if modified else None,
            _unchanged(headers),
        )
        try:
            self.store.set(key, tuple(entry))
        except Exception:  # a cache that cannot keep it (Redis down) costs a rebuild, not the answer
            log.exception("page not kept")
        if conditional:
            return self._replay(entry, environ, start_response)
        return [content]

    @staticmethod
    def _replay(entry: Entry, environ: dict[str, Any], start_response: Callable) -> Iterable[bytes]:
        given = environ.get("HTTP_IF_NONE_MATCH")
        if given is not None or "HTTP_IF_MODIFIED_SINCE" in environ:
            if entry.etag is not None and given == f'"{entry.etag}"':  # the ETag it was given, sent back as is
                unchanged = True
            else:  # any other validator, as HTTP compares them
                modified = entry.last_modified
                when = dt.datetime.fromtimestamp(modified, dt.UTC) if modified is not None else None
                unchanged = not is_resource_modified(environ, etag=entry.etag, last_modified=when)
            if unchanged:
                start_response("304 Not Modified", list(entry.unchanged))
                return []
        start_response(entry.status, list(entry.headers))
        return [entry.body]

    def _unit(
        self, entry: Entry, connection: Any, counter: tuple | None, generation: int, start_response: Callable
    ) -> Iterable[bytes]:
        """A unit code's kept page with this scan's counts: its counter row, the scans waiting in this worker.
        The counter read with the version (before this scan was recorded) serves unless this worker took its
        waiting scans to be written since (this scan's own write, or the timer's): those are then in neither
        the counter read nor the waiting list, so the counter is read again."""
        code_id = entry.code_id
        waiting = self.recorder.waiting(code_id)
        if waiting.generation != generation:
            counter = None
        verification = verify(connection, code_id, CodeKind.SERIAL, waiting, self.app.config, counter)
        body = counted(entry, verification)
        if body is None:
            pieces = entry.pieces[verification.suspected_copy]
            page = tuple(piece.decode() if n % 2 == 0 else piece for n, piece in enumerate(pieces))
            with self.app.app_context(), force_locale(entry.locale):
                body = fill(page, verification, entry.representation).encode()
        start_response(entry.status, [*entry.headers, ("Content-Length", str(len(body)))])
        return [body]
