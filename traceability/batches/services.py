"""Rules for batches and their records. Plain functions taking the session, the acting user and the data;
they flush, never commit.

A draft is the organisation's own business and freely editable. Publishing runs every compliance rule; after
that the public facts change only through amendments, each kept with its reason.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from traceability import unit_of_work
from traceability.accounts.models import User
from traceability.audit.services import record_many
from traceability.batches import compliance
from traceability.batches.compliance import Problem
from traceability.batches.models import (
    Amendment,
    Batch,
    BatchInput,
    BatchStatus,
    ChemicalApplication,
    Event,
    EventType,
    LabTest,
    PublishAttempt,
)
from traceability.batches.schemas import LOCAL_ZONE
from traceability.codes.services import issue_lot_code
from traceability.db import utcnow
from traceability.errors import Conflict, Invalid, NotFound, invalid
from traceability.inspection.models import Inspection
from traceability.registry.models import Product
from traceability.registry.services import own_product, own_site
from traceability.search import matches
from traceability.tenancy import check_editable, scope

PAGE_SIZE = 20
RECORDS = {"event": Event, "chemical": ChemicalApplication, "lab_test": LabTest}


class PublishRefused(Invalid):
    """Publishing was refused; `attempt` is kept (unit_of_work.keep) though the request is rolled back."""

    def __init__(self, problems: list[Problem], attempt: PublishAttempt):
        super().__init__(compliance.as_errors(problems), _("This batch cannot be published yet."))
        self.problems = problems
        self.attempt = attempt


def _draft_only(batch: Batch) -> None:
    if batch.status != BatchStatus.DRAFT:
        raise Conflict(_("This batch is published: its facts change only through an amendment with a reason."))


def _raise_problems(problems: list[Problem]) -> None:
    if problems:
        raise Invalid(compliance.as_errors(problems))


def _initials(name: str) -> str:
    letters = "".join(word[0] for word in re.findall(r"[A-Za-z0-9]+", compliance.plain(name)))
    return (letters[:3] or "LOT").upper()


def suggest_lot_code(session: Session, org_id: int, product: Product, on: dt.date | None = None) -> str:
    """A free lot code such as `CTC-261001-1`: product initials, the date, a counter."""
    today = dt.datetime.now(LOCAL_ZONE).date()  # the producer's day, not the server's (UTC) one
    stem = f"{_initials(product.name)}-{(on or today):%y%m%d}-"
    taken = set(
        session.scalars(select(Batch.lot_code).where(Batch.organization_id == org_id, Batch.lot_code.startswith(stem)))
    )
    n = 1
    while f"{stem}{n}" in taken:
        n += 1
    return f"{stem}{n}"


def _check_lot_code_free(session: Session, org_id: int, lot_code: str, batch_id: int | None) -> None:
    clash = session.scalar(
        select(Batch.id).where(Batch.organization_id == org_id, Batch.lot_code == lot_code, Batch.id != (batch_id or 0))
    )
    if clash:
        raise invalid("lot_code", _("Another batch of your organisation already has this lot code."))


def _lock_inputs(session: Session, ids: list[int]) -> dict[int, Batch]:
    """The input lots, re-read under row locks taken in id order (PostgreSQL; SQLite has one writer anyway), as
    shipping locks the lot it ships from: two batches drawing on the same remainder at once queue up, and the
    second counts what the first took before the mass balance is checked."""
    if not ids:
        return {}
    query = select(Batch).where(Batch.id.in_(sorted(set(ids)))).order_by(Batch.id).with_for_update()
    return {b.id: b for b in session.scalars(query.execution_options(populate_existing=True))}


def _set_inputs(session: Session, batch: Batch, inputs: list[dict[str, Any]]) -> None:
    wanted = {}
    locked = _lock_inputs(session, [item["batch_id"] for item in inputs])
    for item in inputs:
        source = locked.get(item["batch_id"])
        if source is None or source.organization_id != batch.organization_id:
            raise invalid("inputs", _("No such batch in your organisation: %(id)s.", id=item["batch_id"]))
        wanted[source.id] = (source, Decimal(item["quantity"]))
    for edge in list(batch.inputs):
        if edge.input_batch_id not in wanted:
            batch.inputs.remove(edge)
    current = {edge.input_batch_id: edge for edge in batch.inputs}
    for source_id, (source, quantity) in wanted.items():
        if source_id in current:
            current[source_id].quantity = quantity
        elif source_id == batch.id:
            raise invalid("inputs", _("A batch cannot be made from itself."))
        else:
            batch.inputs.append(BatchInput(input_batch=source, quantity=quantity))


def _suggested_expiry(batch: Batch) -> dt.date | None:
    start = batch.produced_on or batch.harvested_on
    if start is None or batch.product.shelf_life_days is None:
        return None
    return start + dt.timedelta(days=batch.product.shelf_life_days)


def _suggest_expiry(batch: Batch) -> None:
    if batch.expires_on is None:
        batch.expires_on = _suggested_expiry(batch)


def _save_checks(session: Session, batch: Batch) -> None:
    """What no batch may ever hold, draft or not: impossible dates, overdrawn inputs, a cycle."""
    session.flush()
    _raise_problems(compliance.date_problems(batch) + compliance.input_problems(session, batch))


def create_batch(session: Session, user: User, data: dict[str, Any]) -> Batch:
    """A new draft batch of the user's organisation. Suggests the lot code and the expiry date when not given."""
    data = dict(data)
    product = own_product(session, user, data.pop("product_id"))
    site = own_site(session, user, data.pop("site_id", None))
    inputs = data.pop("inputs", None) or []
    org_id = product.organization_id
    if not data.get("lot_code"):
        data["lot_code"] = suggest_lot_code(
            session, org_id, product, data.get("harvested_on") or data.get("produced_on")
        )
    _check_lot_code_free(session, org_id, data["lot_code"], None)
    data["unit"] = data.get("unit") or product.unit
    batch = Batch(organization_id=org_id, product=product, site=site, created_by_id=user.id, **data)
    _suggest_expiry(batch)
    session.add(batch)
    session.flush()
    _set_inputs(session, batch, inputs)
    _save_checks(session, batch)
    return batch


