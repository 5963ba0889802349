"""`audit verify`: the chain, its anchors outside the database, and the current rows against the audit.

Three checks, in one pass over the chain:
- the chain: entries numbered from 1 without a gap, each naming the previous entry's hash, each hash right
  (HMAC-SHA256 with the key; plain SHA-256 only for the entries from before keyed hashing started), and the
  head row naming the newest entry;
- the anchors: every head anchored outside the database is still in the chain (same hash at that number);
- the rows: each audited table's current rows equal their last audited state, folded from the entries'
  "after" values (create: every column; update: the columns that changed; delete: gone). Unit codes are issued
  and revoked in bulk with one entry a run, so codes without entries of their own are checked by count per batch.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy import Numeric, func, select
from sqlalchemy.orm import Session

from traceability.audit.anchors import Anchor
from traceability.audit.models import AuditEntry, AuditHead
from traceability.audit.services import GENESIS_HASH, KEYED, UNKEYED, _jsonable, audit_key, entry_hash
from traceability.db import Base, UTCDateTime

ROW_ACTIONS = ("create", "update", "delete")
# Tables whose rows data migrations write, without the audit key and so without entries: their rows are counted,
# not compared (the banned-substance lists arrive with `db upgrade`).
# lists shipped and reloaded by migrations (bulk statements, like the substance lists): rows not in the audit
NOT_ROW_VERIFIED = frozenset({"banned_substances", "product_categories", "communes"})
MAX_ROW_PROBLEMS = 100  # reported one by one; beyond that, counted


@dataclass
class ChainReport:
    checked: int
    broken_seq: int | None = None
    broken_id: int | None = None
    reason: str = ""
    keyed_from: int | None = None

    @property
    def ok(self) -> bool:
        return self.broken_seq is None and not self.reason


@dataclass
class AuditReport:
    chain: ChainReport
    anchors_checked: int = 0
    anchor_problems: list[str] = field(default_factory=list)
    rows_checked: int = 0
    rows_unverifiable: int = 0  # imported before imports wrote an entry per row: present, values unknown
    row_problems: list[str] = field(default_factory=list)
    more_row_problems: int = 0

    @property
    def ok(self) -> bool:
        return self.chain.ok and not self.anchor_problems and not self.row_problems


class _Folded:
    """The last audited state of every row, and what the bulk code runs say per batch."""

    def __init__(self, tables: set[str]) -> None:
        self.tables = tables
        self.state: dict[str, dict[str, dict[str, Any] | None]] = {t: {} for t in tables}  # None: deleted
        self.serials_issued: dict[str, int] = defaultdict(int)
        self.serials_revoked: dict[str, int] = defaultdict(int)
        self.legacy_batches: set[str] = set()  # imported before imports wrote one entry per row

    def add(self, action: str, entity_type: str, entity_id: str, after: Any, version: int = KEYED) -> None:
        if action == "import" and entity_type == "organizations" and version == UNKEYED:
            self.legacy_batches.update(str(i) for i in (after or {}).get("batch_ids", ()))
        elif entity_type in self.tables and action in ROW_ACTIONS:
            rows = self.state[entity_type]
            if action == "delete":
                rows[entity_id] = None
            elif action == "create" or rows.get(entity_id) is None:
                rows[entity_id] = dict(after or {})
            else:
                rows[entity_id].update(after or {})
        elif entity_type == "batches" and action == "issue_codes" and (after or {}).get("kind") == "serial":
            self.serials_issued[entity_id] += int(after["count"])
        elif entity_type == "batches" and action == "revoke_codes":
            self.serials_revoked[entity_id] += int(after["count"])


def verify(
    session: Session,
    key: bytes | None = None,
    anchors: Iterable[Anchor] = (),
    rows: bool = True,
    batch_size: int = 5000,
) -> AuditReport:
    key = key if key is not None else audit_key()
    anchors = list(anchors)
    wanted = {a.seq for a in anchors}
    hashes: dict[int, str] = {}
    folded = _Folded(_audited_tables()) if rows else None
    chain = _check_chain(session, key, wanted, hashes, folded, batch_size)
    report = AuditReport(chain)
    report.anchors_checked, report.anchor_problems = len(anchors), _check_anchors(anchors, hashes, chain, key)
    if folded is not None:
        if chain.ok:
            _check_rows(session, folded, report)
            _count_unverified(session, report)
        else:
            report.row_problems.append("rows not compared: the chain they would be compared with is broken")
    return report


def _check_chain(
    session: Session, key: bytes, wanted: set[int], hashes: dict[int, str], folded: _Folded | None, batch_size: int
) -> ChainReport:
    """Recompute every entry's hash in order; the first that does not match is the break. Reading goes on after
    a break only to collect the hashes at anchored numbers."""
    columns = AuditEntry.__table__.c
    expected_prev, expected_seq, checked, keyed_from = GENESIS_HASH, 1, 0, None
    broken: ChainReport | None = None
    last_seq = 0
    while True:
        entries = (
            session.execute(select(columns).where(columns.seq > last_seq).order_by(columns.seq).limit(batch_size))
            .mappings()
            .all()
        )
        for entry in entries:
            last_seq = entry["seq"]
            if entry["seq"] in wanted:
                hashes[entry["seq"]] = entry["hash"]
            if broken is not None:
                continue
            reason = _entry_problem(entry, expected_seq, expected_prev, keyed_from, key)
            if reason:
                seq = expected_seq if "missing" in reason else entry["seq"]
                broken = ChainReport(checked, seq, None if "missing" in reason else entry["id"], reason, keyed_from)
                continue
            if entry["hash_version"] == KEYED and keyed_from is None:
                keyed_from = entry["seq"]
            if folded is not None:
                folded.add(
                    entry["action"], entry["entity_type"], entry["entity_id"], entry["after"], entry["hash_version"]
                )
            expected_prev, expected_seq = entry["hash"], entry["seq"] + 1
            checked += 1
        if len(entries) < batch_size:
            break
    if broken is not None:
        return broken
    head = session.execute(select(AuditHead.seq, AuditHead.hash, AuditHead.keyed_from).where(AuditHead.id == 1)).first()
    if head is None or head.seq != expected_seq - 1 or head.hash != expected_prev:
        if head is not None and head.seq < expected_seq:
            return ChainReport(checked, head.seq, None, "the chain's recorded tip was changed", keyed_from)
        return ChainReport(
            checked, expected_seq, None, f"the chain ends before entry {expected_seq}, its recorded tip", keyed_from
        )
    if head.keyed_from != keyed_from:
        return ChainReport(
            checked,
            head.keyed_from or keyed_from,
            None,
            f"the head says keyed hashing started at entry {head.keyed_from}, the entries say {keyed_from}",
            keyed_from,
        )
    return ChainReport(checked, keyed_from=keyed_from)


def _entry_problem(entry: Any, seq: int, prev: str, keyed_from: int | None, key: bytes) -> str:
    if entry["seq"] != seq:
        return f"entry {seq} is missing"
    if entry["prev_hash"] != prev:
        return "does not follow the previous entry"
    version = entry["hash_version"]
    if version not in (UNKEYED, KEYED):
        return f"unknown hash version {version}"
    if version == UNKEYED and keyed_from is not None:
        return f"an unkeyed entry after keyed hashing started at entry {keyed_from}"
    if entry_hash(dict(entry), key) != entry["hash"]:
        if version == UNKEYED:
            return "content does not match its hash"
        if keyed_from is None:  # the first keyed entry: a wrong key fails here too
            return "content does not match its keyed hash (edited, or AUDIT_KEY is not the key it was written with)"
        return "content does not match its keyed hash (edited, or rehashed without the key)"
    return ""


def _check_anchors(anchors: list[Anchor], hashes: dict[int, str], chain: ChainReport, key: bytes) -> list[str]:
    problems = []
    for anchor in anchors:
        name = f"anchor of {anchor.anchored_at} (entry {anchor.seq})"
        if not anchor.is_signed_by(key):
            problems.append(f"{name}: its signature does not match (the anchor file was edited, or another key)")
        elif anchor.seq not in hashes and anchor.seq > 0:
            problems.append(f"{name}: entry {anchor.seq} is gone (entries deleted since it was anchored)")
        elif anchor.seq > 0 and hashes[anchor.seq] != anchor.hash:
            problems.append(f"{name}: entry {anchor.seq} no longer has the anchored hash (history was rewritten)")
        elif chain.ok and anchor.keyed_from is not None and anchor.keyed_from != chain.keyed_from:
            problems.append(
                f"{name}: keyed hashing started at entry {anchor.keyed_from}, the chain now says {chain.keyed_from}"
            )
    return problems


def _audited_tables() -> set[str]:
    return {m.local_table.name for m in Base.registry.mappers if getattr(m.class_, "__audit__", True)}


def _count_unverified(session: Session, report: AuditReport) -> None:
    for mapper in Base.registry.mappers:
        if mapper.local_table.name in NOT_ROW_VERIFIED:
            count = session.scalar(select(func.count()).select_from(mapper.local_table)) or 0
            report.rows_checked += count
            report.rows_unverifiable += count


def _same(column: Any, audited: Any, current: Any) -> bool:
    if audited == current:
        return True
    if audited is None or current is None:
        return False
    try:
        if isinstance(column.type, Numeric):
            return Decimal(str(audited)) == Decimal(str(current))
        if isinstance(column.type, UTCDateTime):
            return dt.datetime.fromisoformat(audited) == dt.datetime.fromisoformat(current)
    except (InvalidOperation, ValueError, TypeError):
        return False
    return False


def _shown(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


def _check_rows(session: Session, folded: _Folded, report: AuditReport) -> None:
    problems: list[str] = []
    for mapper in sorted(Base.registry.mappers, key=lambda m: m.local_table.name):
        table = mapper.local_table
        if table.name not in folded.tables or table.name in NOT_ROW_VERIFIED:
            continue
        excluded = getattr(mapper.class_, "__audit_exclude__", frozenset())
        attrs = [a for a in mapper.column_attrs if a.key not in excluded]
        pk = list(mapper.primary_key)
        audited = folded.state[table.name]
        seen: set[str] = set()
        serial_codes: dict[str, list[int]] = defaultdict(lambda: [0, 0])  # batch id → [serials, revoked in bulk]
        is_codes = table.name == "codes"
        result = session.execute(
            select(*pk, *(a.columns[0] for a in attrs)).order_by(*pk).execution_options(yield_per=5000)
        )
        for values in result:
            entity_id = "/".join(str(v) for v in values[: len(pk)])
            seen.add(entity_id)
            report.rows_checked += 1
            state = audited.get(entity_id, False)
            if is_codes:
                row = dict(zip((a.key for a in attrs), values[len(pk) :], strict=True))
                if _jsonable(row["kind"]) == "serial":
                    counts = serial_codes[str(row["batch_id"])]
                    counts[0] += 1
                    if state is False:  # issued and revoked in bulk: one entry a run, counted per batch
                        counts[1] += row["revoked_at"] is not None
                        continue
            if state is False:
                if _imported_before_row_entries(folded, table.name, entity_id, attrs, values[len(pk) :]):
                    report.rows_unverifiable += 1
                    continue
                problems.append(f"{table.name} {entity_id}: not in the audit (written behind the registry's back)")
                continue
            if state is None:
                problems.append(f"{table.name} {entity_id}: exists, but the audit says it was deleted")
                continue
            for attr, value in zip(attrs, values[len(pk) :], strict=True):
                if attr.key in state and not _same(attr.columns[0], state[attr.key], _jsonable(value)):
                    problems.append(
                        f"{table.name} {entity_id}: {attr.key} is {_shown(_jsonable(value))} "
                        f"but the audit says {_shown(state[attr.key])}"
                    )
        cascades = [(fk.parent.key, fk.column.table.name) for fk in table.foreign_keys if fk.ondelete == "CASCADE"]
        for entity_id, state in audited.items():
            if state is not None and entity_id not in seen and not _cascaded(folded, state, cascades):
                problems.append(f"{table.name} {entity_id}: gone, but the audit never recorded its deletion")
        if table.name == "codes":
            problems.extend(_check_code_counts(folded, serial_codes))
    report.row_problems = problems[:MAX_ROW_PROBLEMS]
    report.more_row_problems = max(0, len(problems) - MAX_ROW_PROBLEMS)


def _cascaded(folded: _Folded, state: dict[str, Any], cascades: list[tuple[str, str]]) -> bool:
    """Gone with a parent the audit says was deleted, through ON DELETE CASCADE (no entry of its own)."""
    for column, parent in cascades:
        parents = folded.state.get(parent, {})
        key = state.get(column)
        if key is not None and str(key) in parents and parents[str(key)] is None:
            return True
    return False


def _imported_before_row_entries(folded: _Folded, table: str, entity_id: str, attrs: list, values: Any) -> bool:
    """A batch an unkeyed `import` entry names, or a chemical application of one: imports wrote no entry per row
    before keyed hashing started, so such rows are known to exist but their values cannot be checked."""
    if table == "batches":
        return entity_id in folded.legacy_batches
    if table == "chemical_applications" and folded.legacy_batches:
        batch_id = next(v for a, v in zip(attrs, values, strict=True) if a.key == "batch_id")
        return str(batch_id) in folded.legacy_batches
    return False


def _check_code_counts(folded: _Folded, found: dict[str, list[int]]) -> list[str]:
    problems = []
    for batch_id in sorted(set(found) | set(folded.serials_issued), key=lambda b: int(b) if b.isdigit() else 0):
        serials, revoked = found.get(batch_id, [0, 0])
        if serials != folded.serials_issued.get(batch_id, 0):
            problems.append(
                f"codes of batches {batch_id}: {serials} unit codes, but the audit says "
                f"{folded.serials_issued.get(batch_id, 0)} were issued"
            )
        if revoked != folded.serials_revoked.get(batch_id, 0):
            problems.append(
                f"codes of batches {batch_id}: {revoked} unit codes revoked in bulk, but the audit says "
                f"{folded.serials_revoked.get(batch_id, 0)}"
            )
    return problems


def count_entries(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(AuditEntry)) or 0
