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
REQUESTS = 60


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _get(url: str) -> tuple[int, str]:
    with urllib.request.urlopen(url, timeout=10) as response:  # noqa: S310 (loopback only)
        return response.status, response.read().decode()


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
    server = subprocess.Popen(
        [cli, "serve", "--port", str(port), "--workers", "2"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if _get(f"{base}/readyz")[0] == 200:
                    break
            except OSError:
                pass
            assert server.poll() is None, server.stderr.read().decode()[-3000:]
            assert time.monotonic() < deadline, "the server did not become ready"
            time.sleep(0.2)

        with ThreadPoolExecutor(8) as pool:
            statuses = list(pool.map(lambda _: _get(f"{base}/healthz")[0], range(REQUESTS)))
        assert statuses == [200] * REQUESTS

        status, text = _get(f"{base}/metrics")
        assert status == 200
        served = {
            sample.labels["route"]: sample.value
            for family in text_string_to_metric_families(text)
            for sample in family.samples
            if sample.name == "traceability_http_requests_total" and sample.labels["status"] == "200"
        }
        assert served["/healthz"] == REQUESTS  # whichever worker answered the scrape
        # each worker writes its own files; the stale one from before was removed when the server started
        pids = {p.stem.rsplit("_", 1)[1] for p in metrics_dir.glob("counter_*.db")}
        assert "999999" not in pids
        assert len(pids) == 2
        per_worker = {
            path.name: sum(
                value
                for key, value, *_ in MmapedDict.read_all_values_from_file(str(path))
                if '"/healthz"' in key and "_total" in key
            )
            for path in metrics_dir.glob("counter_*.db")
        }
        # both workers answered (eight clients at once keep both busy), and the scrape added them up
        assert all(count > 0 for count in per_worker.values()), per_worker
        assert sum(per_worker.values()) == REQUESTS
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)
