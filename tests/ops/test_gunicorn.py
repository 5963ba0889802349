"""`traceability serve` with two gunicorn workers: a scrape of either adds up both workers' counts."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from prometheus_client.mmap_dict import MmapedDict
from prometheus_client.parser import text_string_to_metric_families

pytestmark = pytest.mark.no_db
ROUND = 20


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _get(url: str) -> tuple[int, str]:
    with urllib.request.urlopen(url, timeout=10) as response:  # noqa: S310 (loopback only)
        return response.status, response.read().decode()


def _healthz_per_worker(metrics_dir: Path) -> dict[str, float]:
    """/healthz answers counted in each worker's own file."""
    return {
        path.name: sum(
            value
            for key, value, *_ in MmapedDict.read_all_values_from_file(str(path))
            if '"/healthz"' in key and "http_requests_total" in key
        )
        for path in metrics_dir.glob("counter_*.db")
    }


def test_metrics_add_up_across_two_workers(tmp_path):
    cli = str(Path(sys.executable).with_name("traceability"))
    metrics_dir = tmp_path / "prometheus"
    metrics_dir.mkdir()
    (metrics_dir / "counter_999999.db").write_bytes(b"left over from an earlier run")
    env = {
        **os.environ,
        "INSTANCE_PATH": str(tmp_path),
        "DATABASE_URL": f"sqlite:///{tmp_path}/served.db",
        "PROMETHEUS_MULTIPROC_DIR": str(metrics_dir),
        "SCAN_WRITE_SECONDS": "0",
    }
    env.pop("TEST_DATABASE_URL", None)
    subprocess.run([cli, "db", "upgrade"], env=env, check=True, capture_output=True)
    port = _free_port()
    log = open(tmp_path / "server.log", "wb")  # noqa: SIM115 (a file, not a pipe: one log line per request)
    server = subprocess.Popen(
        [cli, "serve", "--port", str(port), "--workers", "2"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=log,
        start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                if _get(f"{base}/readyz")[0] == 200:
                    break
            except OSError:
                pass
            assert server.poll() is None, (tmp_path / "server.log").read_text()[-3000:]
            assert time.monotonic() < deadline, "the server did not become ready"
            time.sleep(0.2)

        # rounds of eight clients at once, until both workers have answered some (the second may still be
        # starting on a busy machine; bounded in time)
        sent, deadline = 0, time.monotonic() + 120
        while True:
            with ThreadPoolExecutor(8) as pool:
                statuses = list(pool.map(lambda _: _get(f"{base}/healthz")[0], range(ROUND)))
            assert statuses == [200] * ROUND
            sent += ROUND
            per_worker = _healthz_per_worker(metrics_dir)
            if len(per_worker) == 2 and all(per_worker.values()):
                break
            assert time.monotonic() < deadline, per_worker
            time.sleep(0.5)
        # a request is counted when its answer is closed, just after the client has it
        settle = time.monotonic() + 10
        while sum(_healthz_per_worker(metrics_dir).values()) < sent and time.monotonic() < settle:
            time.sleep(0.1)
        assert sum(_healthz_per_worker(metrics_dir).values()) == sent

        status, text = _get(f"{base}/metrics")
        assert status == 200
        served = {
            sample.labels["route"]: sample.value
            for family in text_string_to_metric_families(text)
            for sample in family.samples
            if sample.name == "traceability_http_requests_total" and sample.labels["status"] == "200"
        }
        assert served["/healthz"] == sent  # both workers' counts, whichever worker answered the scrape
        # the stale file from before was removed when the server started
        assert not (metrics_dir / "counter_999999.db").exists()
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)
        log.close()
