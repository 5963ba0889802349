"""audit chain keyed with HMAC: each entry's hash version, and where keyed hashing started

Revision ID: 5b1e0c7a9d42
Revises: 0b1db4fb573b
Create Date: 2026-11-30 11:40:00.000000
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '5b1e0c7a9d42'
down_revision: str | None = '0b1db4fb573b'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Entries already written keep their plain SHA-256 (version 1); the first entry the app writes with the key
    # sets audit_head.keyed_from, and every entry from there on must be keyed.
    with op.batch_alter_table('audit_entries') as batch_op:
        batch_op.add_column(sa.Column('hash_version', sa.SmallInteger(), server_default='1', nullable=False))
    with op.batch_alter_table('audit_head') as batch_op:
        batch_op.add_column(sa.Column('keyed_from', sa.BigInteger(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('audit_head') as batch_op:
        batch_op.drop_column('keyed_from')
    with op.batch_alter_table('audit_entries') as batch_op:
        batch_op.drop_column('hash_version')
