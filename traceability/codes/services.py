"""Issuing and revoking codes, and what a label run prints.

Serial codes are inserted in bulk (thousands a statement) with `ON CONFLICT DO NOTHING`: a value another process
took in the meantime is simply drawn again, so concurrent runs never produce a duplicate and never fail on one.
Bulk statements bypass the ORM's audit hook, so each run writes one audit entry saying what it did.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from flask_babel import format_decimal
from flask_babel import gettext as _
from sqlalchemy import case, func, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from traceability.accounts.models import Organization, User
from traceability.audit.services import record as audit
from traceability.batches.models import Batch, BatchStatus
from traceability.codes.identifiers import CheckCharacterError, CodeFormatError, new_code, normalise
from traceability.codes.labels import LabelText
from traceability.codes.models import Code, CodeKind, Scan
from traceability.codes.urls import DigitalLink, public_base_url
from traceability.db import utcnow
from traceability.errors import Conflict, Invalid, NotFound, ServiceError
from traceability.registry.models import Product
from traceability.tenancy import get_editable

INSERT_CHUNK = 5_000
READ_CHUNK = 2_000
T = TypeVar("T")
LOCAL_TZ = ZoneInfo("Asia/Ho_Chi_Minh")  # an organisation's day for the daily cap is the local one


@dataclass(frozen=True)
class IssueLimits:
    """How many unit codes may be issued: in one request, for one batch in all, by one organisation in a local day."""

    per_request: int = 20_000
    per_batch: int = 200_000
    per_day: int = 200_000

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> IssueLimits:
        return cls(
            per_request=config["CODE_ISSUE_MAX_PER_REQUEST"],
            per_batch=config["CODE_ISSUE_MAX_PER_BATCH"],
            per_day=config["CODE_ISSUE_MAX_PER_DAY"],
        )


class DailyLimitReached(ServiceError):
    """The organisation has issued as many unit codes today as it may: try again tomorrow."""

    status = 429


def lot_code_for(session: Session, batch: Batch) -> Code | None:
    return session.scalar(select(Code).where(Code.batch_id == batch.id, Code.kind == CodeKind.LOT))


def issue_lot_code(session: Session, batch: Batch) -> Code:
    """The batch's lot-level code, created on first publication and kept ever after."""
    existing = lot_code_for(session, batch)
    if existing is not None:
        return existing
    return add_with_new_code(session, lambda value: Code(value=value, batch_id=batch.id, kind=CodeKind.LOT))


def add_with_new_code(session: Session, make: Callable[[str], T]) -> T:
    """Add the row `make` builds around a newly drawn code, drawing again if another row took the value."""
    for _attempt in range(5):  # 60 random bits: a collision is astronomically rare, but never fatal
        row = make(new_code())
        try:
            with session.begin_nested():
                session.add(row)
        except IntegrityError:
            continue
        return row
    raise RuntimeError("could not draw a unique code")


def get_batch(session: Session, batch_id: int, user: User) -> Batch:
    """A batch of the user's own organisation (another organisation's answers 404)."""
    return get_editable(session, Batch, batch_id, user)


def issue_serial_codes(
    session: Session, batch: Batch, count: int | None, user: User, limits: IssueLimits | None = None
) -> list[str]:
    """Draw `count` new unit codes for a published batch; returns them in canonical form, in issuing order.

    Within `limits` (the defaults when None): too many for one request or for the batch is refused (`Invalid`,
    422), more than the organisation may issue today too (`DailyLimitReached`, 429); nothing is written then.
    """
    if count is None:
        raise Invalid({"count": [_("This field is required.")]})
    if batch.status != BatchStatus.PUBLISHED:
        raise Conflict(_("Unit codes can only be issued for a published batch."))
    limits = limits or IssueLimits()
    if not 1 <= count <= limits.per_request:
        raise Invalid({"count": [_("Between 1 and %(max)s codes at a time.", max=format_decimal(limits.per_request))]})
    _check_totals(session, batch, count, limits)
    issued: list[str] = []
    now = utcnow()
    while len(issued) < count:
        wanted = min(INSERT_CHUNK, count - len(issued))
        # sorted, so that concurrent inserts take their row locks in one order (no deadlock on PostgreSQL)
        drawn = sorted(new_code() for _ in range(wanted))
        rows = [{"value": v, "batch_id": batch.id, "kind": CodeKind.SERIAL.value, "created_at": now} for v in drawn]
        inserted = set(session.execute(_insert_skipping_taken(session), rows).scalars())
        issued.extend(v for v in drawn if v in inserted)  # a value taken elsewhere is drawn again next round
    audit(
        session,
        "issue_codes",
        Batch.__tablename__,
        batch.id,
        after={"kind": "serial", "count": count, "first": issued[0], "last": issued[-1]},
    )
    return issued