def update_batch(session: Session, user: User, batch: Batch, data: dict[str, Any]) -> Batch:
    """Change a draft (a published batch changes only through `amend_batch`)."""
    check_editable(user, batch)
    _draft_only(batch)
    data = dict(data)
    if "product_id" in data:
        batch.product = own_product(session, user, data.pop("product_id"))
    if "site_id" in data:
        batch.site = own_site(session, user, data.pop("site_id"))
    if data.get("lot_code"):
        _check_lot_code_free(session, batch.organization_id, data["lot_code"], batch.id)
    else:
        data.pop("lot_code", None)
    inputs = data.pop("inputs", None)
    suggested = _suggested_expiry(batch)
    if suggested and batch.expires_on == suggested and data.get("expires_on", suggested) == suggested:
        data["expires_on"] = None  # still the suggestion: follow the new dates
    for key, value in data.items():
        setattr(batch, key, value)
    _suggest_expiry(batch)
    if inputs is not None:
        _set_inputs(session, batch, inputs)
    _save_checks(session, batch)
    return batch


def delete_batch(session: Session, user: User, batch: Batch) -> None:
    """Delete a draft. Published batches are never deleted; nor is a batch others were made from."""
    check_editable(user, batch)
    _draft_only(batch)
    used_by = session.scalars(
        select(Batch.lot_code)
        .join(BatchInput, BatchInput.batch_id == Batch.id)
        .where(BatchInput.input_batch_id == batch.id)
    ).all()
    if used_by:
        raise Conflict(_("Batches %(lots)s are made from this batch; change them first.", lots=", ".join(used_by)))
    if session.scalar(select(Inspection.id).where(Inspection.batch_id == batch.id).limit(1)) is not None:
        raise Conflict(_("An inspector has recorded an inspection of this batch; it is kept as evidence."))
    attempts = PublishAttempt.__table__
    deleted = session.execute(attempts.delete().where(attempts.c.batch_id == batch.id).returning(attempts.c.id))
    record_many(session, [("delete", attempts.name, attempt_id, None, None) for attempt_id in deleted.scalars()])
    session.delete(batch)
    session.flush()


