"""GS1's resolver test suite (github.com/gs1/GS1DL-resolver-testsuite, GS1DigitalLinkResolverTestSuite.js), check
by check, against the app: for a lot URI, a serial URI and a GTIN-only URI.

Each test names the suite's check (its `id`) and states the conformance criterion it tests. Checks of the
transport, which the Flask app does not choose, are not here: `tlsOK` (HTTPS is the proxy's), `httpVersion`
(gunicorn speaks HTTP/1.1). `linkTypesDefined` compares with GS1's ratified list online; here with the link types
of the GS1 Web Vocabulary the registry uses (each looked up at ref.gs1.org/voc when chosen).

One deliberate difference: GS1's `defaultTarget` wants the plain URI to redirect to the default link. This
registry serves the consumer's page itself at the Digital Link URI (one round trip on a slow phone network, and
the address printed on millions of labels is the page); its default link is that very URI, and the test below
checks the URI answers the page directly (docs/decisions.md).
"""

from __future__ import annotations

import re
from urllib.parse import quote

import jsonschema
import pytest
from biip.gs1_digital_link_uris import GS1DigitalLinkURI
from gs1.compress.core_functions import compress_gs1_digital_link

GTIN = "08936012345001"
BASE = "https://registry.example"  # PUBLIC_BASE_URL of the test app
ORIGIN = {"Origin": "https://ref.gs1.org/test-suites/resolver/"}
LINKSET = "application/linkset+json"

# 'RE2' of GS1 Digital Link URI syntax 1.2 (uncompressed, no convenience alphas), case-insensitive as in the suite
PLAUSIBLE_DL = re.compile(
    r"^https?:(//((([^/?#]*)@)?([^/?#:]*)(:([^/?#]*))?))?([^?#]*)(((/(01|8006|8013|8010|414|417|8017|8018|255|00|253"
    r"|401|402|8003|8004)/)(\d{4}[^/]+)(/[^/]+/[^/]+)?[/]?(\?([^?\n]*))?(#([^\n]*))?))",
    re.IGNORECASE,
)
# GS1 Web Vocabulary link types this resolver uses (all ratified, status "stable", at https://ref.gs1.org/voc/)
RATIFIED_USED = {"defaultLink", "pip", "traceability", "certificationInfo", "recallStatus", "verificationService",
                 "masterData"}  # fmt: skip

# The constraints GS1's published linkset schema (https://gs1.github.io/linkset/gs1-linkset-schema.json, which
# the suite fetches) puts on a link set, restated: RFC 9264 JSON, every context object with an anchor and an
# item description, link types as lower-case names or IRIs, each link with a title, optional hreflang, type…
LINK = {
    "type": "object",
    "properties": {
        "href": {"type": "string", "pattern": "^https?://[a-zA-Z0-9./]+"},
        "title": {"type": "string"},
        "hreflang": {"type": "array", "items": {"type": "string", "pattern": r"(^\w{2}$)|(^\w{2}-\w{2}$)"}},
        "type": {"type": "string", "pattern": r"\w+/[-+.\w]+"},
        "context": {"type": "array"},
        "fwqs": {"type": "boolean"},
        "public": {"type": "boolean"},
    },
    "required": ["href", "title"],
    "additionalProperties": False,
}
LINK_TYPE_KEY = r"(?!(anchor|itemDescription))^([a-z-]+$)|(^https?://[a-zA-Z0-9./]+$)"
LINKSET_SCHEMA = {
    "$schema": "http://json-schema.org/draft-07/schema#",
    "type": "object",
    "properties": {
        "linkset": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {
                    "anchor": {"type": "string", "pattern": "^https?://[a-zA-Z0-9./]+"},
                    "itemDescription": {"type": "string"},
                },
                # (any other member: a link type, as a lower-case name or an IRI)
                "patternProperties": {LINK_TYPE_KEY: {"type": "array", "items": LINK}},
                "required": ["anchor", "itemDescription"],
                "additionalProperties": False,
            },
        }
    },
    "required": ["linkset"],
    "additionalProperties": False,
}


@pytest.fixture(params=["lot", "serial", "gtin"])
def dl(request, published, serial_code) -> str:
    """The GS1 Digital Link URI under test (what the suite is given), for a registered lot, unit and product."""
    batch, _code = published(gtin=GTIN, lot_code="TN/2026-7")
    lot_uri = f"{BASE}/01/{GTIN}/10/{quote(batch.lot_code, safe='')}"
    if request.param == "lot":
        return lot_uri
    if request.param == "serial":
        return f"{lot_uri}/21/{serial_code(batch).value}"
    return f"{BASE}/01/{GTIN}"


def path(uri: str) -> str:
    return uri.removeprefix(BASE)


def strip_query(uri: str) -> str:
    return uri.split("?", 1)[0]