def _check_totals(session: Session, batch: Batch, count: int, limits: IssueLimits) -> None:
    # one issuing run at a time per organisation (PostgreSQL; SQLite's writes already take turns), so two
    # concurrent runs cannot both pass the checks below on the same counts
    session.execute(select(Organization.id).where(Organization.id == batch.organization_id).with_for_update())
    have = session.scalar(select(func.count()).where(Code.batch_id == batch.id, Code.kind == CodeKind.SERIAL))
    if have + count > limits.per_batch:
        left = max(0, limits.per_batch - have)
        message = _(
            "A batch may have at most %(max)s unit codes; this one has %(have)s, so at most %(left)s more.",
            max=format_decimal(limits.per_batch),
            have=format_decimal(have),
            left=format_decimal(left),
        )
        raise Invalid({"count": [message]})
    midnight = dt.datetime.now(LOCAL_TZ).replace(hour=0, minute=0, second=0, microsecond=0)
    today = session.scalar(
        select(func.count())
        .select_from(Code)
        .join(Batch, Code.batch_id == Batch.id)
        .where(
            Batch.organization_id == batch.organization_id,
            Code.kind == CodeKind.SERIAL,
            Code.created_at >= midnight.astimezone(dt.UTC),
        )
    )
    if today + count > limits.per_day:
        left = max(0, limits.per_day - today)
        message = _(
            "Your organisation may issue at most %(max)s unit codes a day and has %(left)s left today; "
            "the count starts again at midnight (Việt Nam time).",
            max=format_decimal(limits.per_day),
            left=format_decimal(left),
        )
        raise DailyLimitReached(message, {"count": [message]})


def _insert_skipping_taken(session: Session):
    table = Code.__table__
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    return insert(table).on_conflict_do_nothing(index_elements=[table.c.value]).returning(table.c.value)


def code_for_link(session: Session, link: DigitalLink | str) -> Code | None:
    """The code a parsed code URL names (see `urls.parse_code_url`), or None if there is none."""
    if isinstance(link, str):
        return session.scalar(select(Code).where(Code.value == link))
    batch_ids = (
        select(Batch.id)
        .join(Product, Batch.product_id == Product.id)
        .where(Product.gtin == link.gtin, Batch.lot_code == link.lot)
    )
    query = select(Code).where(Code.batch_id.in_(batch_ids))
    if link.serial is None:
        query = query.where(Code.kind == CodeKind.LOT)
    else:
        query = query.where(Code.kind == CodeKind.SERIAL, Code.value == link.serial)
    return session.scalar(query)


def parse_code(text: str, field: str) -> str:
    """Canonical form of a typed code, or `Invalid` naming the field and the mistake."""
    try:
        return normalise(text)
    except CheckCharacterError:
        raise Invalid({field: [_("%(code)s is mistyped: its check character does not match.", code=text)]}) from None
    except CodeFormatError:
        raise Invalid({field: [_("%(code)s is not a code.", code=text)]}) from None


def get_code(session: Session, text: str, user: User) -> Code:
    """A code of the user's organisation, typed in any form; anything else is not found."""
    try:
        value = normalise(text)
    except ValueError:
        raise NotFound(_("Not found.")) from None
    code = session.scalar(select(Code).where(Code.value == value))
    if code is None:
        raise NotFound(_("Not found."))
    get_editable(session, Batch, code.batch_id, user)
    return code


def revoke_codes(session: Session, user: User, values: list[str], reason: str) -> int:
    """Revoke unit codes one by one (already revoked ones stay as they were); returns how many were revoked."""
    canonical = [parse_code(v, "codes") for v in values]
    found = {c.value: c for c in session.scalars(select(Code).where(Code.value.in_(canonical)))}
    for value, typed in zip(canonical, values, strict=True):
        code = found.get(value)
        if code is None or code.batch.organization_id != user.organization_id:
            raise Invalid({"codes": [_("%(code)s is not one of your codes.", code=typed)]})
        if code.kind != CodeKind.SERIAL:
            raise Invalid({"codes": [_("%(code)s is a lot code: suspend or recall the batch instead.", code=typed)]})
    now = utcnow()
    revoked = 0
    for code in found.values():
        if code.revoked_at is None:
            code.revoked_at, code.revoked_reason = now, reason
            revoked += 1
    session.flush()
    return revoked


def revoke_range(session: Session, batch: Batch, from_code: str, to_code: str, reason: str) -> int:
    """Revoke every unit code of the batch issued from one code to another (a stolen roll of labels)."""
    first_id, last_id = _serial_range(session, batch, from_code, to_code)
    table = Code.__table__
    result = session.execute(
        update(table)
        .where(
            table.c.batch_id == batch.id,
            table.c.kind == CodeKind.SERIAL.value,
            table.c.id.between(first_id, last_id),
            table.c.revoked_at.is_(None),
        )
        .values(revoked_at=utcnow(), revoked_reason=reason)
    )
    if result.rowcount:
        audit(
            session,
            "revoke_codes",
            Batch.__tablename__,
            batch.id,
            after={"from": from_code, "to": to_code, "count": result.rowcount, "reason": reason},
        )
    return result.rowcount


