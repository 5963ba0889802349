"""Merge a dict of translations into a catalog: `python scripts/po_fill.py CATALOG.po TEMPLATE.pot MODULE.py`.

MODULE.py defines VI = {english: vietnamese}. Keeps existing translations; reports what is still missing.
"""

import runpy
import sys
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po, write_po

po_path, pot_path, module = (Path(a) for a in sys.argv[1:4])
translations = runpy.run_path(str(module))["VI"]
with open(pot_path, "rb") as f:
    template = read_po(f)
catalog = Catalog(locale="vi", domain="messages")
if po_path.exists():
    with open(po_path, "rb") as f:
        catalog = read_po(f, locale="vi")
catalog.update(template, no_fuzzy_matching=True)
for message in catalog:
    if message.id and message.id in translations:
        message.string = translations[message.id]
        message.flags.discard("fuzzy")
for key, value in translations.items():  # strings that come from libraries (marshmallow's stock messages)
    if key not in catalog:
        catalog.add(key, value)
catalog.fuzzy = False
missing = [m.id for m in catalog if m.id and not m.string]
po_path.parent.mkdir(parents=True, exist_ok=True)
with open(po_path, "wb") as f:
    write_po(f, catalog, omit_header=False, no_location=True, width=120)
print(f"{po_path}: {len(catalog)} messages, {len(missing)} untranslated")
for m in missing:
    print("  missing:", m)
