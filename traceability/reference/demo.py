"""Demo agencies: the Department of Agriculture and Environment (the farm products, every commune) and the
people's committee of Tân Cương (its commune, every product)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from traceability.reference.models import Agency, AgencyKind, Commune, ProductCategory

NOT_FARM_PRODUCTS = ("processed", "other")


def load_agencies(session: Session) -> tuple[Agency, Agency]:
    department = session.scalar(select(Agency).where(Agency.name == "Sở Nông nghiệp và Môi trường"))
    if department is None:
        farm = select(ProductCategory).where(ProductCategory.code.not_in(NOT_FARM_PRODUCTS))
        department = Agency(
            name="Sở Nông nghiệp và Môi trường",
            kind=AgencyKind.AGRICULTURE_ENVIRONMENT,
            categories=list(session.scalars(farm)),
        )
        session.add(department)
    commune = session.scalar(select(Agency).where(Agency.name == "UBND xã Tân Cương"))
    if commune is None:
        commune = Agency(
            name="UBND xã Tân Cương",
            kind=AgencyKind.COMMUNE,
            communes=list(session.scalars(select(Commune).where(Commune.code == "05503"))),
        )
        session.add(commune)
    session.flush()
    return department, commune