def add_event(session: Session, user: User, batch: Batch, data: dict[str, Any]) -> Event:
    """Add a step to the process timeline (also after publishing: shipping, storing … go on)."""
    check_editable(user, batch)
    if batch.status == BatchStatus.RECALLED:
        raise Conflict(_("This batch has been recalled."))
    data = dict(data)
    if data.get("type") == EventType.SPRAYING:
        # one record per spraying: the application carries what was sprayed, the dose and the waiting time
        raise invalid("type", _("Record a spraying as a chemical application: it is the diary's spraying entry."))
    own_site(session, user, data.get("site_id"))
    event = Event(batch=batch, **data)
    session.add(event)
    session.flush()
    return event


def add_chemical(session: Session, user: User, batch: Batch, data: dict[str, Any]) -> ChemicalApplication:
    """Record a chemical application on a draft. Its compliance is shown with the batch and checked on publish."""
    check_editable(user, batch)
    _draft_only(batch)
    chem = ChemicalApplication(batch=batch, site_id=batch.site_id, **data)
    session.add(chem)
    session.flush()
    return chem


def add_lab_test(
    session: Session, user: User, batch: Batch, data: dict[str, Any], document: tuple[str, str] | None = None
) -> LabTest:
    """Record a lab test (a published batch may gain new results; they never replace old ones)."""
    check_editable(user, batch)
    if batch.status == BatchStatus.RECALLED:
        raise Conflict(_("This batch has been recalled."))
    test = LabTest(batch=batch, **data)
    if document:
        test.document_path, test.document_type = document
    session.add(test)
    session.flush()
    return test


def set_lab_test_document(session: Session, user: User, test: LabTest, document: tuple[str, str]) -> LabTest:
    """Attach the laboratory's report to a lab test; the old file goes once this is committed. Once the batch is
    published its results are evidence: a report may still arrive, but one attached is never swapped."""
    check_editable(user, test.batch)
    if test.document_path and test.batch.status != BatchStatus.DRAFT:
        raise Conflict(_("This lab test's report is kept as recorded; record a new lab test instead."))
    test.document_path, test.document_type = document
    session.flush()
    return test


def find_record(session: Session, user: User, batch: Batch, kind: str, record_id: int) -> Any:
    """An event, chemical application or lab test of this batch (404 otherwise)."""
    check_editable(user, batch)
    model = RECORDS.get(kind)
    record = session.get(model, record_id) if model else None
    if record is None or record.batch_id != batch.id:
        raise NotFound(_("Not found."))
    return record


def delete_record(session: Session, user: User, batch: Batch, kind: str, record_id: int) -> None:
    """Remove an event, chemical application or lab test of a draft (a typing mistake, say)."""
    _draft_only(batch)
    record = find_record(session, user, batch, kind, record_id)
    session.delete(record)
    session.flush()


def _as_text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, Decimal):
        return f"{value.normalize():f}"
    return value.isoformat() if isinstance(value, dt.date) else str(value)


