"""the business registration certificate an organisation uploads for its verification

Revision ID: 9d3f1b7c2e55
Revises: 3f8a1c5e7b20
Create Date: 2026-11-30 14:40:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import traceability.db

revision: str = '9d3f1b7c2e55'
down_revision: str | None = '3f8a1c5e7b20'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('organizations', schema=None) as batch_op:
        batch_op.add_column(sa.Column('registration_path', sa.String(length=300), nullable=True))
        batch_op.add_column(sa.Column('registration_type', sa.String(length=40), nullable=True))
        batch_op.add_column(
            sa.Column('registration_uploaded_at', traceability.db.UTCDateTime(timezone=True), nullable=True)
        )


def downgrade() -> None:
    with op.batch_alter_table('organizations', schema=None) as batch_op:
        batch_op.drop_column('registration_uploaded_at')
        batch_op.drop_column('registration_type')
        batch_op.drop_column('registration_path')
