"""scan_clients: the clients of each unit code, in place of an index on every scan

Revision ID: 6a2f8c1d3b90
Revises: 4e7b9c2d1f60
Create Date: 2026-12-01 15:00:00

The counting trigger asked whether a unit code's client was new through the index `(code_id, client_hash)` of
`scans`, which every scan paid for — lot codes' too, most of them. The clients of unit codes now have a table
of their own, filled by the same trigger, and the index is gone. On PostgreSQL, COPY of 1,000 lot-code scans
from distinct clients into 200,000 rows cost the database 36 ms of CPU with the index and 25 ms without it.
A client is added once: on PostgreSQL by `ON CONFLICT DO NOTHING`, which waits for a concurrent writer of the
same client and code; the number of rows it adds is the code's new clients.
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '6a2f8c1d3b90'
down_revision: str | None = '4e7b9c2d1f60'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# the counting function's frame and its first statement, unchanged since scan_counts_per_statement: the counter
# rows, taken in the order of their codes
_PG_FUNCTION = """
CREATE OR REPLACE FUNCTION count_unit_scans() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO scan_counts (code_id, scan_count, client_count, first_scanned_at)
  SELECT new_scans.code_id, count(*), 0, min(new_scans.scanned_at)
  FROM new_scans JOIN codes ON codes.id = new_scans.code_id
  WHERE codes.kind = 'serial'
  GROUP BY new_scans.code_id
  ORDER BY new_scans.code_id
  ON CONFLICT (code_id) DO UPDATE
  SET scan_count = scan_counts.scan_count + excluded.scan_count,
      first_scanned_at = least(scan_counts.first_scanned_at, excluded.first_scanned_at);
  IF NOT FOUND THEN  -- lot codes only
    RETURN NULL;
  END IF;
  %s
  RETURN NULL;
END
$$
"""
_PG_NEW_CLIENTS = """
  WITH added AS (
    INSERT INTO scan_clients (code_id, client_hash)
    SELECT DISTINCT new_scans.code_id, new_scans.client_hash
    FROM new_scans JOIN codes ON codes.id = new_scans.code_id
    WHERE codes.kind = 'serial'
    ORDER BY 1, 2
    ON CONFLICT DO NOTHING
    RETURNING code_id
  )
  UPDATE scan_counts SET client_count = scan_counts.client_count + fresh.clients
  FROM (SELECT code_id, count(*) AS clients FROM added GROUP BY code_id) AS fresh
  WHERE scan_counts.code_id = fresh.code_id;
"""
# as scan_counts_per_statement made it
_PG_NEW_CLIENTS_BEFORE = """
  UPDATE scan_counts SET client_count = scan_counts.client_count + fresh.clients
  FROM (
    SELECT new_scans.code_id, count(DISTINCT new_scans.client_hash) AS clients
    FROM new_scans JOIN codes ON codes.id = new_scans.code_id
    WHERE codes.kind = 'serial' AND NOT EXISTS (
      SELECT 1 FROM scans
      WHERE scans.code_id = new_scans.code_id AND scans.client_hash = new_scans.client_hash
        AND scans.id NOT IN (SELECT id FROM new_scans))
    GROUP BY new_scans.code_id
  ) AS fresh
  WHERE scan_counts.code_id = fresh.code_id;
"""
# SQLite serialises writers and has row triggers only: the client is looked up before it is added
_SQLITE_TRIGGER = """
CREATE TRIGGER scans_count_unit BEFORE INSERT ON scans
WHEN (SELECT kind FROM codes WHERE id = NEW.code_id) = 'serial'
BEGIN
  INSERT OR IGNORE INTO scan_counts (code_id, scan_count, client_count, first_scanned_at)
  VALUES (NEW.code_id, 0, 0, NEW.scanned_at);
  UPDATE scan_counts
  SET scan_count = scan_count + 1,
      first_scanned_at = min(first_scanned_at, NEW.scanned_at),
      client_count = client_count + NOT EXISTS (SELECT 1 FROM %s WHERE code_id = NEW.code_id AND client_hash = NEW.client_hash)
  WHERE code_id = NEW.code_id;
  %s
END
"""
_BACKFILL = """
INSERT INTO scan_clients (code_id, client_hash)
SELECT DISTINCT scans.code_id, scans.client_hash
FROM scans JOIN codes ON codes.id = scans.code_id
WHERE codes.kind = 'serial'
"""


def upgrade() -> None:
    if op.get_bind().dialect.name == 'postgresql':
        # scan writers wait for this migration (reads go on): none is counted the old way after the fill
        op.execute('LOCK TABLE scans IN EXCLUSIVE MODE')
    op.create_table(
        'scan_clients',
        sa.Column('code_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
        sa.Column('client_hash', sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(['code_id'], ['codes.id'], name=op.f('fk_scan_clients_code_id_codes'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('code_id', 'client_hash', name=op.f('pk_scan_clients')),
    )
    op.execute(_BACKFILL)
    if op.get_bind().dialect.name == 'postgresql':
        op.execute(_PG_FUNCTION % _PG_NEW_CLIENTS)
    else:
        op.execute('DROP TRIGGER scans_count_unit')
        adds = 'INSERT OR IGNORE INTO scan_clients (code_id, client_hash) VALUES (NEW.code_id, NEW.client_hash);'
        op.execute(_SQLITE_TRIGGER % ('scan_clients', adds))
    op.drop_index('ix_scans_code_id_client_hash', table_name='scans')


def downgrade() -> None:
    op.create_index('ix_scans_code_id_client_hash', 'scans', ['code_id', 'client_hash'], unique=False)
    if op.get_bind().dialect.name == 'postgresql':
        op.execute(_PG_FUNCTION % _PG_NEW_CLIENTS_BEFORE)
    else:
        op.execute('DROP TRIGGER scans_count_unit')
        op.execute(_SQLITE_TRIGGER % ('scans', ''))  # as scan_counts made it
    op.drop_table('scan_clients')
