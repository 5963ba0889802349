"""Benchmark of the consumer's page against a bare Flask route, both under gunicorn on loopback.

Runnable alone: `.venv/bin/python scripts/bench_public.py` (also run by `make bench`). It builds a throwaway
SQLite database with the demo data (or uses BENCH_DATABASE_URL, a PostgreSQL database it may wipe), starts
gunicorn with the same settings (sync workers, --no-control-socket) for a one-route Flask app and for the
registry, and drives each with the same load: CONNECTIONS threads, each with its own http.client
connection, in short alternating rounds of fixed time (so a change in the machine's load touches both
alike). It prints throughput and p50/p99 latency of each, and their ratio.

Environment: BENCH_SECONDS (default 10 per run), BENCH_CONNECTIONS (16), BENCH_WORKERS (gunicorn workers,
default 2 × cores). Every request goes to 127.0.0.1 only.
"""

from __future__ import annotations

import http.client
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SECONDS = float(os.environ.get("BENCH_SECONDS", "10"))
WARMUP_SECONDS = 3.0  # every worker loads its templates, catalogs and connections
ROUNDS = 5
CONNECTIONS = int(os.environ.get("BENCH_CONNECTIONS", "16"))
WORKERS = int(os.environ.get("BENCH_WORKERS", str(2 * (os.cpu_count() or 1))))
GOAL_RATIO, GOAL_P99_MS = 0.7, 25.0

