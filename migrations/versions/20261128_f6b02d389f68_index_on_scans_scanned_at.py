"""index on scans.scanned_at: the inspectors' copy alert reads only recent scans

Revision ID: f6b02d389f68
Revises: c13a97db5fde
Create Date: 2026-11-28 13:30:53.025632
"""
from collections.abc import Sequence

from alembic import op

revision: str = 'f6b02d389f68'
down_revision: str | None = 'c13a97db5fde'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # On PostgreSQL building the index blocks new scans until it is done. On a large table build it first with
    # `CREATE INDEX CONCURRENTLY ix_scans_scanned_at ON scans (scanned_at)`: this step then finds it and does nothing.
    op.create_index('ix_scans_scanned_at', 'scans', ['scanned_at'], unique=False, if_not_exists=True)


def downgrade() -> None:
    op.drop_index('ix_scans_scanned_at', table_name='scans')
