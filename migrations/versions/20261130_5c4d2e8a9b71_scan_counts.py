"""scan_counts: a unit code's scans and distinct clients, kept by a trigger as scans are inserted

Revision ID: 5c4d2e8a9b71
Revises: 5b1e0c7a9d42
Create Date: 2026-11-30 12:30:00

The consumer page of a unit code shows how often and by how many clients it was scanned. Counting its rows on
every scan grew with the code's history; the database now keeps the counts in the same transaction as each
inserted scan (a trigger, so every writer — the scan writer, a script, a test — keeps them right). A scan
counts its client once: the trigger first takes the counter row's lock (so a concurrent writer of the same
code has committed before it looks), then checks whether the client already scanned the code. The existing
scans are counted once here.
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '5c4d2e8a9b71'
down_revision: str | None = '5b1e0c7a9d42'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_PG_FUNCTION = """
CREATE FUNCTION count_unit_scan() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF (SELECT kind FROM codes WHERE id = NEW.code_id) <> 'serial' THEN
    RETURN NEW;
  END IF;
  INSERT INTO scan_counts (code_id, scan_count, client_count, first_scanned_at)
  VALUES (NEW.code_id, 1, 0, NEW.scanned_at)
  ON CONFLICT (code_id) DO UPDATE
  SET scan_count = scan_counts.scan_count + 1,
      first_scanned_at = least(scan_counts.first_scanned_at, excluded.first_scanned_at);
  IF NOT EXISTS (SELECT 1 FROM scans WHERE code_id = NEW.code_id AND client_hash = NEW.client_hash) THEN
    UPDATE scan_counts SET client_count = client_count + 1 WHERE code_id = NEW.code_id;
  END IF;
  RETURN NEW;
END
$$
"""
_PG_TRIGGER = (
    "CREATE TRIGGER scans_count_unit BEFORE INSERT ON scans FOR EACH ROW EXECUTE FUNCTION count_unit_scan()"
)
# SQLite serialises writers: no lock to take first. The client check runs before the row exists (BEFORE).
_SQLITE_TRIGGER = """
CREATE TRIGGER scans_count_unit BEFORE INSERT ON scans
WHEN (SELECT kind FROM codes WHERE id = NEW.code_id) = 'serial'
BEGIN
  INSERT OR IGNORE INTO scan_counts (code_id, scan_count, client_count, first_scanned_at)
  VALUES (NEW.code_id, 0, 0, NEW.scanned_at);
  UPDATE scan_counts
  SET scan_count = scan_count + 1,
      first_scanned_at = min(first_scanned_at, NEW.scanned_at),
      client_count = client_count + NOT EXISTS (
        SELECT 1 FROM scans WHERE code_id = NEW.code_id AND client_hash = NEW.client_hash)
  WHERE code_id = NEW.code_id;
END
"""
_BACKFILL = """
INSERT INTO scan_counts (code_id, scan_count, client_count, first_scanned_at)
SELECT scans.code_id, count(*), count(DISTINCT scans.client_hash), min(scans.scanned_at)
FROM scans JOIN codes ON codes.id = scans.code_id
WHERE codes.kind = 'serial'
GROUP BY scans.code_id
"""


def upgrade() -> None:
    op.create_table(
        'scan_counts',
        sa.Column('code_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
        sa.Column('scan_count', sa.Integer(), nullable=False),
        sa.Column('client_count', sa.Integer(), nullable=False),
        sa.Column('first_scanned_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['code_id'], ['codes.id'], name=op.f('fk_scan_counts_code_id_codes'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('code_id', name=op.f('pk_scan_counts')),
    )
    # is this client new for this code: one index probe per inserted unit scan
    op.create_index('ix_scans_code_id_client_hash', 'scans', ['code_id', 'client_hash'], unique=False)
    op.execute(_BACKFILL)
    if op.get_bind().dialect.name == 'postgresql':
        op.execute(_PG_FUNCTION)
        op.execute(_PG_TRIGGER)
    else:
        op.execute(_SQLITE_TRIGGER)


def downgrade() -> None:
    op.execute('DROP TRIGGER scans_count_unit' + (' ON scans' if op.get_bind().dialect.name == 'postgresql' else ''))
    if op.get_bind().dialect.name == 'postgresql':
        op.execute('DROP FUNCTION count_unit_scan()')
    op.drop_index('ix_scans_code_id_client_hash', table_name='scans')
    op.drop_table('scan_counts')
