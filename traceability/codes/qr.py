"""QR symbols: the module matrix, and PNG / SVG images of it. Pure functions: text in, bytes out.

Encoding uses the compiled zxing-cpp encoder: pure-Python encoders (qrcode, segno) take about 10 ms a symbol,
which makes a 10,000-label run take minutes; zxing-cpp takes about 0.4 ms (see scripts/bench_codes.py).
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass
from xml.sax.saxutils import escape

import zxingcpp
from PIL import Image

QUIET_ZONE = 4  # modules of white around the symbol, as ISO/IEC 18004 requires
EC_LEVELS = ("L", "M", "Q", "H")
DEFAULT_EC_LEVEL = "M"
MIN_SIZE, MAX_SIZE, DEFAULT_SIZE = 64, 2048, 512
_DARK_RUN = re.compile(rb"\x00+")  # zxing-cpp marks a dark module 0, a light one 255


@dataclass(frozen=True)
class QRMatrix:
    """A QR symbol without its quiet zone: `rows[y][x]` is 0 for a dark module."""

    size: int
    rows: tuple[bytes, ...]

    def runs(self) -> list[tuple[int, int, int]]:
        """Horizontal runs of dark modules as (x, y, length): what vector renderers draw."""
        return [(m.start(), y, m.end() - m.start()) for y, row in enumerate(self.rows) for m in _DARK_RUN.finditer(row)]


def encode(text: str, ec_level: str = DEFAULT_EC_LEVEL) -> QRMatrix:
    """The QR module matrix for `text` at the given error-correction level."""
    if ec_level not in EC_LEVELS:
        raise ValueError(f"error correction level must be one of {EC_LEVELS}")
    symbol = zxingcpp.create_barcode(text, zxingcpp.BarcodeFormat.QRCode, ec_level=ec_level)
    data = bytes(memoryview(symbol.to_image(scale=1, add_quiet_zones=False)))
    size = int(len(data) ** 0.5)
    return QRMatrix(size, tuple(data[y * size : (y + 1) * size] for y in range(size)))


def min_size(matrix: QRMatrix) -> int:
    """The smallest image (in pixels) that gives every module, quiet zone included, one whole pixel."""
    return matrix.size + 2 * QUIET_ZONE


def png(text: str, size: int = DEFAULT_SIZE, ec_level: str = DEFAULT_EC_LEVEL) -> bytes:
    """A square 1-bit PNG of `size` pixels. Modules are whole pixels; what is left over widens the quiet zone."""
    matrix = encode(text, ec_level)
    module = size // min_size(matrix)
    if module < 1:
        raise ValueError(f"at least {min_size(matrix)} pixels are needed for this code")
    symbol = Image.frombytes("L", (matrix.size, matrix.size), b"".join(matrix.rows))
    symbol = symbol.resize((matrix.size * module,) * 2, Image.Resampling.NEAREST)
    image = Image.new("1", (size, size), 1)
    offset = (size - matrix.size * module) // 2
    image.paste(symbol.convert("1"), (offset, offset))
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=True)
    return out.getvalue()


def svg(text: str, size: int = DEFAULT_SIZE, ec_level: str = DEFAULT_EC_LEVEL) -> str:
    """An SVG of `size` pixels drawn in module units, so it scales without blur; the quiet zone is kept."""
    matrix = encode(text, ec_level)
    side = min_size(matrix)
    path = "".join(f"M{x + QUIET_ZONE} {y + QUIET_ZONE}h{n}v1h-{n}z" for x, y, n in matrix.runs())
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{size}" height="{size}" viewBox="0 0 {side} {side}" '
        f'shape-rendering="crispEdges"><title>{escape(text)}</title>'
        f'<rect width="{side}" height="{side}" fill="#fff"/><path fill="#000" d="{path}"/></svg>'
    )
