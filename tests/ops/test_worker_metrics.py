"""The job worker and the web server share PROMETHEUS_MULTIPROC_DIR (instance/prometheus unless set): a job the
worker (a process of its own) finished is counted in the web server's /metrics, whichever started first."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from prometheus_client.parser import text_string_to_metric_families

from .test_gunicorn import _free_port, _get

pytestmark = pytest.mark.no_db

SUBMIT = """
from traceability import create_app, db, unit_of_work
from traceability.accounts.services import find_user
from traceability.jobs.services import submit

app = create_app()
with app.app_context():
    session = db.session()
    # a label sheet of a batch that does not exist: the worker ends the job as failed, saying why
    submit(session, "label_sheet", find_user(session, "admin@example.org"), {"batch_id": 999999, "per_page": 10})
    unit_of_work.finish(session, commit=True)
"""


def _finished(text: str) -> dict[tuple[str, str], float]:
    return {
        (sample.labels["kind"], sample.labels["state"]): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
        if sample.name == "traceability_jobs_finished_total"
    }


def test_a_job_done_by_the_worker_process_shows_in_the_servers_metrics(tmp_path):
    cli = str(Path(sys.executable).with_name("traceability"))
    metrics_dir = tmp_path / "prometheus"
    env = {
        **os.environ,
        "INSTANCE_PATH": str(tmp_path),
        "DATABASE_URL": f"sqlite:///{tmp_path}/served.db",
    }
    env.pop("TEST_DATABASE_URL", None)
    env.pop("PROMETHEUS_MULTIPROC_DIR", None)  # each command chooses the default, instance/prometheus
    env.pop("REDIS_URL", None)  # the embedded queue: a SQLite file in the instance folder
    done = subprocess.run([cli, "db", "upgrade"], env=env, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr[-3000:]
    made = [cli, "users", "create", "--email", "admin@example.org", "--role", "admin", "--password", "x" * 12]
    subprocess.run(made, env=env, check=True, capture_output=True)
    port = _free_port()
    logs = open(tmp_path / "processes.log", "wb")  # noqa: SIM115
    # the worker first: the server starting after it must keep the worker's files
    worker = subprocess.Popen([cli, "worker"], env=env, stdout=logs, stderr=logs, start_new_session=True)
    server = subprocess.Popen(
        [cli, "serve", "--port", str(port), "--workers", "1"], env=env, stdout=logs, stderr=logs, start_new_session=True
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                if _get(f"{base}/healthz")[0] == 200:
                    break
            except OSError:
                pass
            assert server.poll() is None and worker.poll() is None, (tmp_path / "processes.log").read_text()[-3000:]
            assert time.monotonic() < deadline, "the server did not start"
            time.sleep(0.2)
        assert _finished(_get(f"{base}/metrics")[1]) == {}

        subprocess.run([sys.executable, "-c", SUBMIT], env=env, check=True, capture_output=True)
        deadline = time.monotonic() + 60
        while (counted := _finished(_get(f"{base}/metrics")[1])) != {("label_sheet", "failed"): 1.0}:
            assert worker.poll() is None, (tmp_path / "processes.log").read_text()[-3000:]
            assert time.monotonic() < deadline, counted
            time.sleep(0.3)
        assert any(path.name.endswith(f"_{worker.pid}.db") for path in metrics_dir.glob("counter_*.db"))
    finally:
        for process in (server, worker):
            os.killpg(process.pid, signal.SIGTERM)
        for process in (server, worker):
            process.wait(timeout=30)
        logs.close()
