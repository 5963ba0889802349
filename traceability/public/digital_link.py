"""GS1 Digital Link: reading a resolver path, writing a code's URL, and describing its links (RFC 9264).

biip parses the path (GTIN check digit, GTIN-8/12/13 padded to 14 digits, qualifiers in the order
22 → 10 → 21, each within its AI's length and character set); anything it refuses is a malformed path.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import quote

from biip import ParseError
from biip.gs1_digital_link_uris import GS1DigitalLinkURI

GS1_VOC = "https://gs1.org/voc/"
SAFE_AI_CHARS = "!'()*+,-.:;=_"  # kept literal in a path segment; '/' and '%' and the rest are escaped


class MalformedLink(ValueError):
    """Not a valid GS1 Digital Link path (the resolver answers 400)."""


@dataclass(frozen=True)
class DigitalLink:
    gtin: str  # always 14 digits
    lot: str | None = None
    serial: str | None = None


def parse_path(path: str) -> DigitalLink:
    """Read `/01/{gtin}[/22/{cpv}][/10/{lot}][/21/{serial}]`; raise MalformedLink saying what is wrong."""
    try:
        uri = GS1DigitalLinkURI.parse("https://resolver.invalid" + path)
    except ParseError as exc:
        raise MalformedLink(str(exc)) from exc
    values: dict[str, str] = {}
    gtin = None
    for element in uri.element_strings:
        if element.ai.ai == "01":
            if element.gtin is None:
                raise MalformedLink(element.gtin_error or "invalid GTIN")
            gtin = element.gtin.as_gtin_14()
        values[element.ai.ai] = element.value
    if gtin is None:
        raise MalformedLink("the primary key must be a GTIN (01)")
    return DigitalLink(gtin=gtin, lot=values.get("10"), serial=values.get("21"))


def build_path(gtin: str, lot: str | None = None, serial: str | None = None) -> str:
    """The canonical path: qualifiers in GS1 order, values percent-encoded."""
    path = f"/01/{gtin}"
    if lot is not None:
        path += "/10/" + quote(lot, safe=SAFE_AI_CHARS)
    if serial is not None:
        path += "/21/" + quote(serial, safe=SAFE_AI_CHARS)
    return path
