"""sign-ins kept on the server (user_sessions), API tokens expire; the unused users.locale dropped

Revision ID: 0b1db4fb573b
Revises: 7e1ae0a8ce27
Create Date: 2026-11-30 11:16:15.048337
"""
import datetime as dt
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import traceability.db

revision: str = '0b1db4fb573b'
down_revision: str | None = '7e1ae0a8ce27'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('user_sessions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('key_hash', sa.String(length=64), nullable=False),
    sa.Column('remember', sa.Boolean(), nullable=False),
    sa.Column('user_agent', sa.String(length=200), nullable=False),
    sa.Column('ip_address', sa.String(length=45), nullable=True),
    sa.Column('created_at', traceability.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('last_seen_at', traceability.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('expires_at', traceability.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('revoked_at', traceability.db.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_user_sessions_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_user_sessions')),
    sa.UniqueConstraint('key_hash', name=op.f('uq_user_sessions_key_hash'))
    )
    with op.batch_alter_table('user_sessions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_user_sessions_user_id'), ['user_id'], unique=False)

    # tokens made before this had no end: they get the default 90 days from now, so their users have time to
    # make new ones
    with op.batch_alter_table('api_tokens', schema=None) as batch_op:
        batch_op.add_column(sa.Column('expires_at', traceability.db.UTCDateTime(timezone=True), nullable=True))
    tokens = sa.table('api_tokens', sa.column('expires_at', traceability.db.UTCDateTime(timezone=True)))
    op.execute(tokens.update().values(expires_at=dt.datetime.now(dt.UTC) + dt.timedelta(days=90)))
    with op.batch_alter_table('api_tokens', schema=None) as batch_op:
        batch_op.alter_column('expires_at', existing_type=traceability.db.UTCDateTime(timezone=True), nullable=False)

    # not in batch mode: on SQLite that copies and drops the users table, and the drop would cascade to every
    # user's tokens (SQLite has dropped columns in place since 3.35)
    op.drop_column('users', 'locale')



def downgrade() -> None:
    op.add_column('users', sa.Column('locale', sa.VARCHAR(length=5), nullable=True))

    with op.batch_alter_table('api_tokens', schema=None) as batch_op:
        batch_op.drop_column('expires_at')

    with op.batch_alter_table('user_sessions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_user_sessions_user_id'))

    op.drop_table('user_sessions')
