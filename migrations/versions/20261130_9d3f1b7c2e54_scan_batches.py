"""scan_batches: batches of queued scans already written, so a crashed writer's batch is not written twice

Revision ID: 9d3f1b7c2e54
Revises: efb26d276492
Create Date: 2026-11-30 14:20:00

With REDIS_URL the scans wait in a Redis list; a writer moves a batch to a list of its own, writes it, then
deletes that list. The batch's token is inserted in the same transaction as its scans: whoever finds the list
of a writer that died can tell whether the batch reached the database (row present) or not. A key per scan
would do the same on the largest table, and its `ON CONFLICT DO NOTHING` would not stop the BEFORE INSERT
trigger of `scan_counts` from counting the duplicate.
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '9d3f1b7c2e54'
down_revision: str | None = 'efb26d276492'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        'scan_batches',
        sa.Column('token', sa.String(length=32), nullable=False),
        sa.Column('written_at', sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('token', name=op.f('pk_scan_batches')),
    )


def downgrade() -> None:
    op.drop_table('scan_batches')
