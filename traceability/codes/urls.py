"""The URL inside a QR code, and reading one back: the registry's one reader of code URLs.

A product with a GTIN gets a GS1 Digital Link URI (`/01/{gtin14}/10/{lot}[/21/{serial}]`), which any GS1-aware
scanner understands; anything else gets the short form `/c/{code}`. Both lead to the same public page. The
resolver, the label checks and the inspectors' scanner all read links with `parse_link_path`/`parse_code_url`.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from functools import lru_cache
from typing import NamedTuple
from urllib.parse import quote, urlsplit

from biip import ParseError
from biip.gs1_digital_link_uris import GS1DigitalLinkURI
from biip.gs1_element_strings import GS1ElementString
from flask import current_app
from gs1.decompress.core_functions import decompress_gs1_digital_link

from traceability.batches.models import Batch
from traceability.codes.identifiers import normalise
from traceability.codes.models import Code, CodeKind


class CodeURLError(ValueError):
    """Not a URL this registry issues: the message says what is wrong (the resolver answers 400 with it)."""


class DigitalLink(NamedTuple):
    gtin: str  # always GTIN-14
    lot: str | None
    serial: str | None


def public_base_url() -> str:
    return current_app.config["PUBLIC_BASE_URL"].rstrip("/")


@lru_cache(maxsize=4096)
def fits_gs1(ai: str, value: str) -> bool:
    """Whether `value` is allowed in this GS1 application identifier (character set CSET 82 and length)."""
    try:
        GS1ElementString.parse(ai + value)
    except ParseError:
        return False
    return True


def link_maker(gtin: str | None, lot_code: str, base_url: str | None = None) -> Callable[[str, str], str]:
    """A function giving the URL of each code (value, kind) of a batch with this product GTIN and lot code.

    `base_url` None means the public base URL; "" gives a path on this server.
    """
    base = (public_base_url() if base_url is None else base_url).rstrip("/")
    if gtin and fits_gs1("10", lot_code):
        # percent-encode every character of CSET 82 that is not unreserved, as GS1 Digital Link requires
        lot_url = f"{base}/01/{gtin}/10/{quote(lot_code, safe='')}"

        def make(value: str, kind: str) -> str:
            return lot_url if kind == CodeKind.LOT else f"{lot_url}/21/{value}"

        return make
    return lambda value, _kind: f"{base}/c/{value}"


def url_maker(batch: Batch, base_url: str | None = None) -> Callable[[str, CodeKind], str]:
    """A function giving the URL of each code of this batch (the batch is looked at once, for long runs)."""
    return link_maker(batch.product.gtin, batch.lot_code, base_url)


def code_url(code: Code, base_url: str | None = None) -> str:
    """The URL a QR code for `code` carries (`base_url=""`: its path on this server)."""
    return url_maker(code.batch, base_url)(code.value, code.kind)


def parse_link_path(path: str) -> DigitalLink:
    """Read a GS1 Digital Link path `[prefix]/01/{gtin}[/22/{cpv}][/10/{lot}][/21/{serial}]`, still percent-encoded.

    Strict: the GTIN's check digit must be right (GTIN-8/12/13 are padded to 14 digits), qualifiers must come in
    the order 22 → 10 → 21, values must fit their GS1 character set and length; values come back decoded.
    Anything else raises `CodeURLError` saying what is wrong.
    """
    try:
        uri = GS1DigitalLinkURI.parse("https://resolver.invalid" + path)
    except ParseError as exc:
        raise CodeURLError(str(exc)) from exc
    values: dict[str, str] = {}
    gtin = None
    for element in uri.element_strings:
        if element.ai.ai == "01":
            if element.gtin is None:
                raise CodeURLError(element.gtin_error or "invalid GTIN")
            gtin = element.gtin.as_gtin_14()
        values[element.ai.ai] = element.value
    if gtin is None:
        raise CodeURLError("the primary key must be a GTIN (01)")
    return DigitalLink(gtin, values.get("10"), values.get("21"))


def parse_code_url(url: str) -> DigitalLink | str:
    """What a code URL names: a `DigitalLink` (GTIN-14, lot, serial) or a short code in canonical form.

    A Digital Link is read by `parse_link_path`; a short code (`…/c/{code}`) must carry the right check character
    (else `normalise` raises its `ValueError`). A path prefix before `/01/` or `/c/` is allowed; query
    parameters are left to the caller.
    """
    parts = urlsplit(url)
    if parts.scheme not in ("", "http", "https"):
        raise CodeURLError(f"not a web address: {url!r}")
    segments = parts.path.split("/")
    if len(segments) >= 3 and segments[-2] == "c":
        return normalise(segments[-1])
    return parse_link_path(parts.path)


# a compressed GS1 Digital Link path: one segment of base64url characters (GS1 Digital Link URI syntax, §10)
_COMPRESSED = re.compile(r"/[A-Za-z0-9_-]{6,}")
# the decompressor logs a stack trace for every input it cannot read, under the literal name "__name__"
logging.getLogger("__name__").setLevel(logging.CRITICAL)


def expand_compressed_path(path: str) -> str | None:
    """The uncompressed path (`/01/{gtin}/…`, percent-encoded) of a compressed GS1 Digital Link path, or None
    when the path is not one that names a GTIN (as `parse_link_path` reads it)."""
    if not _COMPRESSED.fullmatch(path):
        return None
    try:
        uri = decompress_gs1_digital_link("https://resolver.invalid" + path, False)
    except Exception:  # the decompressor raises whatever its parsing meets (ValueError, KeyError, IndexError…)
        return None
    expanded = urlsplit(uri or "").path
    try:
        parse_link_path(expanded)
    except CodeURLError:
        return None
    return expanded
