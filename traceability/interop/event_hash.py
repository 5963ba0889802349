"""GS1's EPCIS event hash library, imported without its side effect.

On import the library puts site-packages at the front of `sys.path` (its `context.py`), so a top-level package
installed by another dependency (gs1-compression installs one named `tests`) would then shadow a project's own
in every process started afterwards. The path is put back as it was.
"""

import sys

_path = list(sys.path)
from epcis_event_hash_generator.hash_generator import epcis_hashes_from_events  # noqa: E402
from epcis_event_hash_generator.json_to_py import event_list_from_epcis_document_json  # noqa: E402

sys.path[:] = _path

__all__ = ["epcis_hashes_from_events", "event_list_from_epcis_document_json"]
