"""A4 label sheets: each label carries the QR code (drawn as vector paths), the product name, the lot, the expiry
date, the producer and the code in grouped text, and along its foot the address where the code can be typed by
someone who cannot scan. Pages are written as they are filled (see pdfstream), so a long run of
serial codes needs no more memory than a short one.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from traceability.codes import qr
from traceability.codes.identifiers import ALPHABET, CODE_LENGTH
from traceability.codes.pdfstream import A4, StreamingPDF

MM = 72 / 25.4
_DARK_RUN = re.compile(rb"\x00+")
# labels per page → (columns, rows): the common A4 label-stock grids
GRIDS = {10: (2, 5), 24: (3, 8), 40: (4, 10)}
DEFAULT_PER_PAGE = 24
MARGIN = 8 * MM
PADDING = 2 * MM
ELLIPSIS = "…"


@dataclass(frozen=True)
class LabelText:
    """The lines every label of the run shares (already translated and formatted)."""

    product: str
    lot: str
    expiry: str | None
    producer: str = ""
    address: str = ""  # where to type the code: "Nhập mã tại truyxuat.example.vn"


@dataclass(frozen=True)
class Layout:
    columns: int
    rows: int
    cell_width: float
    cell_height: float
    qr_side: float  # the QR with its quiet zone
    font_size: float
    foot: float  # the strip along the label's foot, under the QR and the code, for the address line

    @classmethod
    def for_grid(cls, per_page: int) -> Layout:
        columns, rows = GRIDS[per_page]
        width, height = A4
        cell_width = (width - 2 * MARGIN) / columns
        cell_height = (height - 2 * MARGIN) / rows
        font_size = min(12.0, cell_height / 12)
        foot = font_size * 0.85 * 1.2
        qr_side = min(cell_height - 2 * PADDING - foot, cell_width * 0.55)
        return cls(columns, rows, cell_width, cell_height, qr_side, font_size, foot)

    def origin(self, index: int) -> tuple[float, float]:
        """Bottom-left corner of the index-th label on a page, filled row by row from the top."""
        row, column = divmod(index, self.columns)
        return MARGIN + column * self.cell_width, A4[1] - MARGIN - (row + 1) * self.cell_height


def pages_needed(count: int, per_page: int) -> int:
    return max(1, -(-count // per_page))


def label_sheet_chunks(
    entries: Iterable[tuple[str, str]], text: LabelText, per_page: int = DEFAULT_PER_PAGE, title: str = ""
) -> Iterator[bytes]:
    """The PDF for `entries`, yielded a page at a time (for a streamed download)."""
    layout = Layout.for_grid(per_page)
    characters = "".join(
        [text.product, text.lot, text.expiry or "", text.producer, text.address, ALPHABET, "-", ELLIPSIS]
    )
    buffer = io.BytesIO()
    pdf = StreamingPDF(buffer, characters, title=title)
    shared = _shared_text(pdf, layout, text)
    grid = _cut_lines(layout)
    code_line = _CodeLine(pdf, layout)
    page: list[bytes] = [grid]
    on_page = count = 0
    for url, printed in entries:
        x, y = layout.origin(on_page)
        page.append(b"q 1 0 0 1 %.2f %.2f cm\n" % (x, y))
        page.append(shared)
        page.append(_qr_paths(qr.encode(url), layout))
        page.append(code_line(printed))
        page.append(b"Q\n")
        on_page += 1
        count += 1
        if on_page == per_page:
            pdf.add_page(b"".join(page))
            page, on_page = [grid], 0
            yield _drain(buffer)
    if on_page or count == 0:
        pdf.add_page(b"".join(page))
    pdf.close()
    yield _drain(buffer)


def _drain(buffer: io.BytesIO) -> bytes:
    data = buffer.getvalue()
    buffer.seek(0)
    buffer.truncate()
    return data


def _qr_paths(matrix: qr.QRMatrix, layout: Layout) -> bytes:
    """The symbol as filled rectangles, one path per module row, in module units (y growing downwards).

    Each row is cut into 8-module pieces whose rectangles come from a small cache: a piece holds one of only
    256 patterns, so drawing ten thousand symbols formats a few thousand operators instead of millions.
    """
    module = layout.qr_side / (matrix.size + 2 * qr.QUIET_ZONE)
    left = PADDING + qr.QUIET_ZONE * module
    top = layout.foot + (layout.cell_height - layout.foot + layout.qr_side) / 2 - qr.QUIET_ZONE * module
    parts = [b"q %.4f 0 0 %.4f %.2f %.2f cm\n" % (module, -module, left, top)]
    piece = _PIECES.__getitem__
    starts = range(0, matrix.size, 8)
    for row in matrix.rows:
        ops = b"".join([piece((x, row[x : x + 8])) for x in starts])
        if ops:
            parts.append(ops)
            parts.append(b"f ")
        parts.append(b"1 0 0 1 0 1 cm\n")  # next row (a path may not span a change of coordinates)
    parts.append(b"Q\n")
    return b"".join(parts)


class _PieceCache(dict):
    """(x, 8 modules of a row) → their rectangles; at most 256 entries per x."""

    def __missing__(self, key: tuple[int, bytes]) -> bytes:
        x, piece = key
        ops = b"".join(b"%d 0 %d 1 re " % (x + m.start(), m.end() - m.start()) for m in _DARK_RUN.finditer(piece))
        self[key] = ops
        return ops


_PIECES = _PieceCache()


def _text_x(layout: Layout) -> float:
    return PADDING + layout.qr_side + PADDING / 2


def _shared_text(pdf: StreamingPDF, layout: Layout, text: LabelText) -> bytes:
    """The text that is the same on every label, drawn once per label from precomputed operators."""
    size = layout.font_size
    x = _text_x(layout)
    room = layout.cell_width - x - PADDING
    lines = [(line, size) for line in _wrap(pdf, text.product, size, room, max_lines=2)]
    small = [_fit(pdf, line, size * 0.9, room) for line in (text.lot, text.expiry) if line]
    small += _wrap(pdf, text.producer, size * 0.9, room, max_lines=2) if text.producer else []
    lines += [(line, size * 0.9) for line in small]
    y = layout.cell_height - PADDING - size
    out = [b"BT\n"]
    for line, line_size in lines:
        out.append(b"/F1 %.2f Tf 1 0 0 1 %.2f %.2f Tm %s Tj\n" % (line_size, x, y, pdf.text(line)))
        y -= line_size * 1.25
    if text.address:
        # the whole address or nothing typed works: set smaller to fit the label's width, never cut
        room = layout.cell_width - 2 * PADDING
        foot_size = min(size * 0.85, room / max(pdf.string_width(text.address, 1), 1e-6))
        out.append(
            b"/F1 %.2f Tf 1 0 0 1 %.2f %.2f Tm %s Tj\n" % (foot_size, PADDING, PADDING, pdf.text(text.address))
        )
    out.append(b"ET\n")
    return b"".join(out)


class _CodeLine:
    """The grouped code at the foot of a label: one size on every label, fitted to a code of average letters;
    the rare code of wide letters (W, M …) that would not fit is set a little smaller."""

    def __init__(self, pdf: StreamingPDF, layout: Layout):
        self.pdf = pdf
        self.x = _text_x(layout)
        self.foot = layout.foot
        self.room = layout.cell_width - self.x - PADDING
        average = sum(pdf.string_width(c, 1) for c in ALPHABET) / len(ALPHABET)
        self.size = min(layout.font_size * 1.1, self.room / (average * CODE_LENGTH + pdf.string_width("---", 1)))

    def __call__(self, printed: str) -> bytes:
        size = min(self.size, self.room / self.pdf.string_width(printed, 1))
        return b"BT /F1 %.2f Tf 1 0 0 1 %.2f %.2f Tm %s Tj ET\n" % (
            size,
            self.x,
            PADDING + self.foot + self.size * 0.3,
            self.pdf.text(printed),
        )


def _cut_lines(layout: Layout) -> bytes:
    """Light grey lines between labels, to cut plain paper along."""
    width, height = A4
    ops = [b"q 0.8 G 0.3 w\n"]
    for column in range(layout.columns + 1):
        x = MARGIN + column * layout.cell_width
        ops.append(b"%.2f %.2f m %.2f %.2f l\n" % (x, MARGIN, x, height - MARGIN))
    for row in range(layout.rows + 1):
        y = MARGIN + row * layout.cell_height
        ops.append(b"%.2f %.2f m %.2f %.2f l\n" % (MARGIN, y, width - MARGIN, y))
    ops.append(b"S Q\n")
    return b"".join(ops)


def _fit(pdf: StreamingPDF, line: str, size: float, room: float) -> str:
    """The line, shortened with an ellipsis if it is wider than `room`."""
    if pdf.string_width(line, size) <= room:
        return line
    while line and pdf.string_width(line + ELLIPSIS, size) > room:
        line = line[:-1]
    return line.rstrip() + ELLIPSIS


def _wrap(pdf: StreamingPDF, value: str, size: float, room: float, max_lines: int) -> list[str]:
    lines: list[str] = []
    words = value.split()
    while words and len(lines) < max_lines:
        line = words.pop(0)
        while words and pdf.string_width(f"{line} {words[0]}", size) <= room:
            line = f"{line} {words.pop(0)}"
        lines.append(line)
    if words:  # more than fits: the last line ends in an ellipsis
        lines[-1] = _fit(pdf, f"{lines[-1]} {' '.join(words)}", size, room)
    return [_fit(pdf, line, size, room) for line in lines]
