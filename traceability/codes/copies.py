"""When a unit (serial) code looks copied: one rule for the consumer page's warning and the inspectors' queue.

A unit code belongs to one package, so scans of it by many different clients suggest the code was printed on
other packages too. Only distinct clients count, never raw scans: one phone (or one script) replaying a code
a hundred times is still one client. A client is a `client_hash`, which is keyed with the UTC date, so each
client counts once a day (the window) and a returning phone on another day counts again. Lot codes are shared
by every package of a batch: the rule never applies to them. The threshold is `COPY_CLIENT_THRESHOLD`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement


@dataclass(frozen=True)
class CopyThresholds:
    clients: int  # more distinct clients than this, and the code looks copied

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> CopyThresholds:
        return cls(clients=config["COPY_CLIENT_THRESHOLD"])

    def exceeded(self, clients: int) -> bool:
        return clients > self.clients

    def exceeded_in_sql(self, clients: ColumnElement[int]) -> ColumnElement[bool]:
        """The same rule as a SQL condition, for a HAVING over a code's scans."""
        return clients > self.clients

    def reachable_in_sql(self, scans: ColumnElement[int]) -> ColumnElement[bool]:
        """A code's clients never outnumber its scans: with no more scans than the threshold, it cannot look
        copied. Counting scans needs only an index, counting distinct clients reads every row."""
        return scans > self.clients