def _serial_range(session: Session, batch: Batch, from_code: str | None, to_code: str | None) -> tuple[int, int]:
    """Ids bounding a run of the batch's unit codes, given its first and last code (in either order)."""
    ids = []
    for field, text in (("from_code", from_code), ("to_code", to_code)):
        if text is None:
            ids.append(None)
            continue
        code_id = session.scalar(
            select(Code.id).where(
                Code.value == parse_code(text, field), Code.batch_id == batch.id, Code.kind == CodeKind.SERIAL
            )
        )
        if code_id is None:
            raise Invalid({field: [_("%(code)s is not a unit code of this batch.", code=text)]})
        ids.append(code_id)
    low = ids[0] if ids[0] is not None else 0
    high = ids[1] if ids[1] is not None else 2**62
    return (low, high) if low <= high else (high, low)


def serial_values(
    session: Session,
    batch: Batch,
    from_code: str | None = None,
    to_code: str | None = None,
    skip: int = 0,
    limit: int | None = None,
) -> Iterator[str]:
    """The batch's unrevoked unit codes in issuing order, read in chunks (a run can be 100,000 long);
    `skip` and `limit` take one part of the run."""
    first_id, last_id = _serial_range(session, batch, from_code, to_code)
    query = (
        select(Code.value)
        .where(
            Code.batch_id == batch.id,
            Code.kind == CodeKind.SERIAL,
            Code.revoked_at.is_(None),
            Code.id.between(first_id, last_id),
        )
        .order_by(Code.id)
        .offset(skip or None)
        .limit(limit)
        .execution_options(yield_per=READ_CHUNK)
    )
    yield from session.scalars(query)


def count_serials(session: Session, batch: Batch, from_code: str | None = None, to_code: str | None = None) -> int:
    first_id, last_id = _serial_range(session, batch, from_code, to_code)
    return session.scalar(
        select(func.count()).where(
            Code.batch_id == batch.id,
            Code.kind == CodeKind.SERIAL,
            Code.revoked_at.is_(None),
            Code.id.between(first_id, last_id),
        )
    )


def code_summary(session: Session, batch: Batch) -> dict[str, Any]:
    """The batch's unit codes in counts: issued, revoked and active; scanned at least once and never scanned; and
    the scans of all its codes (the lot code's too) with the last one's time.

    Two statements, one over the batch's codes and one over their scans, whatever the batch's size: the pages of a
    batch with 100,000 codes show these counts and one page of codes, never the whole list.
    """
    issued, revoked = session.execute(
        select(func.count(), func.count(Code.revoked_at)).where(Code.batch_id == batch.id, Code.kind == CodeKind.SERIAL)
    ).one()
    unit_scanned = case((Code.kind == CodeKind.SERIAL, Scan.code_id))
    scans, seen, last = session.execute(
        select(func.count(), func.count(unit_scanned.distinct()), func.max(Scan.scanned_at))
        .select_from(Scan)
        .join(Code, Scan.code_id == Code.id)
        .where(Code.batch_id == batch.id)
    ).one()
    if isinstance(last, str):  # an aggregate bypasses the column type on SQLite
        last = dt.datetime.fromisoformat(last)
    if last is not None and last.tzinfo is None:
        last = last.replace(tzinfo=dt.UTC)
    return {
        "issued": issued,
        "revoked": revoked,
        "active": issued - revoked,
        "scanned": seen,
        "unscanned": issued - seen,
        "scans": scans,
        "last_scanned_at": last,
    }


def recent_serials(session: Session, batch: Batch, page: int, per_page: int = 50) -> list[Code]:
    """One page of the batch's unit codes, newest first."""
    query = (
        select(Code)
        .where(Code.batch_id == batch.id, Code.kind == CodeKind.SERIAL)
        .order_by(Code.id.desc())
        .offset((page - 1) * per_page)
        .limit(per_page)
    )
    return list(session.scalars(query))


def label_text(batch: Batch) -> LabelText:
    """The lines every label of the batch shares, in the current language."""
    expiry = batch.expires_on
    return LabelText(
        product=batch.product.name,
        lot=_("Lot: %(lot)s", lot=batch.lot_code),
        expiry=_("Expiry: %(date)s", date=expiry.strftime("%d/%m/%Y")) if expiry else None,
        producer=batch.organization.name,
        # the public site's address without its scheme: what a person types into a browser
        address=_("Type the code at %(address)s", address=urlsplit(public_base_url()).netloc),
    )
