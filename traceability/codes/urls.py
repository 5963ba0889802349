"""The URL inside a QR code, and reading one back.

A product with a GTIN gets a GS1 Digital Link URI (`/01/{gtin14}/10/{lot}[/21/{serial}]`), which any GS1-aware
scanner understands; anything else gets the short form `/c/{code}`. Both lead to the same public page.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import NamedTuple
from urllib.parse import quote, urlsplit

from biip import ParseError
from biip.gs1_digital_link_uris import GS1DigitalLinkURI
from biip.gs1_element_strings import GS1ElementString
from biip.gtin import Gtin
from flask import current_app

from traceability.batches.models import Batch
from traceability.codes.identifiers import normalise
from traceability.codes.models import Code, CodeKind


class CodeURLError(ValueError):
    """Not a URL this registry issues: the message says what is wrong."""


class DigitalLink(NamedTuple):
    gtin: str  # always GTIN-14
    lot: str | None
    serial: str | None


def public_base_url() -> str:
    return current_app.config["PUBLIC_BASE_URL"].rstrip("/")


def fits_gs1(ai: str, value: str) -> bool:
    """Whether `value` is allowed in this GS1 application identifier (character set CSET 82 and length)."""
    try:
        GS1ElementString.parse(ai + value)
    except ParseError:
        return False
    return True


def url_maker(batch: Batch, base_url: str | None = None) -> Callable[[str, CodeKind], str]:
    """A function giving the URL of each code of this batch (the batch is looked at once, for long runs)."""
    base = (base_url or public_base_url()).rstrip("/")
    gtin = batch.product.gtin
    if gtin and fits_gs1("10", batch.lot_code):
        # percent-encode every character of CSET 82 that is not unreserved, as GS1 Digital Link requires
        lot_url = f"{base}/01/{gtin}/10/{quote(batch.lot_code, safe='')}"

        def make(value: str, kind: CodeKind) -> str:
            return lot_url if kind == CodeKind.LOT else f"{lot_url}/21/{value}"

        return make
    return lambda value, _kind: f"{base}/c/{value}"


def code_url(code: Code, base_url: str | None = None) -> str:
    """The URL a QR code for `code` carries."""
    return url_maker(code.batch, base_url)(code.value, code.kind)


def parse_code_url(url: str) -> DigitalLink | str:
    """What a code URL names: a `DigitalLink` (GTIN-14, lot, serial) or a short code in canonical form.

    Strict: the GTIN's check digit must be right (GTIN-8/12/13 are padded to 14 digits), qualifiers must come in
    the order 22 → 10 → 21, values must fit their GS1 character set and length; a short code must carry the right
    check character. Anything else raises `CodeURLError` (or a `ValueError` from `normalise`). A path prefix
    before `/01/` or `/c/` is allowed; query parameters are left to the caller.
    """
    parts = urlsplit(url)
    if parts.scheme not in ("", "http", "https"):
        raise CodeURLError(f"not a web address: {url!r}")
    segments = parts.path.split("/")
    if len(segments) >= 3 and segments[-2] == "c":
        return normalise(segments[-1])
    try:
        link = GS1DigitalLinkURI.parse(f"https://{parts.netloc or 'host'}{parts.path}")
    except ParseError as exc:
        raise CodeURLError(str(exc)) from exc
    found = {element.ai.ai: element.value for element in link.element_strings}
    if "01" not in found:
        raise CodeURLError("only GTIN (01) links name products here")
    try:
        gtin = Gtin.parse(found["01"]).as_gtin_14()
    except ParseError as exc:
        raise CodeURLError(str(exc)) from exc
    return DigitalLink(gtin, found.get("10"), found.get("21"))
