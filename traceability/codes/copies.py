"""When a unit (serial) code looks copied: one rule for the consumer page's warning and the inspectors' queue.

A unit code belongs to one package, so many scans of it, or scans from many different clients, suggest the code
was printed on other packages too. Lot codes are shared by every package of a batch: the rule never applies to
them. Both thresholds come from the configuration (`COPY_SCAN_THRESHOLD`, `COPY_CLIENT_THRESHOLD`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, or_


@dataclass(frozen=True)
class CopyThresholds:
    scans: int  # more scans than this…
    clients: int  # …or more distinct client hashes than this, and the code looks copied

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> CopyThresholds:
        return cls(scans=config["COPY_SCAN_THRESHOLD"], clients=config["COPY_CLIENT_THRESHOLD"])

    def exceeded(self, scans: int, clients: int) -> bool:
        return scans > self.scans or clients > self.clients

    def exceeded_in_sql(self, scans: ColumnElement[int], clients: ColumnElement[int]) -> ColumnElement[bool]:
        """The same rule as a SQL condition, for a HAVING over a code's scans."""
        return or_(scans > self.scans, clients > self.clients)

    def reachable_in_sql(self, scans: ColumnElement[int]) -> ColumnElement[bool]:
        """A code's clients never outnumber its scans: with no more scans than the lower threshold, it cannot look
        copied. Counting scans needs only an index, counting distinct clients reads every row."""
        return scans > min(self.scans, self.clients)
