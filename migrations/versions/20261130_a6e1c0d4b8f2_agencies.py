"""agencies kept by the admin (the communes and product categories each covers); an inspector's agency and
the agency an inspection was recorded for

Revision ID: a6e1c0d4b8f2
Revises: 9d3f1b7c2e55
Create Date: 2026-11-30 16:10:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import traceability.db

revision: str = 'a6e1c0d4b8f2'
down_revision: str | Sequence[str] | None = '9d3f1b7c2e55'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

KINDS = ('agriculture_environment', 'science_technology', 'market_surveillance', 'commune_committee')


def upgrade() -> None:
    op.create_table('agencies',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('kind', sa.Enum(*KINDS, name='kind', native_enum=False, create_constraint=True, length=24), nullable=False),
    sa.Column('updated_at', traceability.db.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_agencies')),
    sa.UniqueConstraint('name', name=op.f('uq_agencies_name'))
    )
    op.create_table('agency_communes',
    sa.Column('agency_id', sa.Integer(), nullable=False),
    sa.Column('commune_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['agency_id'], ['agencies.id'], name=op.f('fk_agency_communes_agency_id_agencies'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['commune_id'], ['communes.id'], name=op.f('fk_agency_communes_commune_id_communes'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('agency_id', 'commune_id', name=op.f('pk_agency_communes'))
    )
    op.create_table('agency_categories',
    sa.Column('agency_id', sa.Integer(), nullable=False),
    sa.Column('category_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['agency_id'], ['agencies.id'], name=op.f('fk_agency_categories_agency_id_agencies'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['category_id'], ['product_categories.id'], name=op.f('fk_agency_categories_category_id_product_categories'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('agency_id', 'category_id', name=op.f('pk_agency_categories'))
    )
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('agency_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_users_agency_id_agencies'), 'agencies', ['agency_id'], ['id'], ondelete='SET NULL')
    with op.batch_alter_table('batches', schema=None) as batch_op:
        batch_op.add_column(sa.Column('status_agency_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_batches_status_agency_id_agencies'), 'agencies', ['status_agency_id'], ['id'], ondelete='SET NULL')
    with op.batch_alter_table('consumer_reports', schema=None) as batch_op:
        batch_op.add_column(sa.Column('agency_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_consumer_reports_agency_id'), ['agency_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_consumer_reports_agency_id_agencies'), 'agencies', ['agency_id'], ['id'], ondelete='SET NULL')
    with op.batch_alter_table('inspections', schema=None) as batch_op:
        batch_op.add_column(sa.Column('agency_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_inspections_agency_id'), ['agency_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_inspections_agency_id_agencies'), 'agencies', ['agency_id'], ['id'], ondelete='SET NULL')


def downgrade() -> None:
    with op.batch_alter_table('inspections', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_inspections_agency_id_agencies'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_inspections_agency_id'))
        batch_op.drop_column('agency_id')
    with op.batch_alter_table('consumer_reports', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_consumer_reports_agency_id_agencies'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_consumer_reports_agency_id'))
        batch_op.drop_column('agency_id')
    with op.batch_alter_table('batches', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_batches_status_agency_id_agencies'), type_='foreignkey')
        batch_op.drop_column('status_agency_id')
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_users_agency_id_agencies'), type_='foreignkey')
        batch_op.drop_column('agency_id')
    op.drop_table('agency_categories')
    op.drop_table('agency_communes')
    op.drop_table('agencies')
