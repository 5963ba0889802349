"""QR images: what a phone's scanner reads back is exactly the URL; sizes, quiet zone, error correction."""

from __future__ import annotations

import io

import pytest
import zxingcpp
from PIL import Image

from traceability.codes import qr

from .conftest import decode_image, decode_png, rasterise_svg

pytestmark = pytest.mark.no_db
URL = "https://registry.example/01/08936012345001/10/TC-2026%2F11/21/7KQ2M9XH4TABC"


def test_png_decodes_to_exactly_the_url_at_the_asked_size():
    data = qr.png(URL, 300)
    image = Image.open(io.BytesIO(data))
    assert image.size == (300, 300)
    assert image.mode == "1"  # 1-bit: small files, crisp edges
    assert decode_png(data) == [URL]


def test_error_correction_is_m_unless_asked_otherwise():
    def level(data: bytes) -> str:
        return zxingcpp.read_barcode(Image.open(io.BytesIO(data)).convert("L")).ec_level

    assert level(qr.png(URL, 400)) == "M"
    assert level(qr.png(URL, 400, ec_level="H")) == "H"


def test_png_keeps_a_quiet_zone_of_four_modules():
    matrix = qr.encode(URL)
    size = qr.min_size(matrix) * 5  # 5 pixels a module, nothing left over
    image = Image.open(io.BytesIO(qr.png(URL, size))).convert("L")
    border = 4 * 5
    assert image.crop((0, 0, size, border)).getextrema() == (255, 255)
    assert image.crop((0, 0, border, size)).getextrema() == (255, 255)
    assert image.crop((0, size - border, size, size)).getextrema() == (255, 255)
    assert image.crop((border, border, border + 5, border + 5)).getextrema() == (0, 0)  # the finder's corner


def test_svg_rasterised_decodes_to_exactly_the_url():
    svg = qr.svg(URL, 400)
    assert 'width="400"' in svg and "<path" in svg  # vectors, not an embedded bitmap
    image = rasterise_svg(svg)
    assert image.size == (400, 400)
    assert decode_image(image) == [URL]


def test_an_image_too_small_for_the_code_is_refused():
    with pytest.raises(ValueError):
        qr.png(URL, qr.min_size(qr.encode(URL)) - 1)


def test_runs_cover_exactly_the_dark_modules():
    matrix = qr.encode("https://registry.example/c/7KQ2M9XH4TABC")
    dark = {(x, y) for y, row in enumerate(matrix.rows) for x, v in enumerate(row) if v == 0}
    drawn = {(x + i, y) for x, y, n in matrix.runs() for i in range(n)}
    assert drawn == dark
