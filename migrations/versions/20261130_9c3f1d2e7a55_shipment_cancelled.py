"""shipments: a sender may cancel a shipment the buyer has not answered (status `cancelled`)

Revision ID: 9c3f1d2e7a55
Revises: c19a9189b9ae
Create Date: 2026-11-30 14:20:00

The status is a string guarded by a CHECK constraint: the constraint is made again with the new value.
"""

from collections.abc import Sequence

from alembic import op

revision: str = "9c3f1d2e7a55"
down_revision: str | None = "c19a9189b9ae"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("shipments", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_shipments_status"), type_="check")
        batch_op.create_check_constraint(
            op.f("ck_shipments_status"), "status IN ('sent', 'accepted', 'refused', 'cancelled')"
        )


def downgrade() -> None:
    # a cancelled shipment held nothing: it reads as refused by the old code
    op.execute("UPDATE shipments SET status = 'refused' WHERE status = 'cancelled'")
    with op.batch_alter_table("shipments", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_shipments_status"), type_="check")
        batch_op.create_check_constraint(op.f("ck_shipments_status"), "status IN ('sent', 'accepted', 'refused')")
