"""Matching names as people type them: without accents, in any case ("tan cuong" finds "Tân Cương")."""

from __future__ import annotations

import unicodedata


def fold(text: str | None) -> str:
    """The text in lower case without diacritics; đ/Đ, which Unicode does not decompose, become d."""
    if not text:
        return ""
    text = text.replace("đ", "d").replace("Đ", "d")
    decomposed = unicodedata.normalize("NFD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()
