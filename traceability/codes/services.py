"""Issuing codes. (Serial codes, revocation, QR images and labels build on this.)"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from traceability.batches.models import Batch
from traceability.codes.identifiers import new_code
from traceability.codes.models import Code, CodeKind


def lot_code_for(session: Session, batch: Batch) -> Code | None:
    return session.scalar(select(Code).where(Code.batch_id == batch.id, Code.kind == CodeKind.LOT))


def issue_lot_code(session: Session, batch: Batch) -> Code:
    """The batch's lot-level code, created on first publication and kept ever after."""
    existing = lot_code_for(session, batch)
    if existing is not None:
        return existing
    for _attempt in range(5):  # 60 random bits: a collision is astronomically rare, but never fatal
        code = Code(value=new_code(), batch_id=batch.id, kind=CodeKind.LOT)
        try:
            with session.begin_nested():
                session.add(code)
        except IntegrityError:
            continue
        return code
    raise RuntimeError("could not draw a unique code")
