"""The migrations build the whole schema from nothing, match the models exactly, and come back down."""

import datetime as dt

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect, select, text
from sqlalchemy.orm import Session

from traceability import db, migrate
from traceability.codes.models import Code, CodeKind
from traceability.demo import load_demo
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


def test_the_clients_of_unit_codes_scanned_before_the_upgrade_are_known_after_it():
    engine = db.make_engine(scratch_database_url("_migrations"))
    try:
        migrate.upgrade(engine)
        with Session(engine) as session:
            load_demo(session)
            session.commit()
            unit = session.scalars(select(Code.id).where(Code.kind == CodeKind.SERIAL)).first()
        migrate.downgrade(engine, "4e7b9c2d1f60")  # scans counted by looking the client up among the scans
        scan = text("INSERT INTO scans (code_id, scanned_at, client_hash) VALUES (:code, :at, :client)")

        def counts() -> tuple[int, int]:
            with engine.connect() as conn:
                query = text("SELECT scan_count, client_count FROM scan_counts WHERE code_id = :code")
                return tuple(conn.execute(query, {"code": unit}).one())

        at = dt.datetime(2026, 11, 30, 8, tzinfo=dt.UTC)
        if engine.dialect.name == "sqlite":  # kept as naive UTC text, as the app writes it
            at = at.replace(tzinfo=None)
        with engine.begin() as conn:
            for client in ("phone-a", "phone-b", "phone-a"):
                conn.execute(scan, {"code": unit, "at": at, "client": client})
        migrate.upgrade(engine)
        with engine.begin() as conn:  # one client seen before the upgrade, one new
            for client in ("phone-b", "phone-c"):
                conn.execute(scan, {"code": unit, "at": at, "client": client})
        assert counts() == (5, 3)
        with engine.connect() as conn:
            assert "ix_scans_code_id_client_hash" not in {i["name"] for i in inspect(conn).get_indexes("scans")}
        migrate.downgrade(engine, "4e7b9c2d1f60")  # and back: the index counts again, from the scans
        with engine.begin() as conn:
            conn.execute(scan, {"code": unit, "at": at, "client": "phone-c"})
            conn.execute(scan, {"code": unit, "at": at, "client": "phone-d"})
        assert counts() == (7, 4)
    finally:
        engine.dispose()
