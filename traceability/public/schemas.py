"""What a consumer sends (a report) and what the page's JSON says (API.md: public resolution)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from marshmallow import Schema, fields, validate

from traceability.batches.schemas import AmendmentSchema, LabTestSchema
from traceability.public.models import ReportKind
from traceability.registry.schemas import SiteSchema
from traceability.schemas import BaseSchema


class ReportCreateSchema(BaseSchema):
    """A consumer's report about a product: the same schema for the HTML form and JSON."""

    kind = fields.Enum(ReportKind, by_value=True, required=True)
    message = fields.String(
        required=True,
        validate=validate.Length(min=5, max=2000, error=_l("Write between 5 and 2000 characters.")),
    )
    contact = fields.String(load_default=None, validate=validate.Length(max=200, error=_l("At most 200 characters.")))


# --- output: the facts of the consumer's page -------------------------------------------------------------


class ProductOut(Schema):
    name = fields.String()
    category = fields.String()
    category_name = fields.String()
    gtin = fields.String()
    brand = fields.String()
    unit = fields.String()
    shelf_life_days = fields.Integer()
    description = fields.String()
    standards = fields.String()
    image_url = fields.String()


class ProducerOut(Schema):
    name = fields.String()
    kind = fields.String(attribute="kind.value")
    tax_code = fields.String()
    province = fields.String()
    commune = fields.String()
    address = fields.String()
    phone = fields.String()
    website = fields.String()
    is_verified = fields.Boolean()


class OriginOut(SiteSchema):
    """The site as the producer's API shows it, without the row id, plus a link the phone's map app opens."""

    geo_uri = fields.String()

    class Meta:
        exclude = ("id",)


class BatchOut(Schema):
    lot_code = fields.String()
    quantity = fields.Float()
    unit = fields.String()
    planted_on = fields.Date()
    harvested_on = fields.Date()
    produced_on = fields.Date()
    expires_on = fields.Date()
    published_at = fields.DateTime()
    code = fields.String()
    code_kind = fields.String()
    url = fields.String()


class InputOut(Schema):
    product = fields.String(attribute="batch.product.name")
    lot_code = fields.String(attribute="batch.lot_code")
    quantity = fields.Float()
    url = fields.String()


class ChainActorOut(Schema):
    name = fields.String()
    verified = fields.Boolean()
    role = fields.String()
    place = fields.String()
    date = fields.Date(allow_none=True)
    declared_by = fields.String(allow_none=True)


class GrownInOut(Schema):
    """Where the raw materials of processed goods (or a household's delivery) were grown."""

    name = fields.String()
    grower = fields.String()
    place = fields.String()
    area_code = fields.String(allow_none=True)
    declared_by = fields.String(allow_none=True)


class EventOut(Schema):
    type = fields.String(attribute="type.value")
    occurred_at = fields.DateTime()
    site = fields.String(attribute="site.name")
    area_code = fields.String(attribute="site.area_code")
    note = fields.String()


class ChemicalOut(Schema):
    applied_on = fields.Date(attribute="application.applied_on")
    trade_name = fields.String(attribute="application.trade_name")
    active_ingredient = fields.String(attribute="application.active_ingredient")
    registration_no = fields.String(attribute="application.registration_no")
    purpose = fields.String(attribute="application.purpose.value")
    dose = fields.Float(attribute="application.dose")
    dose_unit = fields.String(attribute="application.dose_unit")
    phi_days = fields.Integer(attribute="application.phi_days")
    days_before_harvest = fields.Integer()
    phi_respected = fields.Boolean(allow_none=True)
    summary = fields.String()


class CertificationOut(Schema):
    scheme = fields.String(attribute="certification.scheme")
    number = fields.String(attribute="certification.number")
    issuer = fields.String(attribute="certification.issuer")
    valid_from = fields.Date(attribute="certification.valid_from")
    valid_to = fields.Date(attribute="certification.valid_to")
    is_valid_now = fields.Boolean()


class InspectionOut(Schema):
    inspected_at = fields.DateTime()
    result = fields.String(attribute="result.value")
    action = fields.String(attribute="action.value")


class WarningOut(Schema):
    kind = fields.String()
    message = fields.String()
    since = fields.Method("_since")
    input = fields.Method("_input")

    def _since(self, warning):
        return warning.since.isoformat() if warning.since else None

    def _input(self, warning):
        if warning.input_batch is None:
            return None
        return {
            "product": warning.input_batch.product.name,
            "lot_code": warning.input_batch.lot_code,
            "status": warning.input_batch.status.value,
            "url": warning.input_path,
        }


class VerificationOut(Schema):
    genuine = fields.Boolean()
    code_kind = fields.String()
    scan_count = fields.Integer(allow_none=True)
    first_scanned_at = fields.DateTime(allow_none=True)
    suspected_copy = fields.Boolean()


class PageOut(Schema):
    """The consumer page's facts: the keys of API.md, plus amendments."""

    product = fields.Nested(ProductOut)
    producer = fields.Nested(ProducerOut)
    origin = fields.Nested(OriginOut, allow_none=True)
    origins = fields.List(fields.Nested(GrownInOut))
    batch = fields.Nested(BatchOut)
    inputs = fields.List(fields.Nested(InputOut))
    chain = fields.List(fields.Nested(ChainActorOut))
    events = fields.List(fields.Nested(EventOut))
    chemicals = fields.List(fields.Nested(ChemicalOut))
    lab_tests = fields.List(fields.Nested(LabTestSchema(exclude=("id",))))
    certifications = fields.List(fields.Nested(CertificationOut))
    inspections = fields.List(fields.Nested(InspectionOut))
    amendments = fields.List(fields.Nested(AmendmentSchema(exclude=("id",))))
    status = fields.String()
    warnings = fields.List(fields.Nested(WarningOut))
    verification = fields.Nested(VerificationOut)


page_out = PageOut()
