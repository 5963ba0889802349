"""JSON API of batches: the batch itself, its records, amendments and publishing."""

from __future__ import annotations

from flask_login import current_user

from traceability import db, storage
from traceability.accounts.models import Role
from traceability.apidoc import Blueprint, binary
from traceability.auth import roles
from traceability.batches import services
from traceability.batches.models import Batch, LabTest
from traceability.batches.schemas import (
    AmendmentInSchema,
    AmendmentSchema,
    BatchFilterSchema,
    BatchInSchema,
    BatchPatchSchema,
    BatchSchema,
    ChemicalInSchema,
    ChemicalSchema,
    EventInSchema,
    EventSchema,
    LabTestDocumentSchema,
    LabTestInSchema,
    LabTestSchema,
    PublishedSchema,
)
from traceability.codes.services import lot_code_for
from traceability.codes.urls import code_url
from traceability.tenancy import get_editable, get_visible, owner_first

blp = Blueprint("batches_api", __name__, url_prefix="/api/v1", description="Batches")


@blp.route("/batches", methods=["GET"])
@roles(Role.PRODUCER, Role.INSPECTOR, Role.ADMIN)
@blp.arguments(BatchFilterSchema, location="query")
@blp.response(200, BatchSchema(many=True))
@blp.paginate()
def list_batches(filters, pagination_parameters):
    """Batches the caller may see, newest first: `q` (lot code or product), `product_id`, `status`, `from`, `to`."""
    filters["page"] = pagination_parameters.page
    rows, total = services.list_batches(
        db.session, current_user, filters, pagination_parameters.page_size, with_inputs=True
    )
    pagination_parameters.item_count = total
    return rows


@blp.route("/batches", methods=["POST"])
@roles(Role.PRODUCER)
@blp.arguments(BatchInSchema)
@blp.response(201, BatchSchema)
def create_batch(data):
    """A new draft batch; lot code and expiry are suggested when not given."""
    batch = services.create_batch(db.session, current_user, data)
    return batch


@blp.route("/batches/<int:batch_id>", methods=["GET"])
@roles(Role.PRODUCER, Role.INSPECTOR, Role.ADMIN)
@blp.response(200, BatchSchema)
def get_batch(batch_id: int):
    return get_visible(db.session, Batch, batch_id, current_user)


@blp.route("/batches/<int:batch_id>", methods=["PATCH"])
@roles(Role.PRODUCER)
@owner_first(Batch, "batch_id")
@blp.arguments(BatchPatchSchema)
@blp.response(200, BatchSchema)
def update_batch(data, batch_id: int):
    """Change a draft; a published batch answers 409 (use amendments)."""
    batch = get_editable(db.session, Batch, batch_id, current_user)
    services.update_batch(db.session, current_user, batch, data)
    return batch


def _add(batch_id: int, adder, data):
    batch = get_editable(db.session, Batch, batch_id, current_user)
    record = adder(db.session, current_user, batch, data)
    return record


@blp.route("/batches/<int:batch_id>/events", methods=["POST"])
@roles(Role.PRODUCER)
@owner_first(Batch, "batch_id")
@blp.arguments(EventInSchema)
@blp.response(201, EventSchema)
def add_event(data, batch_id: int):
    return _add(batch_id, services.add_event, data)


@blp.route("/batches/<int:batch_id>/chemicals", methods=["POST"])
@roles(Role.PRODUCER)
@owner_first(Batch, "batch_id")
@blp.arguments(ChemicalInSchema)
@blp.response(201, ChemicalSchema)
def add_chemical(data, batch_id: int):
    return _add(batch_id, services.add_chemical, data)


@blp.route("/batches/<int:batch_id>/lab-tests", methods=["POST"])
@roles(Role.PRODUCER)
@owner_first(Batch, "batch_id")
@blp.arguments(LabTestInSchema)
@blp.response(201, LabTestSchema)
def add_lab_test(data, batch_id: int):
    return _add(batch_id, services.add_lab_test, data)


@blp.route("/lab-tests/<int:lab_test_id>/document", methods=["PUT"])
@roles(Role.PRODUCER)
@owner_first(LabTest, "lab_test_id")
@storage.names_oversized_request("document")
@blp.arguments(LabTestDocumentSchema, location="files")
@blp.response(200, LabTestSchema)
def put_lab_test_document(files, lab_test_id: int):
    """Attach the laboratory's report to a lab test.

    multipart/form-data, field `document`: a PDF, JPEG, PNG or WebP (read from the content; images are stored
    re-encoded, without metadata). On a draft batch it replaces an earlier report (whose file is deleted once the
    new one is saved); on a published batch a report already attached is kept (409). 503 with Retry-After if
    files cannot be stored right now.
    """
    test = get_editable(db.session, LabTest, lab_test_id, current_user)
    document = storage.store(files["document"], storage.DOCUMENT, "document", str(test.batch.organization_id))
    services.set_lab_test_document(db.session, current_user, test, document)  # a refusal drops the new file
    return test


@blp.route("/lab-tests/<int:lab_test_id>/document", methods=["GET"])
@roles(Role.PRODUCER, Role.INSPECTOR, Role.ADMIN)
@binary(blp, "The report, PDF, JPEG or PNG; 404 if none.", "application/pdf", "image/jpeg", "image/png")
def get_lab_test_document(lab_test_id: int):
    """The laboratory's report of a lab test."""
    test = get_visible(db.session, LabTest, lab_test_id, current_user)
    return storage.send(test.document_path, f"lab-test-{test.id}", test.document_type)


@blp.route("/batches/<int:batch_id>/amendments", methods=["POST"])
@roles(Role.PRODUCER)
@owner_first(Batch, "batch_id")
@blp.arguments(AmendmentInSchema)
@blp.response(201, AmendmentSchema)
def amend_batch(data, batch_id: int):
    """Change one fact of a published batch, with a reason; kept and shown publicly."""
    return _add(batch_id, services.amend_batch, data)


@blp.route("/batches/<int:batch_id>/publish", methods=["POST"])
@roles(Role.PRODUCER)
@owner_first(Batch, "batch_id")
@blp.response(200, PublishedSchema)
def publish_batch(batch_id: int):
    """Publish a draft, or 422 with every reason it cannot be (each refusal is kept for the inspectors)."""
    batch = get_editable(db.session, Batch, batch_id, current_user)
    services.publish_batch(db.session, current_user, batch)  # a refusal's attempt is kept (see the service)
    code = lot_code_for(db.session, batch)
    return {"status": batch.status.value, "code": code.value, "url": code_url(code)}
