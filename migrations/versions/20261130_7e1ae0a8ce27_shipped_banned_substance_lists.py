"""banned substances: which list (kind) and who owns each row (origin); the shipped lists loaded

Revision ID: 7e1ae0a8ce27
Revises: f6b02d389f68
Create Date: 2026-11-30 11:16:14.507411

A fresh install gets the pesticide and livestock lists with `traceability db upgrade` alone. A later release
that ships changed lists adds a small migration like this one: `load_shipped_lists(op.get_bind())` and the new
SHIPPED_LISTS_SHA256 (tests/reference/test_shipped_lists.py fails until it exists). The loader reads the CSV
files of the installed package, adds missing names and updates rows still marked `shipped`; admins' rows stay.
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from traceability.reference.shipped import load_shipped_lists

revision: str = '7e1ae0a8ce27'
down_revision: str | None = 'f6b02d389f68'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SHIPPED_LISTS_SHA256 = '1c99c34807cb7ac318e6188c696ff6b57c2686bd308700c591c13573989ae961'


def upgrade() -> None:
    with op.batch_alter_table('banned_substances', schema=None) as batch_op:
        batch_op.add_column(sa.Column('kind', sa.Enum('pesticide', 'livestock', name='kind', native_enum=False, create_constraint=True, length=24), server_default='pesticide', nullable=False))
        batch_op.add_column(sa.Column('origin', sa.Enum('shipped', 'admin', 'withdrawn', name='origin', native_enum=False, create_constraint=True, length=24), server_default='admin', nullable=False))
    # Rows already there came from `substances load`, `demo` or an admin: those identical to the shipped list
    # become `shipped`, the others stay the admins'.
    load_shipped_lists(op.get_bind(), adopt=True)


def downgrade() -> None:
    # The rows stay (a longer ban list is the safe side); the old code reads livestock rows like pesticides.
    with op.batch_alter_table('banned_substances', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_banned_substances_origin'), type_='check')
        batch_op.drop_constraint(op.f('ck_banned_substances_kind'), type_='check')
        batch_op.drop_column('origin')
        batch_op.drop_column('kind')