def get(client, uri: str, **headers: str):
    """What the suite's PHP helper does: one request with its Origin header, redirects not followed."""
    return client.get(path(uri), headers={**ORIGIN, **headers})


def test_isURL_isHttps_plausibleDL_validDL(dl):
    """The given URI is an HTTPS URL of a dotted domain, plausibly (RE2) and truly a GS1 Digital Link URI, with
    exactly one primary key, and the GTIN written with its 14 digits."""
    assert dl.startswith("https://") and "." in dl.split("/")[2]
    assert PLAUSIBLE_DL.match(dl)
    parsed = GS1DigitalLinkURI.parse(dl)
    assert [e.ai.ai for e in parsed.element_strings if e.ai.ai in ("01", "414", "00")] == ["01"]
    assert f"/01/{GTIN}" in dl


def test_basicWalkUp(client, dl):
    """For each supported primary key, a resolver SHALL support all its key qualifiers: an unknown lot of a known
    GTIN answers (walking up the tree), not 404."""
    gtin_uri = dl[: dl.index(GTIN) + 14]
    assert get(client, f"{gtin_uri}/10/KL8G").status_code != 404


def test_rdFile(client):
    """SHALL provide a resolver description file at /.well-known/gs1resolver (fetched by a browser: CORS)."""
    response = client.get("/.well-known/gs1resolver", headers={**ORIGIN, "Accept": "application/json"})
    assert response.status_code == 200 and response.mimetype == "application/json"
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    description = response.get_json()
    assert description["supportedPrimaryKeys"] and re.match(r"^https?://", description["resolverRoot"])


def test_corsCheck_methodsCheck_linkOnRedirect_legacyLinkHeaders(client, dl):
    """SHALL support CORS; SHALL support GET, HEAD and OPTIONS; SHOULD expose the link to the link set in a Link
    header; no gs1: links in the Link header (deprecated in resolver 1.0.0)."""
    response = client.options(
        path(strip_query(dl)), headers={**ORIGIN, "Access-Control-Request-Method": "GET,HEAD,OPTIONS"}
    )
    assert response.headers.get("Access-Control-Allow-Origin")
    methods = response.headers["Access-Control-Allow-Methods"]
    assert "GET" in methods and "HEAD" in methods and "OPTIONS" in methods
    links = response.headers["Link"]
    assert 'rel="linkset"' in links
    assert 'rel="gs1:' not in links
    assert client.head(path(dl), headers=ORIGIN).status_code == 200


def test_reportWith400_noErrorWith200(client, dl):
    """SHALL syntactically validate the URI and report errors with 400; SHALL NOT use 200 for an error."""
    response = get(client, strip_query(dl) + "/foo")
    assert response.status_code == 400
    assert response.headers["Access-Control-Allow-Origin"] == "*"


def test_trailingSlash(client, dl):
    """SHOULD tolerate trailing slashes: the same answer with and without one."""
    plain, slashed = get(client, strip_query(dl)), get(client, strip_query(dl) + "/")
    assert plain.status_code == slashed.status_code == 200
    assert plain.headers.get("Location") == slashed.headers.get("Location")
    assert plain.mimetype == slashed.mimetype == "text/html"


def test_qsPassedOn(client, dl):
    """By default, SHALL pass on all key=value pairs of the query string when redirecting. The plain URI is not
    redirected (it is the page); a redirect to a link does pass the query on."""
    assert get(client, dl + "?foo=bar").status_code == 200
    response = get(client, dl + "?linkType=gs1:pip&foo=bar")
    assert response.status_code == 307 and "foo=bar" in response.headers["Location"]
    assert "linkType" not in response.headers["Location"]


@pytest.mark.parametrize("query", ["linkType=linkset", "linkType=all"])
def test_ltLinksetNoRedirect_ltAllNoRedirect(client, dl, query):
    """On a request for the link set with linkType=linkset (or the deprecated all), the resolver SHALL NOT
    redirect and SHALL return the link set."""
    response = get(client, f"{dl}?{query}")
    assert response.status_code == 200 and "Location" not in response.headers
    assert response.mimetype == LINKSET and response.get_json()["linkset"]


def test_ltAcceptHeader(client, dl):
    """With Accept: application/linkset+json the resolver SHALL NOT redirect and SHALL return the link set."""
    for uri in (dl, dl + "?linkType=all"):
        response = get(client, uri, Accept=LINKSET)
        assert response.status_code == 200 and response.mimetype == LINKSET


def linkset_of(client, dl: str):
    return get(client, strip_query(dl), Accept=LINKSET)


def test_validLinkset_linksetJsonldCheck_declaredContentType(client, dl):
    """The link set SHALL be valid against GS1's linkset schema, served as application/linkset+json, with a
    Link header to a JSON-LD context."""
    response = linkset_of(client, dl)
    jsonschema.validate(response.get_json(), LINKSET_SCHEMA)
    assert response.headers["Content-Type"].startswith(LINKSET)
    contexts = [
        link
        for link in response.headers["Link"].split(",")
        if 'rel="http://www.w3.org/ns/json-ld#context"' in link and 'type="application/ld+json"' in link
    ]
    assert contexts


