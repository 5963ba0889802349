"""The migrations build the whole schema from nothing, match the models exactly, and come back down."""

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

from traceability import db, migrate
from traceability.models import Base

from .conftest import scratch_database_url


def test_upgrade_from_empty_matches_the_models_and_downgrades_to_nothing():
    engine = db.make_engine(scratch_database_url("_migrations"))
    try:
        migrate.upgrade(engine)
        with engine.connect() as conn:
            tables = set(inspect(conn).get_table_names())
            assert set(Base.metadata.tables) <= tables
            context = MigrationContext.configure(conn, opts={"compare_type": True, "compare_server_default": True})
            assert compare_metadata(context, Base.metadata) == []
        migrate.downgrade(engine, "base")
        with engine.connect() as conn:
            assert set(inspect(conn).get_table_names()) <= {"alembic_version"}
        migrate.upgrade(engine)  # and up again: downgrade left nothing behind that blocks it
    finally:
        engine.dispose()


def test_the_scan_time_index_can_be_built_ahead_and_is_dropped_on_downgrade():
    engine = db.make_engine(scratch_database_url("_migrations"))
    try:
        migrate.upgrade(engine, "c13a97db5fde")
        with engine.begin() as conn:  # what an operator runs first (CONCURRENTLY on PostgreSQL) on a big table
            conn.exec_driver_sql("CREATE INDEX ix_scans_scanned_at ON scans (scanned_at)")
        migrate.upgrade(engine)
        with engine.connect() as conn:
            assert "ix_scans_scanned_at" in {i["name"] for i in inspect(conn).get_indexes("scans")}
        migrate.downgrade(engine, "c13a97db5fde")
        with engine.connect() as conn:
            assert "ix_scans_scanned_at" not in {i["name"] for i in inspect(conn).get_indexes("scans")}
    finally:
        engine.dispose()
