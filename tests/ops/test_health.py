"""/healthz and /readyz as a load balancer sees them."""

from __future__ import annotations

import pytest

from tests.conftest import scratch_database_url
from traceability import db, migrate


def test_healthz_answers_while_the_process_runs(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok"}


def test_readyz_is_ready_on_a_migrated_database(client):
    response = client.get("/readyz")
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["checks"] == {"database": "ok", "migrations": "ok", "jobs": "ok"}


def test_readyz_names_migrations_that_are_not_at_head(app, client, monkeypatch):
    engine = db.make_engine(scratch_database_url("_ops_behind"))
    try:
        with engine.begin() as conn:
            first = migrate.alembic_config(conn)
            from alembic.script import ScriptDirectory

            base_revision = list(ScriptDirectory.from_config(first).walk_revisions())[-1].revision
        migrate.upgrade(engine, base_revision)
        monkeypatch.setitem(app.extensions, "engine", engine)
        response = client.get("/readyz")
        assert response.status_code == 503
        body = response.get_json()
        assert body["failing"] == ["migrations"]
        assert base_revision in body["checks"]["migrations"]
        assert "traceability db upgrade" in body["checks"]["migrations"]

        migrate.upgrade(engine)
        assert client.get("/readyz").status_code == 200
    finally:
        engine.dispose()


class FakeQueue:
    def __init__(self, reachable: bool):
        self.reachable = reachable

    def ping(self) -> None:
        if not self.reachable:
            raise ConnectionError("redis: connection refused")

    def counts(self) -> dict[str, int]:
        self.ping()
        return {"queued": 4, "running": 1, "failed": 2}


def test_readyz_names_a_job_queue_that_cannot_be_reached(app, client, monkeypatch):
    queue = FakeQueue(reachable=False)
    monkeypatch.setitem(app.extensions, "jobs", queue)
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.get_json()["failing"] == ["jobs"]
    assert response.get_json()["checks"]["jobs"] == "unreachable"

    queue.reachable = True
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.get_json()["checks"]["jobs"] == "ok"


@pytest.mark.no_db
def test_readyz_fails_while_postgresql_is_down_and_recovers_when_it_is_back(app, private_postgres, monkeypatch):
    engine = db.make_engine(private_postgres.create_database("ops_ready"))
    try:
        migrate.upgrade(engine)
        monkeypatch.setitem(app.extensions, "engine", engine)
        client = app.test_client()
        assert client.get("/readyz").status_code == 200  # the pool now holds a connection to the server

        private_postgres.stop()
        try:
            response = client.get("/readyz")
            assert response.status_code == 503
            assert response.get_json()["failing"] == ["database"]
            assert response.get_json()["checks"]["database"] == "unreachable"
            assert client.get("/healthz").status_code == 200  # the process itself still answers
        finally:
            private_postgres.start()

        response = client.get("/readyz")
        assert response.status_code == 200, response.get_json()
    finally:
        engine.dispose()