def amend_batch(session: Session, user: User, batch: Batch, data: dict[str, Any]) -> Amendment:
    """Change one public fact of a published batch, keeping the old value and the reason.

    `data` is the loaded AmendmentInSchema: field, typed (the checked new value), reason. Refused when the
    result would break a compliance rule.
    """
    check_editable(user, batch)
    if batch.status == BatchStatus.DRAFT:
        raise Conflict(_("A draft is edited directly; amendments are for published batches."))
    if batch.status == BatchStatus.RECALLED:
        raise Conflict(_("This batch has been recalled."))
    name, value = data["field"], data.get("typed")
    if name == "site_id":
        own_site(session, user, value, field="value")
    if name in ("quantity", "unit", "lot_code") and value is None:
        raise invalid("value", _("This field is required."))
    old = getattr(batch, name)
    if _as_text(old) == _as_text(value):
        raise invalid("value", _("This is already the current value."))
    setattr(batch, name, value)
    problems = compliance.check_batch(session, batch)
    if problems:
        setattr(batch, name, old)
        raise Invalid({"value": [p.message for p in problems]})
    amendment = Amendment(
        batch=batch,
        field=name,
        old_value=_as_text(old),
        new_value=_as_text(value),
        reason=data["reason"],
        user_id=user.id,
    )
    session.add(amendment)
    session.flush()
    return amendment


def publish_batch(session: Session, user: User, batch: Batch) -> Batch:
    """Publish a draft: refused (PublishRefused, listing every problem) while any rule is broken.

    Every try is recorded as a PublishAttempt for the inspectors. A refused attempt is kept (`unit_of_work.keep`):
    the request that ends in the refusal rolls back everything else, and the attempt is then written alone.
    On success the batch is published and gets its lot-level code.
    """
    check_editable(user, batch)
    # Lock the row and re-read it: a recall or a second click landing meanwhile must not be overwritten.
    session.refresh(batch, with_for_update=True)
    if batch.status != BatchStatus.DRAFT:
        raise Conflict(_("This batch is already published."))
    problems = compliance.check_batch(session, batch)
    if not batch.organization.is_verified:
        problems.insert(
            0,
            Problem(
                "organization",
                "organization_not_verified",
                _("Your organisation is not verified yet: publishing opens once the administration verifies it."),
            ),
        )
    attempt = PublishAttempt(
        batch_id=batch.id, user_id=user.id, is_accepted=not problems, problems=[p.as_dict() for p in problems]
    )
    session.add(attempt)
    session.flush()
    if problems:
        unit_of_work.keep(session, attempt)  # the one write a refusal keeps: the inspectors see refused tries
        raise PublishRefused(problems, attempt)
    now = utcnow()
    batch.status = BatchStatus.PUBLISHED
    batch.published_at = now
    batch.status_changed_at = now
    session.flush()
    issue_lot_code(session, batch)
    return batch


def list_batches(
    session: Session, user: User, filters: dict[str, Any], per_page: int = PAGE_SIZE, *, with_inputs: bool = False
):
    """A page of the batches the user may see, newest first, and the total count.

    `with_inputs` loads every row's inputs and their batches up front (two queries, not two per row)."""
    query = select(Batch).join(Product, Product.id == Batch.product_id)
    query = scope(query, Batch, user)
    if filters.get("q"):
        query = query.where(matches(filters["q"], Batch.lot_code, Product.name))
    if filters.get("product_id"):
        query = query.where(Batch.product_id == filters["product_id"])
    if filters.get("status"):
        query = query.where(Batch.status == filters["status"])
    day = func.coalesce(Batch.harvested_on, Batch.produced_on)
    if filters.get("date_from"):
        query = query.where(day >= filters["date_from"])
    if filters.get("date_to"):
        query = query.where(day <= filters["date_to"])
    total = session.scalar(select(func.count()).select_from(query.subquery()))
    page = filters.get("page") or 1
    query = query.order_by(Batch.created_at.desc(), Batch.id.desc()).limit(per_page).offset((page - 1) * per_page)
    if with_inputs:
        query = query.options(selectinload(Batch.inputs).selectinload(BatchInput.input_batch))
    rows = session.scalars(query).all()
    return rows, total