def test_specificLinkTypeNotFound(client, dl):
    """If the requested type of link is not available, the resolver SHALL return 404 Not Found."""
    assert get(client, dl + "?linkType=gs1:nosuchlt").status_code == 404
    assert get(client, dl + "?linkType=gs1:nosuchlt", Accept="application/json").get_json()["reason"] == "no_link"


def gs1_links(client, dl: str) -> dict[str, list[dict]]:
    """The suite's walk through the link set: link types of the most granular anchor matching the URI (then its
    parents, two segments at a time), with the three GS1 namespaces read as `gs1:`."""
    entries = linkset_of(client, dl).get_json()["linkset"]
    found: dict[str, list[dict]] = {}
    current = strip_query(dl)
    while len(path(current).split("/")) > 2:  # down to /01/{gtin}, the least granular
        for entry in entries:
            if entry["anchor"] == current:
                for key, links in entry.items():
                    name = re.sub(r"^https://((ref\.)|(www\.))?gs1\.org/voc/", "gs1:", key)
                    if key not in ("anchor", "itemDescription", "description") and name not in found:
                        found[name] = links
        current = current.rsplit("/", 2)[0]
    return found


def test_defaultLinkExists_singleDefaulLink_defaultTarget(client, dl):
    """Exactly one default link, with a title and no other attribute; the resolver answers it for the plain URI
    (here the default link is the URI itself, answered directly: see the module's docstring)."""
    links = gs1_links(client, dl)
    assert len(links["gs1:defaultLink"]) == 1
    default = links["gs1:defaultLink"][0]
    assert set(default) == {"href", "title"} and default["title"]
    assert default["href"] == strip_query(dl)
    response = get(client, default["href"])
    assert response.status_code == 200 and response.mimetype == "text/html"


def test_loFor_each_link_type(client, dl):
    """If the requested type of link is available, the resolver SHALL redirect to it; of several links of one
    type, the one matching the request's Accept and Accept-Language; identical ones would need a 300."""
    links = gs1_links(client, dl)
    checked = 0
    for link_type, targets in links.items():
        if link_type in ("gs1:defaultLink", "gs1:defaultLinkMulti"):
            continue
        attributes = [(t.get("type"), tuple(t.get("hreflang", ())), str(t.get("context"))) for t in targets]
        assert len(set(attributes)) == len(attributes), f"{link_type}: links no request can tell apart (300)"
        for target in targets:
            headers = {}
            if len(targets) > 1 and target.get("type"):
                headers["Accept"] = target["type"]
            if len(targets) > 1 and target.get("hreflang"):
                headers["Accept-Language"] = target["hreflang"][0]
            response = get(client, f"{strip_query(dl)}?linkType={quote(link_type)}", **headers)
            assert response.status_code in (301, 302, 303, 307, 308), link_type
            assert strip_query(response.headers["Location"]).split("#")[0] == target["href"].split("#")[0]
            assert response.headers["Location"] == target["href"], link_type
            checked += 1
    assert checked >= 2


def test_linkTypesDefined(client, dl):
    """Link types SHOULD be URIs defined in the GS1 Web Vocabulary."""
    names = {name.removeprefix("gs1:") for name in gs1_links(client, dl)}
    assert names and names <= RATIFIED_USED


def test_link_types_by_any_of_the_three_namespaces(client, dl):
    """`linkType` may name a GS1 link type by CURIE or by any of the vocabulary's namespaces."""
    for name in ("gs1:pip", "https://gs1.org/voc/pip", "https://ref.gs1.org/voc/pip", "https://www.gs1.org/voc/pip"):
        response = get(client, f"{dl}?linkType={quote(name, safe='')}")
        assert response.status_code == 307 and response.headers["Location"] == strip_query(dl)
    assert get(client, f"{dl}?linkType=pip").status_code == 404  # a bare word names no GS1 link type


def test_compressed_uri_is_expanded_with_owl_sameAs(client, dl):
    """SHALL decompress a compressed URI, and expose the uncompressed URI in a Link header, rel="owl:sameAs"."""
    compressed = compress_gs1_digital_link(dl)
    assert compressed.count("/") == 3 and "/01/" not in compressed
    for accept in ("text/html", "application/json", LINKSET):
        response = get(client, compressed, Accept=accept)
        assert response.status_code == 200 and response.mimetype == accept
        assert f'<{dl}>; rel="owl:sameAs"' in response.headers["Link"]
        assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert get(client, compressed, Accept=LINKSET).get_json() == linkset_of(client, dl).get_json()
