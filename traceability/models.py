"""Imports every domain's models so that the metadata (and Alembic) sees the whole schema."""

from traceability.accounts.models import ApiToken, Organization, User
from traceability.audit.models import AuditEntry, AuditHead
from traceability.batches.models import (
    Amendment,
    Batch,
    BatchInput,
    ChemicalApplication,
    Event,
    LabTest,
    PublishAttempt,
)
from traceability.codes.models import Code, Scan
from traceability.db import Base
from traceability.inspection.models import Inspection, InspectionSample
from traceability.jobs.models import Job
from traceability.notices.models import Notice
from traceability.public.models import ConsumerReport
from traceability.reference.models import Agency, BannedSubstance
from traceability.registry.models import Certification, Product, Site
from traceability.shipments.models import Delivery, Shipment, Supplier

__all__ = [
    "Agency",
    "Amendment",
    "ApiToken",
    "AuditEntry",
    "AuditHead",
    "BannedSubstance",
    "Base",
    "Batch",
    "BatchInput",
    "Certification",
    "ChemicalApplication",
    "Code",
    "ConsumerReport",
    "Delivery",
    "Event",
    "Inspection",
    "InspectionSample",
    "Job",
    "LabTest",
    "Notice",
    "Organization",
    "Product",
    "PublishAttempt",
    "Scan",
    "Shipment",
    "Site",
    "Supplier",
    "User",
]
