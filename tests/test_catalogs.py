"""Each catalog is complete: no empty or fuzzy entry, and every string marked in the code has its Vietnamese."""

from __future__ import annotations

from pathlib import Path

from babel.messages.pofile import read_po

from .test_vietnamese_pages import ROOT, _source_messages

CATALOGS = sorted(Path(ROOT, "traceability").glob("**/translations/vi/LC_MESSAGES/messages.po"))


def _entries():
    for path in CATALOGS:
        with path.open("rb") as handle:
            for message in read_po(handle):
                if message.id:
                    yield path.relative_to(ROOT), message


def test_no_catalog_has_an_empty_or_fuzzy_entry():
    assert len(CATALOGS) >= 9
    bad = [
        f"{path}: {message.id!r}"
        for path, message in _entries()
        if message.fuzzy
        or not message.string
        or (isinstance(message.string, tuple) and not all(message.string))
    ]
    assert bad == []


def test_every_marked_string_has_a_vietnamese_translation():
    translated = {m.id if isinstance(m.id, str) else m.id[0] for _path, m in _entries() if m.string}
    missing = sorted(m for m in _source_messages() if m not in translated)
    # a plural's second form is matched through its first
    plurals = {m.id[1] for _path, m in _entries() if isinstance(m.id, tuple)}
    assert [m for m in missing if m not in plurals] == []
