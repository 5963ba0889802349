"""Producer pages for batches: the list, the batch form, and the batch page with its records and publishing."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace
from typing import Any

from flask import Blueprint, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from marshmallow import ValidationError
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from traceability import db, storage
from traceability.accounts.models import Role
from traceability.auth import roles
from traceability.batches import compliance, services
from traceability.batches.forms import (
    batch_fields,
    batch_values,
    event_label,
    input_rows,
    parse_batch_form,
    record_fields,
)
from traceability.batches.models import Batch, BatchStatus, LabTest
from traceability.batches.schemas import (
    AmendmentInSchema,
    BatchFilterSchema,
    BatchInSchema,
    ChemicalInSchema,
    EventInSchema,
    LabTestInSchema,
)
from traceability.codes.identifiers import grouped
from traceability.codes.services import lot_code_for
from traceability.forms import handle_form, render_form, submit_form
from traceability.registry.models import Product
from traceability.schemas import form_data
from traceability.shipments.services import received_shipment, withdrawn_upstream
from traceability.tenancy import get_editable, get_visible, scope

bp = Blueprint("batches", __name__, url_prefix="/app")
bp.add_app_template_filter(event_label, "event_label")


@bp.route("/batches")
@roles(Role.PRODUCER)
def batches():
    args = {k: v for k, v in request.args.items() if k != "page"}
    try:
        filters = BatchFilterSchema().load(args)
        errors: dict = {}
    except ValidationError as exc:
        filters, errors = {}, exc.messages
    page = request.args.get("page", "1")
    filters["page"] = max(int(page), 1) if page.isdigit() else 1
    rows, total = services.list_batches(db.session, current_user, filters)
    products = db.session.scalars(scope(select(Product), Product, current_user).order_by(Product.name)).all()
    return render_template(
        "app/batches.html",
        rows=rows,
        total=total,
        page=filters["page"],
        pages=max((total + services.PAGE_SIZE - 1) // services.PAGE_SIZE, 1),
        products=products,
        statuses=list(BatchStatus),
        args=args,
        errors=errors,
    )


def _batch_form(title: str, save, values: dict, batch: Batch | None = None):
    return handle_form(
        BatchInSchema(partial=batch is not None),
        save,
        lambda v, e: render_form(
            title,
            batch_fields(current_user, batch),
            v,
            e,
            back=url_for("batches.batch", batch_id=batch.id) if batch else url_for("batches.batches"),
            extra_template="app/_batch_inputs.html",
            input_options=_input_options(batch),
            input_rows=input_rows(batch),
        ),
        values,
        parse=parse_batch_form,
    )


def _input_options(batch: Batch | None) -> list[tuple[int, str]]:
    query = scope(select(Batch), Batch, current_user).order_by(Batch.created_at.desc()).limit(200)
    query = query.options(joinedload(Batch.product))  # each option names its product: not one query per product
    return [(b.id, f"{b.lot_code} · {b.product.name}") for b in db.session.scalars(query) if b is not batch]


@bp.route("/batches/new", methods=["GET", "POST"])
@roles(Role.PRODUCER)
def new_batch():
    def save(data):
        batch = services.create_batch(db.session, current_user, data)
        flash(_("Batch %(lot)s saved as a draft.", lot=batch.lot_code))
        return redirect(url_for("batches.batch", batch_id=batch.id))

    return _batch_form(_("New batch"), save, _starting_values())


def _starting_values() -> dict[str, Any]:
    """A copy of a previous batch (?copy=), or the last batch of the chosen product, to type less."""
    source = None
    copy_id = request.args.get("copy", "")
    product_id = request.args.get("product_id", "")
    if copy_id.isdigit():
        source = get_visible(db.session, Batch, int(copy_id), current_user)
    elif product_id.isdigit():
        source = db.session.scalar(
            scope(select(Batch), Batch, current_user)
            .where(Batch.product_id == int(product_id))
            .order_by(Batch.created_at.desc())
            .limit(1)
        )
        if source is None:
            return {"product_id": product_id}
    return batch_values(source, copy=True) if source else {}


@bp.route("/batches/<int:batch_id>")
@roles(Role.PRODUCER)
def batch(batch_id: int):
    return _batch_page(get_visible(db.session, Batch, batch_id, current_user))


def _batch_page(batch: Batch, form: str | None = None, values: dict | None = None, errors: dict | None = None):
    problems = compliance.check_batch(db.session, batch) if batch.status == BatchStatus.DRAFT else []
    code = lot_code_for(db.session, batch)
    status = 422 if errors else 200
    return render_template(
        "app/batch.html",
        batch=batch,
        problems=problems,
        code=code,
        form=form,
        values=values or {},
        errors=errors or {},
        record_fields=record_fields(current_user, batch),
        grouped=grouped,
        withdrawn_upstream=withdrawn_upstream(db.session, batch),
        received_from=received_shipment(db.session, batch.id),
    ), status


@bp.route("/batches/<int:batch_id>/edit", methods=["GET", "POST"])
@roles(Role.PRODUCER)
def edit_batch(batch_id: int):
    batch = get_editable(db.session, Batch, batch_id, current_user)
    if batch.status != BatchStatus.DRAFT:
        flash(_("This batch is published: its facts change only through an amendment with a reason."), "warning")
        return redirect(url_for("batches.batch", batch_id=batch.id))

    def save(data):
        services.update_batch(db.session, current_user, batch, data)
        flash(_("Batch saved."))
        return redirect(url_for("batches.batch", batch_id=batch.id))

    return _batch_form(batch.lot_code, save, batch_values(batch), batch)


RECORD_FORMS = {
    "event": (EventInSchema, services.add_event),
    "chemical": (ChemicalInSchema, services.add_chemical),
    "lab_test": (LabTestInSchema, services.add_lab_test),
    "amendment": (AmendmentInSchema, services.amend_batch),
}


@bp.route("/batches/<int:batch_id>/records/<kind>", methods=["POST"])
@roles(Role.PRODUCER)
def add_record(batch_id: int, kind: str):
    batch = get_editable(db.session, Batch, batch_id, current_user)
    if kind not in RECORD_FORMS:
        return redirect(url_for("batches.batch", batch_id=batch.id))
    schema_cls, adder = RECORD_FORMS[kind]

    def save(data):
        if kind != "lab_test":
            return adder(db.session, current_user, batch, data)
        file = request.files.get("document")
        document = None
        if file and file.filename:
            document = storage.store(file, storage.DOCUMENT, "document", str(batch.organization_id))
        return adder(db.session, current_user, batch, data, document)

    form = submit_form(schema_cls(), save)
    if form.errors:
        return _batch_page(batch, kind, form.values, form.errors)
    flash(_("Saved."))
    return redirect(url_for("batches.batch", batch_id=batch.id) + f"#{kind}s")


@bp.route("/batches/<int:batch_id>/records/<kind>/delete", methods=["POST"])
@roles(Role.PRODUCER)
def delete_record(batch_id: int, kind: str):
    batch = get_editable(db.session, Batch, batch_id, current_user)
    record_id = request.form.get("record_id", "")
    services.delete_record(db.session, current_user, batch, kind, int(record_id) if record_id.isdigit() else 0)
    flash(_("Deleted."))
    return redirect(url_for("batches.batch", batch_id=batch.id))


@bp.route("/batches/<int:batch_id>/publish", methods=["POST"])
@roles(Role.PRODUCER)
def publish(batch_id: int):
    batch = get_editable(db.session, Batch, batch_id, current_user)
    try:
        services.publish_batch(db.session, current_user, batch)
    except services.PublishRefused as refused:
        flash(_("Not published. Correct the problems listed below and try again."), "error")
        return _batch_page(batch, "publish", errors=refused.errors)
    flash(_("Published. The QR code now leads to this batch's public page."))
    return redirect(url_for("batches.batch", batch_id=batch.id))


@bp.route("/batches/<int:batch_id>/delete", methods=["POST"])
@roles(Role.PRODUCER)
def delete(batch_id: int):
    batch = get_editable(db.session, Batch, batch_id, current_user)
    lot = batch.lot_code
    services.delete_batch(db.session, current_user, batch)
    flash(_("Draft %(lot)s deleted.", lot=lot))
    return redirect(url_for("batches.batches"))


@bp.route("/batches/<int:batch_id>/check-chemical", methods=["POST"])
@roles(Role.PRODUCER)
def check_chemical(batch_id: int):
    """What the chemical application being typed would break, for the form to show before it is saved."""
    batch = get_editable(db.session, Batch, batch_id, current_user)
    try:
        data = ChemicalInSchema(partial=True).load(form_data(request.form))
    except ValidationError as exc:
        return jsonify(problems=[], errors=exc.messages)
    problems = []
    if data.get("active_ingredient") or data.get("applied_on"):
        draft = SimpleNamespace(
            applied_on=data.get("applied_on") or dt.date.max,
            phi_days=data.get("phi_days"),
            active_ingredient=data.get("active_ingredient") or "",
            trade_name=data.get("trade_name") or data.get("active_ingredient") or "—",
        )
        problems = compliance.chemical_problems(db.session, draft, batch.harvested_on)
    return jsonify(problems=[p.message for p in problems], errors={})


@bp.route("/lab-tests/<int:lab_test_id>/document")
@roles(Role.PRODUCER, Role.INSPECTOR, Role.ADMIN)
def lab_test_document(lab_test_id: int):
    test = get_visible(db.session, LabTest, lab_test_id, current_user)
    return storage.send(test.document_path, f"lab-test-{test.id}", test.document_type)