BASELINE_APP = """
from flask import Flask

app = Flask(__name__)


@app.route("/")
def bare():
    return "<!doctype html><title>ok</title><p>ok</p>"
"""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _gunicorn(target: str, path: str, env: dict, chdir: Path, log: Path) -> tuple[subprocess.Popen, int]:
    """Start gunicorn and wait until it answers `path` (the port opens long before the workers are ready)."""
    port = _free_port()
    args = [sys.executable, "-m", "gunicorn", "--no-control-socket", "--worker-class", "sync"]
    args += ["--workers", str(WORKERS), "--bind", f"127.0.0.1:{port}", "--chdir", str(chdir), target]
    server = subprocess.Popen(args, env=env, stdout=log.open("wb"), stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and server.poll() is None:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
            conn.request("GET", path)
            if conn.getresponse().status == 200:
                return server, port
        except OSError:
            pass
        time.sleep(0.2)
    server.kill()
    raise SystemExit(f"gunicorn did not answer ({target}); see {log}")


def _drive(port: int, path: str, seconds: float, headers: dict) -> tuple[list[float], int]:
    """CONNECTIONS threads requesting `path` until the time is up; latencies in ms, and errors."""
    latencies: list[list[float]] = [[] for _ in range(CONNECTIONS)]
    errors = [0] * CONNECTIONS
    stop = time.monotonic() + seconds

    def worker(n: int) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        while time.monotonic() < stop:
            started = time.perf_counter()
            try:
                conn.request("GET", path, headers=headers)
                response = conn.getresponse()
                response.read()
                ok = response.status == 200
            except (OSError, http.client.HTTPException):
                conn.close()  # reconnect on the next round
                ok = False
            if ok:
                latencies[n].append((time.perf_counter() - started) * 1000)
            else:
                errors[n] += 1
        conn.close()

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(CONNECTIONS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return [x for per in latencies for x in per], sum(errors)


def _summary(name: str, latencies: list[float], errors: int, seconds: float) -> dict:
    if not latencies:
        raise SystemExit(f"{name}: no successful request ({errors} errors)")
    cuts = statistics.quantiles(latencies, n=100)
    result = {"name": name, "rps": len(latencies) / seconds, "p50": cuts[49], "p99": cuts[98], "errors": errors}
    print(
        f"{name:<28} {result['rps']:8.0f} req/s   p50 {result['p50']:6.1f} ms   p99 {result['p99']:6.1f} ms"
        f"   errors {errors}",
        flush=True,
    )
    return result


def _prepare_database(workdir: Path, env: dict) -> tuple[str, str]:
    """Migrate and load the demo; return the demo's packed lot code and one of its unit codes."""
    cli = [sys.executable, "-m", "traceability.cli"]
    subprocess.run([*cli, "db", "upgrade"], env=env, check=True, capture_output=True)
    subprocess.run([*cli, "demo"], env=env, check=True, capture_output=True)
    code = (
        "from sqlalchemy import select\n"
        "from traceability import create_app, db\n"
        "from traceability.codes.models import Code\n"
        "from traceability.batches.models import Batch\n"
        "from traceability.public.demo import PACKED_LOT\n"
        "create_app()\n"
        "rows = db.session.execute(select(Code.kind, Code.value).join(Batch).where(Batch.lot_code == PACKED_LOT))\n"
        "codes = dict(rows.all())\n"
        "print(codes['lot'], codes['serial'])\n"
    )
    out = subprocess.run([sys.executable, "-c", code], env=env, check=True, capture_output=True, text=True)
    lot, serial = out.stdout.split()
    return lot, serial


def main() -> int:
    workdir = Path(tempfile.mkdtemp(prefix="bench-public-"))
    (workdir / "bench_baseline.py").write_text(BASELINE_APP)
    env = {
        **os.environ,
        "INSTANCE_PATH": str(workdir),
        "SECRET_KEY": "bench-only",
        "DATABASE_URL": os.environ.get("BENCH_DATABASE_URL") or f"sqlite:///{workdir / 'bench.db'}",
        "PYTHONPATH": str(ROOT),
    }
    lot, serial = _prepare_database(workdir, env)
    print(
        f"gunicorn sync workers={WORKERS}, {CONNECTIONS} connections, {SECONDS:.0f} s per target in {ROUNDS} "
        f"alternating rounds (after {WARMUP_SECONDS:.0f} s warm-up), database {env['DATABASE_URL'].split('://')[0]}",
        flush=True,
    )
    headers = {"Accept": "text/html", "Accept-Language": "vi-VN,vi;q=0.9", "User-Agent": "bench (Android) Chrome/120"}
    targets = [  # (name, log file, WSGI app, path)
        ("bare Flask route", "bare", "bench_baseline:app", "/"),
        ("consumer page (lot code)", "lot", "traceability.wsgi:app", f"/c/{lot}"),
        ("consumer page (unit code)", "unit", "traceability.wsgi:app", f"/c/{serial}"),
    ]
    latencies: dict[str, list[float]] = {name: [] for name, *_rest in targets}
    errors = dict.fromkeys(latencies, 0)
    servers = []
    try:
        for _name, log, app, path in targets:
            servers.append(_gunicorn(app, path, env, workdir, workdir / f"{log}.log"))
        ports = [port for _server, port in servers]
        for (_name, _log, _app, path), port in zip(targets, ports, strict=True):
            _drive(port, path, WARMUP_SECONDS, headers)
        # The targets take turns in short rounds, so a change in the machine's load touches them alike.
        for _round in range(ROUNDS):
            for (name, _log, _app, path), port in zip(targets, ports, strict=True):
                measured, failed = _drive(port, path, SECONDS / ROUNDS, headers)
                latencies[name] += measured
                errors[name] += failed
    finally:
        for server, _port in servers:
            server.terminate()
            server.wait(timeout=10)
    results = {name: _summary(name, latencies[name], errors[name], SECONDS) for name in latencies}
    base, page = results["bare Flask route"], results["consumer page (lot code)"]
    ratio = page["rps"] / base["rps"]
    unit_ratio = results["consumer page (unit code)"]["rps"] / base["rps"]
    print(f"throughput ratio, lot page / bare route:  {ratio:.2f}   (goal ≥ {GOAL_RATIO})")
    print(f"throughput ratio, unit page / bare route: {unit_ratio:.2f}")
    print(f"lot page p99: {page['p99']:.1f} ms   (goal ≤ {GOAL_P99_MS:.0f} ms)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
