"""The batch graph: what a batch was made from (back) and what was made from it (forward).

Recursive queries, so the whole tree comes back in one round trip on SQLite and PostgreSQL alike.
"""

from __future__ import annotations

from sqlalchemy import literal, select
from sqlalchemy.orm import Session

from traceability.batches.models import BatchInput

_edges = BatchInput.__table__


def ancestors(session: Session, batch_id: int) -> dict[int, int]:
    """Every batch this one was made from, transitively: {batch_id: depth} (1 = a direct input)."""
    return _walk(session, batch_id, _edges.c.batch_id, _edges.c.input_batch_id)


def descendants(session: Session, batch_id: int) -> dict[int, int]:
    """Every batch made from this one, transitively: {batch_id: depth} (1 = made directly from it)."""
    return _walk(session, batch_id, _edges.c.input_batch_id, _edges.c.batch_id)


def _walk(session: Session, start: int, from_col, to_col) -> dict[int, int]:
    base = select(to_col.label("id"), literal(1).label("depth")).where(from_col == start)
    tree = base.cte("tree", recursive=True)
    step = select(to_col, tree.c.depth + 1).join(tree, from_col == tree.c.id).where(tree.c.depth < 10_000)
    tree = tree.union(step)  # UNION (not ALL) stops at a batch already reached, even around a cycle
    found: dict[int, int] = {}
    for batch_id, depth in session.execute(select(tree.c.id, tree.c.depth)):
        if batch_id != start and (batch_id not in found or depth < found[batch_id]):
            found[batch_id] = depth
    return found
