"""A PDF written page by page straight to a binary stream, so a 100,000-label run never sits in memory.

reportlab's canvas keeps every page until `save()`; here each page's content goes out as soon as it is drawn
and only the pages' object numbers and file offsets are kept (a few bytes a page). The one font is a subset of
the bundled TrueType font, embedded once at the end, made by reportlab's TrueType subsetter.
"""

from __future__ import annotations

import zlib
from pathlib import Path
from typing import BinaryIO

from reportlab.pdfbase.ttfonts import TTFontFace

from traceability.config import PROJECT_ROOT

FONT_PATH = PROJECT_ROOT / "static" / "fonts" / "DejaVuSans.ttf"
A4 = (595.28, 841.89)  # points
_FF_SYMBOLIC, _FF_NONSYMBOLIC = 4, 32
# objects written last but named by every page: numbered first
_CATALOG, _PAGES, _FONT, _DESCRIPTOR, _FONT_FILE, _TO_UNICODE = range(1, 7)
_faces: dict[Path, TTFontFace] = {}


def _face(path: Path) -> TTFontFace:
    if path not in _faces:  # parsing the font takes ~20 ms; it never changes while the app runs
        _faces[path] = TTFontFace(str(path))
    return _faces[path]


class StreamingPDF:
    """One-font PDF writer. `characters` must hold every character the text will use (at most 255 distinct)."""

    def __init__(self, out: BinaryIO, characters: str, *, title: str = "", page_size=A4, font_path=FONT_PATH):
        self.out = out
        self.page_size = page_size
        self.title = title
        self.face = _face(Path(font_path))
        self.subset = sorted({ord(c) for c in characters} | {ord(" "), ord("?")})
        if len(self.subset) > 255:
            raise ValueError("too many different characters for one font subset")
        self.char_code = {chr(cp): i for i, cp in enumerate(self.subset)}
        self.widths = [self.face.getCharWidth(cp) for cp in self.subset]
        self.offsets: dict[int, int] = {}
        self.kids: list[int] = []
        self.next_number = _TO_UNICODE + 1
        self.position = 0
        self._write(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")

    # text ---------------------------------------------------------------------------------------------
    def text(self, value: str) -> bytes:
        """A PDF string operand for `value` in the subset's one-byte codes (characters outside it print as ?)."""
        codes = self.char_code
        fallback = codes["?"]
        return b"<" + bytes(codes.get(c, fallback) for c in value).hex().encode() + b">"

    def string_width(self, value: str, size: float) -> float:
        codes, widths = self.char_code, self.widths
        fallback = codes["?"]
        return sum(widths[codes.get(c, fallback)] for c in value) * size / 1000

    # pages --------------------------------------------------------------------------------------------
    def add_page(self, content: bytes) -> None:
        """Write one page whose content stream is `content` (font resource /F1), and forget it."""
        stream_number, page_number = self._reserve(), self._reserve()
        self._write(b"%%label-page %d\n" % (len(self.kids) + 1))  # a comment: lets a client show progress
        data = zlib.compress(content, 6)
        self._object(
            stream_number, b"<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(data), data, b"\nendstream"
        )
        width, height = self.page_size
        self._object(
            page_number,
            b"<< /Type /Page /Parent %d 0 R /MediaBox [0 0 %.2f %.2f] /Contents %d 0 R "
            b"/Resources << /Font << /F1 %d 0 R >> >> >>" % (_PAGES, width, height, stream_number, _FONT),
        )
        self.kids.append(page_number)

    def close(self) -> None:
        """Write the font, the page tree and the cross-reference table. The stream stays open."""
        self._write_font()
        kids = b" ".join(b"%d 0 R" % n for n in self.kids)
        self._object(_PAGES, b"<< /Type /Pages /Kids [%s] /Count %d >>" % (kids, len(self.kids)))
        self._object(_CATALOG, b"<< /Type /Catalog /Pages %d 0 R >>" % _PAGES)
        info = self._reserve()
        self._object(info, b"<< /Producer (traceability registry) /Title %s >>" % self._utf16(self.title))
        xref_at = self.position
        count = self.next_number
        lines = [b"xref\n0 %d\n0000000000 65535 f \n" % count]
        lines += [b"%010d 00000 n \n" % self.offsets[n] for n in range(1, count)]
        self._write(b"".join(lines))
        self._write(
            b"trailer\n<< /Size %d /Root %d 0 R /Info %d 0 R >>\nstartxref\n%d\n%%%%EOF\n"
            % (count, _CATALOG, info, xref_at)
        )

    # internals ----------------------------------------------------------------------------------------
    def _write_font(self) -> None:
        face = self.face
        name = b"AAAAAA+" + face.name + face.subfontNameX
        font_file = face.makeSubset(self.subset)
        data = zlib.compress(font_file, 6)
        self._object(
            _FONT_FILE,
            b"<< /Length %d /Length1 %d /Filter /FlateDecode >>\nstream\n" % (len(data), len(font_file)),
            data,
            b"\nendstream",
        )
        flags = (face.flags & ~_FF_NONSYMBOLIC) | _FF_SYMBOLIC
        bbox = b" ".join(b"%d" % round(v) for v in face.bbox)
        self._object(
            _DESCRIPTOR,
            b"<< /Type /FontDescriptor /FontName /%s /Flags %d /FontBBox [%s] /ItalicAngle %d /Ascent %d "
            b"/Descent %d /CapHeight %d /StemV %d /MissingWidth %d /FontFile2 %d 0 R >>"
            % (
                name,
                flags,
                bbox,
                round(face.italicAngle),
                round(face.ascent),
                round(face.descent),
                round(face.capHeight),
                round(face.stemV),
                round(face.defaultWidth),
                _FONT_FILE,
            ),
        )
        cmap = _to_unicode_cmap(self.subset)
        self._object(_TO_UNICODE, b"<< /Length %d >>\nstream\n" % len(cmap), cmap, b"\nendstream")
        widths = b" ".join(b"%d" % round(w) for w in self.widths)
        self._object(
            _FONT,
            b"<< /Type /Font /Subtype /TrueType /BaseFont /%s /FirstChar 0 /LastChar %d /Widths [%s] "
            b"/FontDescriptor %d 0 R /ToUnicode %d 0 R >>"
            % (name, len(self.subset) - 1, widths, _DESCRIPTOR, _TO_UNICODE),
        )

    def _reserve(self) -> int:
        self.next_number += 1
        return self.next_number - 1

    def _object(self, number: int, *parts: bytes) -> None:
        self.offsets[number] = self.position
        self._write(b"%d 0 obj\n" % number + b"".join(parts) + b"\nendobj\n")

    def _write(self, data: bytes) -> None:
        self.out.write(data)
        self.position += len(data)

    @staticmethod
    def _utf16(value: str) -> bytes:
        return b"<FEFF" + value.encode("utf-16-be").hex().upper().encode() + b">"


def _to_unicode_cmap(subset: list[int]) -> bytes:
    """Lets viewers copy and search the text: one-byte code → Unicode."""
    entries = [f"<{i:02X}> <{cp:04X}>" for i, cp in enumerate(subset)]
    blocks = "".join(  # at most 100 entries a block
        f"{len(entries[i : i + 100])} beginbfchar\n" + "\n".join(entries[i : i + 100]) + "\nendbfchar\n"
        for i in range(0, len(entries), 100)
    )
    return (
        "/CIDInit /ProcSet findresource begin\n12 dict begin\nbegincmap\n"
        "/CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def\n"
        "/CMapName /Adobe-Identity-UCS def\n/CMapType 2 def\n"
        f"1 begincodespacerange\n<00> <FF>\nendcodespacerange\n{blocks}"
        "endcmap\nCMapName currentdict /CMap defineresource pop\nend\nend"
    ).encode()
