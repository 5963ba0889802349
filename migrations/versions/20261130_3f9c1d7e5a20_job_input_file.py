"""Jobs: the file a job reads (an import's CSV), kept under UPLOAD_DIR until the job ends

Revision ID: 3f9c1d7e5a20
Revises: 9c3f1d2e7a55
Create Date: 2026-11-30 14:30:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '3f9c1d7e5a20'
down_revision: str | None = '9c3f1d2e7a55'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('jobs', schema=None) as batch_op:
        batch_op.add_column(sa.Column('input_path', sa.String(length=300), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('jobs', schema=None) as batch_op:
        batch_op.drop_column('input_path')
