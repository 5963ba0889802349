"""initial schema

Revision ID: c13a97db5fde
Revises: 
Create Date: 2026-11-28 11:04:20.517196
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import traceability.db

revision: str = 'c13a97db5fde'
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('audit_entries',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('seq', sa.BigInteger(), nullable=False),
    sa.Column('created_at', traceability.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('actor_label', sa.String(length=254), nullable=False),
    sa.Column('action', sa.String(length=60), nullable=False),
    sa.Column('entity_type', sa.String(length=60), nullable=False),
    sa.Column('entity_id', sa.String(length=40), nullable=False),
    sa.Column('before', sa.JSON(), nullable=True),
    sa.Column('after', sa.JSON(), nullable=True),
    sa.Column('prev_hash', sa.String(length=64), nullable=False),
    sa.Column('hash', sa.String(length=64), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_entries')),
    sa.UniqueConstraint('hash', name=op.f('uq_audit_entries_hash')),
    sa.UniqueConstraint('seq', name=op.f('uq_audit_entries_seq'))
    )
    with op.batch_alter_table('audit_entries', schema=None) as batch_op:
        batch_op.create_index('ix_audit_entries_entity', ['entity_type', 'entity_id'], unique=False)

    op.create_table('audit_head',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('seq', sa.BigInteger(), nullable=False),
    sa.Column('hash', sa.String(length=64), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_head'))
    )
    op.bulk_insert(
        sa.table('audit_head', sa.column('id', sa.Integer), sa.column('seq', sa.BigInteger),
                 sa.column('hash', sa.String)),
        [{'id': 1, 'seq': 0, 'hash': '0' * 64}],
    )
    op.create_table('banned_substances',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('synonyms', sa.Text(), nullable=True),
    sa.Column('status', sa.Enum('banned', 'removed', name='status', native_enum=False, create_constraint=True, length=24), nullable=False),
    sa.Column('group', sa.String(length=40), nullable=True),
    sa.Column('effective_from', sa.Date(), nullable=True),
    sa.Column('legal_source', sa.String(length=300), nullable=True),
    sa.Column('is_checked', sa.Boolean(), nullable=False),
    sa.Column('updated_at', traceability.db.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_banned_substances')),
    sa.UniqueConstraint('name', name=op.f('uq_banned_substances_name'))
    )
    op.create_table('organizations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('kind', sa.Enum('enterprise', 'cooperative', 'household', 'farm', name='kind', native_enum=False, create_constraint=True, length=24), nullable=False),
    sa.Column('tax_code', sa.String(length=14), nullable=False),
    sa.Column('province', sa.String(length=100), nullable=False),
    sa.Column('commune', sa.String(length=100), nullable=False),
    sa.Column('address', sa.String(length=300), nullable=False),
    sa.Column('phone', sa.String(length=30), nullable=True),
    sa.Column('email', sa.String(length=254), nullable=True),
    sa.Column('website', sa.String(length=300), nullable=True),
    sa.Column('gs1_prefix', sa.String(length=12), nullable=True),
    sa.Column('status', sa.Enum('pending', 'verified', 'suspended', 'rejected', name='status', native_enum=False, create_constraint=True, length=24), nullable=False),
    sa.Column('status_reason', sa.String(length=500), nullable=True),
    sa.Column('status_changed_at', traceability.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('status_changed_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', traceability.db.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_organizations')),
    sa.UniqueConstraint('tax_code', name=op.f('uq_organizations_tax_code'))
    )
    op.create_table('products',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('organization_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('category', sa.String(length=60), nullable=False),
    sa.Column('gtin', sa.String(length=14), nullable=True),
    sa.Column('brand', sa.String(length=120), nullable=True),
    sa.Column('unit', sa.String(length=20), nullable=False),
    sa.Column('shelf_life_days', sa.Integer(), nullable=True),
    sa.Column('description', sa.Text(), nullable=True),
    sa.Column('standards', sa.String(length=300), nullable=True),
    sa.Column('image_path', sa.String(length=300), nullable=True),
    sa.Column('created_at', traceability.db.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint('gtin IS NULL OR length(gtin) = 14', name=op.f('ck_products_gtin_14_digits')),
    sa.CheckConstraint('shelf_life_days IS NULL OR shelf_life_days >= 0', name=op.f('ck_products_shelf_life_not_negative')),
    sa.ForeignKeyConstraint(['organization_id'], ['organizations.id'], name=op.f('fk_products_organization_id_organizations')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_products')),
    sa.UniqueConstraint('gtin', name=op.f('uq_products_gtin'))
    )
    with op.batch_alter_table('products', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_products_organization_id'), ['organization_id'], unique=False)

    op.create_table('sites',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('organization_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum('growing_area', 'farm', 'barn', 'processing', 'packing', 'warehouse', name='kind', native_enum=False, create_constraint=True, length=24), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('area_code', sa.String(length=40), nullable=True),
    sa.Column('province', sa.String(length=100), nullable=False),
    sa.Column('commune', sa.String(length=100), nullable=False),
    sa.Column('address', sa.String(length=300), nullable=True),
    sa.Column('latitude', sa.Numeric(precision=9, scale=6), nullable=True),
    sa.Column('longitude', sa.Numeric(precision=9, scale=6), nullable=True),
    sa.Column('area_ha', sa.Numeric(precision=12, scale=4), nullable=True),
    sa.Column('created_at', traceability.db.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint('area_ha IS NULL OR area_ha >= 0', name=op.f('ck_sites_area_not_negative')),
    sa.CheckConstraint('latitude IS NULL OR (latitude >= -90 AND latitude <= 90)', name=op.f('ck_sites_latitude_range')),
    sa.CheckConstraint('longitude IS NULL OR (longitude >= -180 AND longitude <= 180)', name=op.f('ck_sites_longitude_range')),
    sa.ForeignKeyConstraint(['organization_id'], ['organizations.id'], name=op.f('fk_sites_organization_id_organizations')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sites'))
    )
    with op.batch_alter_table('sites', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_sites_organization_id'), ['organization_id'], unique=False)

    op.create_table('users',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('email', sa.String(length=254), nullable=False),
    sa.Column('password_hash', sa.String(length=256), nullable=False),
    sa.Column('full_name', sa.String(length=200), nullable=False),
    sa.Column('phone', sa.String(length=30), nullable=True),
    sa.Column('role', sa.Enum('producer', 'inspector', 'admin', name='role', native_enum=False, create_constraint=True, length=24), nullable=False),
    sa.Column('organization_id', sa.Integer(), nullable=True),
    sa.Column('is_active', sa.Boolean(), nullable=False),
    sa.Column('locale', sa.String(length=5), nullable=True),
    sa.Column('created_at', traceability.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('last_login_at', traceability.db.UTCDateTime(timezone=True), nullable=True),
    sa.CheckConstraint("role <> 'producer' OR organization_id IS NOT NULL", name=op.f('ck_users_producer_has_org')),
    sa.ForeignKeyConstraint(['organization_id'], ['organizations.id'], name=op.f('fk_users_organization_id_organizations')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_users')),
    sa.UniqueConstraint('email', name=op.f('uq_users_email'))
    )
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_users_organization_id'), ['organization_id'], unique=False)

    # organizations and audit_entries point at users, which is created after them
    with op.batch_alter_table('organizations', schema=None) as batch_op:
        batch_op.create_foreign_key(op.f('fk_organizations_status_changed_by_id_users'), 'users',
                                    ['status_changed_by_id'], ['id'])
    with op.batch_alter_table('audit_entries', schema=None) as batch_op:
        batch_op.create_foreign_key(op.f('fk_audit_entries_actor_id_users'), 'users', ['actor_id'], ['id'])

    op.create_table('api_tokens',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('created_at', traceability.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('last_used_at', traceability.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('revoked_at', traceability.db.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_api_tokens_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_api_tokens')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_api_tokens_token_hash'))
    )
    with op.batch_alter_table('api_tokens', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_api_tokens_user_id'), ['user_id'], unique=False)

    op.create_table('batches',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('organization_id', sa.Integer(), nullable=False),
    sa.Column('product_id', sa.Integer(), nullable=False),
    sa.Column('site_id', sa.Integer(), nullable=True),
    sa.Column('lot_code', sa.String(length=40), nullable=False),
    sa.Column('quantity', sa.Numeric(precision=14, scale=3), nullable=False),
    sa.Column('unit', sa.String(length=20), nullable=False),
    sa.Column('planted_on', sa.Date(), nullable=True),
    sa.Column('harvested_on', sa.Date(), nullable=True),
    sa.Column('produced_on', sa.Date(), nullable=True),
    sa.Column('expires_on', sa.Date(), nullable=True),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('status', sa.Enum('draft', 'published', 'suspended', 'recalled', name='status', native_enum=False, create_constraint=True, length=24), nullable=False),
    sa.Column('status_reason', sa.String(length=500), nullable=True),
    sa.Column('status_changed_at', traceability.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('published_at', traceability.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', traceability.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', traceability.db.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint('quantity >= 0', name=op.f('ck_batches_quantity_not_negative')),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_batches_created_by_id_users')),
    sa.ForeignKeyConstraint(['organization_id'], ['organizations.id'], name=op.f('fk_batches_organization_id_organizations')),
    sa.ForeignKeyConstraint(['product_id'], ['products.id'], name=op.f('fk_batches_product_id_products')),
    sa.ForeignKeyConstraint(['site_id'], ['sites.id'], name=op.f('fk_batches_site_id_sites')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_batches')),
    sa.UniqueConstraint('organization_id', 'lot_code', name=op.f('uq_batches_organization_id_lot_code'))
    )
    with op.batch_alter_table('batches', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_batches_organization_id'), ['organization_id'], unique=False)
        batch_op.create_index('ix_batches_product_id_lot_code', ['product_id', 'lot_code'], unique=False)
        batch_op.create_index(batch_op.f('ix_batches_site_id'), ['site_id'], unique=False)

    op.create_table('certifications',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('organization_id', sa.Integer(), nullable=False),
    sa.Column('site_id', sa.Integer(), nullable=True),
    sa.Column('scheme', sa.String(length=40), nullable=False),
    sa.Column('number', sa.String(length=80), nullable=False),
    sa.Column('issuer', sa.String(length=200), nullable=False),
    sa.Column('valid_from', sa.Date(), nullable=False),
    sa.Column('valid_to', sa.Date(), nullable=True),
    sa.Column('document_path', sa.String(length=300), nullable=True),
    sa.Column('document_type', sa.String(length=40), nullable=True),
    sa.Column('created_at', traceability.db.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint('valid_to IS NULL OR valid_to >= valid_from', name=op.f('ck_certifications_validity_order')),
    sa.ForeignKeyConstraint(['organization_id'], ['organizations.id'], name=op.f('fk_certifications_organization_id_organizations')),
    sa.ForeignKeyConstraint(['site_id'], ['sites.id'], name=op.f('fk_certifications_site_id_sites')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_certifications')),
    sa.UniqueConstraint('organization_id', 'scheme', 'number', name=op.f('uq_certifications_organization_id_scheme_number'))
    )
    with op.batch_alter_table('certifications', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_certifications_organization_id'), ['organization_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_certifications_site_id'), ['site_id'], unique=False)

    op.create_table('amendments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('batch_id', sa.Integer(), nullable=False),
    sa.Column('field', sa.String(length=60), nullable=False),
    sa.Column('old_value', sa.Text(), nullable=True),
    sa.Column('new_value', sa.Text(), nullable=True),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('created_at', traceability.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['batch_id'], ['batches.id'], name=op.f('fk_amendments_batch_id_batches')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_amendments_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_amendments'))
    )
    with op.batch_alter_table('amendments', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_amendments_batch_id'), ['batch_id'], unique=False)

    op.create_table('batch_inputs',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('batch_id', sa.Integer(), nullable=False),
    sa.Column('input_batch_id', sa.Integer(), nullable=False),
    sa.Column('quantity', sa.Numeric(precision=14, scale=3), nullable=False),
    sa.CheckConstraint('batch_id <> input_batch_id', name=op.f('ck_batch_inputs_not_own_input')),
    sa.CheckConstraint('quantity >= 0', name=op.f('ck_batch_inputs_quantity_not_negative')),
    sa.ForeignKeyConstraint(['batch_id'], ['batches.id'], name=op.f('fk_batch_inputs_batch_id_batches'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['input_batch_id'], ['batches.id'], name=op.f('fk_batch_inputs_input_batch_id_batches')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_batch_inputs')),
    sa.UniqueConstraint('batch_id', 'input_batch_id', name=op.f('uq_batch_inputs_batch_id_input_batch_id'))
    )
    with op.batch_alter_table('batch_inputs', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_batch_inputs_batch_id'), ['batch_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_batch_inputs_input_batch_id'), ['input_batch_id'], unique=False)

    op.create_table('chemical_applications',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('batch_id', sa.Integer(), nullable=False),
    sa.Column('site_id', sa.Integer(), nullable=True),
    sa.Column('applied_on', sa.Date(), nullable=False),
    sa.Column('trade_name', sa.String(length=200), nullable=False),
    sa.Column('active_ingredient', sa.String(length=300), nullable=False),
    sa.Column('registration_no', sa.String(length=60), nullable=True),
    sa.Column('purpose', sa.Enum('insecticide', 'fungicide', 'herbicide', 'fertilizer', 'growth_regulator', 'veterinary_drug', 'other', name='purpose', native_enum=False, create_constraint=True, length=24), nullable=False),
    sa.Column('dose', sa.Numeric(precision=14, scale=3), nullable=True),
    sa.Column('dose_unit', sa.String(length=20), nullable=True),
    sa.Column('area_treated', sa.Numeric(precision=14, scale=3), nullable=True),
    sa.Column('phi_days', sa.Integer(), nullable=True),
    sa.Column('created_at', traceability.db.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint('area_treated IS NULL OR area_treated >= 0', name=op.f('ck_chemical_applications_area_not_negative')),
    sa.CheckConstraint('dose IS NULL OR dose >= 0', name=op.f('ck_chemical_applications_dose_not_negative')),
    sa.CheckConstraint('phi_days IS NULL OR phi_days >= 0', name=op.f('ck_chemical_applications_phi_not_negative')),
    sa.ForeignKeyConstraint(['batch_id'], ['batches.id'], name=op.f('fk_chemical_applications_batch_id_batches'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['site_id'], ['sites.id'], name=op.f('fk_chemical_applications_site_id_sites')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_chemical_applications'))
    )
    with op.batch_alter_table('chemical_applications', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_chemical_applications_batch_id'), ['batch_id'], unique=False)

    op.create_table('codes',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('value', sa.String(length=16), nullable=False),
    sa.Column('batch_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum('lot', 'serial', name='kind', native_enum=False, create_constraint=True, length=24), nullable=False),
    sa.Column('created_at', traceability.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('revoked_at', traceability.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('revoked_reason', sa.String(length=500), nullable=True),
    sa.ForeignKeyConstraint(['batch_id'], ['batches.id'], name=op.f('fk_codes_batch_id_batches')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_codes')),
    sa.UniqueConstraint('value', name=op.f('uq_codes_value'))
    )
    with op.batch_alter_table('codes', schema=None) as batch_op:
        batch_op.create_index('ix_codes_batch_id_kind', ['batch_id', 'kind'], unique=False)

    op.create_table('events',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('batch_id', sa.Integer(), nullable=False),
    sa.Column('type', sa.Enum('planting', 'fertilizing', 'spraying', 'irrigating', 'harvesting', 'processing', 'packing', 'storing', 'shipping', 'receiving', 'inspecting', 'testing', name='type', native_enum=False, create_constraint=True, length=24), nullable=False),
    sa.Column('occurred_at', traceability.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('site_id', sa.Integer(), nullable=True),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('partner', sa.String(length=300), nullable=True),
    sa.Column('recorded_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', traceability.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['batch_id'], ['batches.id'], name=op.f('fk_events_batch_id_batches'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['users.id'], name=op.f('fk_events_recorded_by_id_users')),
    sa.ForeignKeyConstraint(['site_id'], ['sites.id'], name=op.f('fk_events_site_id_sites')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_events'))
    )
    with op.batch_alter_table('events', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_events_batch_id'), ['batch_id'], unique=False)

    op.create_table('inspections',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('inspector_id', sa.Integer(), nullable=False),
    sa.Column('organization_id', sa.Integer(), nullable=True),
    sa.Column('batch_id', sa.Integer(), nullable=True),
    sa.Column('site_id', sa.Integer(), nullable=True),
    sa.Column('inspected_at', traceability.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('latitude', sa.Numeric(precision=9, scale=6), nullable=True),
    sa.Column('longitude', sa.Numeric(precision=9, scale=6), nullable=True),
    sa.Column('result', sa.Enum('compliant', 'minor_issue', 'violation', name='result', native_enum=False, create_constraint=True, length=24), nullable=False),
    sa.Column('findings', sa.Text(), nullable=True),
    sa.Column('action', sa.Enum('none', 'warning', 'suspend', 'recall', name='action', native_enum=False, create_constraint=True, length=24), nullable=False),
    sa.Column('photos', sa.JSON(), nullable=False),
    sa.Column('created_at', traceability.db.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint('batch_id IS NOT NULL OR site_id IS NOT NULL OR organization_id IS NOT NULL', name=op.f('ck_inspections_has_subject')),
    sa.CheckConstraint('latitude IS NULL OR (latitude >= -90 AND latitude <= 90)', name=op.f('ck_inspections_latitude_range')),
    sa.CheckConstraint('longitude IS NULL OR (longitude >= -180 AND longitude <= 180)', name=op.f('ck_inspections_longitude_range')),
    sa.ForeignKeyConstraint(['batch_id'], ['batches.id'], name=op.f('fk_inspections_batch_id_batches')),
    sa.ForeignKeyConstraint(['inspector_id'], ['users.id'], name=op.f('fk_inspections_inspector_id_users')),
    sa.ForeignKeyConstraint(['organization_id'], ['organizations.id'], name=op.f('fk_inspections_organization_id_organizations')),
    sa.ForeignKeyConstraint(['site_id'], ['sites.id'], name=op.f('fk_inspections_site_id_sites')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_inspections'))
    )
    with op.batch_alter_table('inspections', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_inspections_batch_id'), ['batch_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_inspections_inspected_at'), ['inspected_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_inspections_inspector_id'), ['inspector_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_inspections_organization_id'), ['organization_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_inspections_site_id'), ['site_id'], unique=False)

    op.create_table('lab_tests',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('batch_id', sa.Integer(), nullable=False),
    sa.Column('laboratory', sa.String(length=200), nullable=False),
    sa.Column('certificate_no', sa.String(length=80), nullable=True),
    sa.Column('sampled_on', sa.Date(), nullable=False),
    sa.Column('reported_on', sa.Date(), nullable=True),
    sa.Column('analyte', sa.String(length=200), nullable=False),
    sa.Column('result', sa.Enum('pass', 'fail', name='result', native_enum=False, create_constraint=True, length=24), nullable=False),
    sa.Column('value', sa.String(length=60), nullable=True),
    sa.Column('unit', sa.String(length=20), nullable=True),
    sa.Column('limit_value', sa.String(length=60), nullable=True),
    sa.Column('document_path', sa.String(length=300), nullable=True),
    sa.Column('document_type', sa.String(length=40), nullable=True),
    sa.Column('created_at', traceability.db.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint('reported_on IS NULL OR reported_on >= sampled_on', name=op.f('ck_lab_tests_date_order')),
    sa.ForeignKeyConstraint(['batch_id'], ['batches.id'], name=op.f('fk_lab_tests_batch_id_batches'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_lab_tests'))
    )
    with op.batch_alter_table('lab_tests', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_lab_tests_batch_id'), ['batch_id'], unique=False)

    op.create_table('publish_attempts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('batch_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('attempted_at', traceability.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('is_accepted', sa.Boolean(), nullable=False),
    sa.Column('problems', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['batch_id'], ['batches.id'], name=op.f('fk_publish_attempts_batch_id_batches'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_publish_attempts_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_publish_attempts'))
    )
    with op.batch_alter_table('publish_attempts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_publish_attempts_attempted_at'), ['attempted_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_publish_attempts_batch_id'), ['batch_id'], unique=False)

    op.create_table('consumer_reports',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('receipt', sa.String(length=16), nullable=False),
    sa.Column('code_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('batch_id', sa.Integer(), nullable=True),
    sa.Column('kind', sa.Enum('suspected_fake', 'quality', 'labelling', 'other', name='kind', native_enum=False, create_constraint=True, length=24), nullable=False),
    sa.Column('message', sa.Text(), nullable=False),
    sa.Column('contact', sa.String(length=200), nullable=True),
    sa.Column('photo_path', sa.String(length=300), nullable=True),
    sa.Column('status', sa.Enum('new', 'in_review', 'resolved', 'dismissed', name='status', native_enum=False, create_constraint=True, length=24), nullable=False),
    sa.Column('reply', sa.Text(), nullable=True),
    sa.Column('handled_by_id', sa.Integer(), nullable=True),
    sa.Column('client_hash', sa.String(length=64), nullable=True),
    sa.Column('created_at', traceability.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', traceability.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['batch_id'], ['batches.id'], name=op.f('fk_consumer_reports_batch_id_batches')),
    sa.ForeignKeyConstraint(['code_id'], ['codes.id'], name=op.f('fk_consumer_reports_code_id_codes')),
    sa.ForeignKeyConstraint(['handled_by_id'], ['users.id'], name=op.f('fk_consumer_reports_handled_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_consumer_reports')),
    sa.UniqueConstraint('receipt', name=op.f('uq_consumer_reports_receipt'))
    )
    with op.batch_alter_table('consumer_reports', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_consumer_reports_batch_id'), ['batch_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_consumer_reports_code_id'), ['code_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_consumer_reports_created_at'), ['created_at'], unique=False)

    op.create_table('inspection_samples',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('inspection_id', sa.Integer(), nullable=False),
    sa.Column('sample_code', sa.String(length=60), nullable=False),
    sa.Column('laboratory', sa.String(length=200), nullable=True),
    sa.Column('note', sa.String(length=300), nullable=True),
    sa.ForeignKeyConstraint(['inspection_id'], ['inspections.id'], name=op.f('fk_inspection_samples_inspection_id_inspections'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_inspection_samples'))
    )
    with op.batch_alter_table('inspection_samples', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_inspection_samples_inspection_id'), ['inspection_id'], unique=False)

    op.create_table('scans',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('code_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('scanned_at', traceability.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('client_hash', sa.String(length=64), nullable=False),
    sa.Column('user_agent_family', sa.String(length=40), nullable=True),
    sa.ForeignKeyConstraint(['code_id'], ['codes.id'], name=op.f('fk_scans_code_id_codes')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_scans'))
    )
    with op.batch_alter_table('scans', schema=None) as batch_op:
        batch_op.create_index('ix_scans_code_id_scanned_at', ['code_id', 'scanned_at'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('audit_entries', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('fk_audit_entries_actor_id_users'), type_='foreignkey')
    with op.batch_alter_table('organizations', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('fk_organizations_status_changed_by_id_users'), type_='foreignkey')
    with op.batch_alter_table('scans', schema=None) as batch_op:
        batch_op.drop_index('ix_scans_code_id_scanned_at')

    op.drop_table('scans')
    with op.batch_alter_table('inspection_samples', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_inspection_samples_inspection_id'))

    op.drop_table('inspection_samples')
    with op.batch_alter_table('consumer_reports', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_consumer_reports_created_at'))
        batch_op.drop_index(batch_op.f('ix_consumer_reports_code_id'))
        batch_op.drop_index(batch_op.f('ix_consumer_reports_batch_id'))

    op.drop_table('consumer_reports')
    with op.batch_alter_table('publish_attempts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_publish_attempts_batch_id'))
        batch_op.drop_index(batch_op.f('ix_publish_attempts_attempted_at'))

    op.drop_table('publish_attempts')
    with op.batch_alter_table('lab_tests', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_lab_tests_batch_id'))

    op.drop_table('lab_tests')
    with op.batch_alter_table('inspections', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_inspections_site_id'))
        batch_op.drop_index(batch_op.f('ix_inspections_organization_id'))
        batch_op.drop_index(batch_op.f('ix_inspections_inspector_id'))
        batch_op.drop_index(batch_op.f('ix_inspections_inspected_at'))
        batch_op.drop_index(batch_op.f('ix_inspections_batch_id'))

    op.drop_table('inspections')
    with op.batch_alter_table('events', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_events_batch_id'))

    op.drop_table('events')
    with op.batch_alter_table('codes', schema=None) as batch_op:
        batch_op.drop_index('ix_codes_batch_id_kind')

    op.drop_table('codes')
    with op.batch_alter_table('chemical_applications', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_chemical_applications_batch_id'))

    op.drop_table('chemical_applications')
    with op.batch_alter_table('batch_inputs', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_batch_inputs_input_batch_id'))
        batch_op.drop_index(batch_op.f('ix_batch_inputs_batch_id'))

    op.drop_table('batch_inputs')
    with op.batch_alter_table('amendments', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_amendments_batch_id'))

    op.drop_table('amendments')
    with op.batch_alter_table('certifications', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_certifications_site_id'))
        batch_op.drop_index(batch_op.f('ix_certifications_organization_id'))

    op.drop_table('certifications')
    with op.batch_alter_table('batches', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_batches_site_id'))
        batch_op.drop_index('ix_batches_product_id_lot_code')
        batch_op.drop_index(batch_op.f('ix_batches_organization_id'))

    op.drop_table('batches')
    with op.batch_alter_table('api_tokens', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_api_tokens_user_id'))

    op.drop_table('api_tokens')
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_users_organization_id'))

    op.drop_table('users')
    with op.batch_alter_table('sites', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_sites_organization_id'))

    op.drop_table('sites')
    with op.batch_alter_table('products', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_products_organization_id'))

    op.drop_table('products')
    op.drop_table('organizations')
    op.drop_table('banned_substances')
    op.drop_table('audit_head')
    with op.batch_alter_table('audit_entries', schema=None) as batch_op:
        batch_op.drop_index('ix_audit_entries_entity')

    op.drop_table('audit_entries')
