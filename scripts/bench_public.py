"""Benchmark of the consumer's page against a bare Flask route, both under gunicorn on loopback.

Runnable alone: `.venv/bin/python scripts/bench_public.py` (also run by `make bench`). It builds a throwaway
SQLite database with the demo data (or uses BENCH_DATABASE_URL, a PostgreSQL database it may wipe), picks a
published batch's lot code and one of its unit codes, starts gunicorn with the same settings (sync workers,
--no-control-socket, same worker count) for a one-route Flask app and for the registry, and drives each with
the same load from `wrk` (Debian's HTTP load generator, written in C: a Python client would take much of
the 2 cores it is measuring). Targets take turns in short rounds so a change in the machine's load touches
them alike. It prints throughput and p50/p99 latency of each, and the ratios against the bare route.

Environment: BENCH_SECONDS (default 24 per target), BENCH_CONNECTIONS (16), BENCH_WORKERS (gunicorn workers,
default 2 × cores). BENCH_REDIS_URL (a Redis database whose scan queue the run may empty): the lot and unit
pages are measured a second time with REDIS_URL set, scans then queued in Redis (and the caches and limits
there too), and in process the cost of recording one scan in memory and in Redis. BENCH_BEFORE (a folder
holding another checkout of the registry, e.g. `git worktree add /tmp/before <commit>`): its lot, unit and 304
pages are served too, by the same virtualenv from the same database, so a change is measured before and after in
one run (the other checkout must work with this one's schema). Every request goes to 127.0.0.1 only. If `wrk` is
missing it is installed with apt-get.
"""

from __future__ import annotations

import bisect
import http.client
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SECONDS = float(os.environ.get("BENCH_SECONDS", "24"))  # rounds of 4 s: 1-s rounds moved the ratios ±0.1
WARMUP_SECONDS = 3.0  # every worker loads its templates, catalogs and connections
ROUNDS = 6  # an even number: half the rounds in each order
CONNECTIONS = int(os.environ.get("BENCH_CONNECTIONS", "16"))
WORKERS = int(os.environ.get("BENCH_WORKERS", str(2 * (os.cpu_count() or 1))))
GOAL_RATIO, GOAL_UNIT_RATIO, GOAL_304_RATIO, GOAL_P99_MS = 0.8, 0.5, 0.9, 25.0
STRESS_CONNECTIONS = 64  # no error allowed at this many connections either
HEADERS = {"Accept": "text/html", "Accept-Language": "vi-VN,vi;q=0.9", "User-Agent": "bench (Android) Chrome/120"}

BASELINE_APP = """
from flask import Flask

app = Flask(__name__)


@app.route("/")
def bare():
    return "<!doctype html><title>ok</title><p>ok</p>"
"""

# wrk's summary as one JSON line: requests, errors and latency percentiles (microseconds), and the tail of the
# latencies (percentiles 95 to 100 by 0.01) from which the p99 of several rounds together is found
WRK_REPORT = """
done = function(summary, latency, requests)
  local e = summary.errors
  local tail = {}
  for i = 0, 500 do tail[#tail + 1] = string.format('%d', latency:percentile(95 + i / 100)) end
  io.write(string.format(
    '{"requests": %d, "errors": %d, "p50": %d, "p99": %d, "tail": [%s]}\\n',
    summary.requests, e.connect + e.read + e.write + e.status + e.timeout,
    latency:percentile(50), latency:percentile(99), table.concat(tail, ',')))
end
"""

PICK_CODES = """
from sqlalchemy import select
from traceability import create_app, db
from traceability.batches.models import Batch, BatchStatus
from traceability.codes.models import Code, CodeKind

create_app()
# the first published batch that has unit codes: a real page with its lot code and one unit code
serial = db.session.scalars(
    select(Code).join(Batch).where(Batch.status == BatchStatus.PUBLISHED, Code.kind == CodeKind.SERIAL)
    .order_by(Batch.id, Code.id)
).first()
lot = db.session.scalar(select(Code).where(Code.batch_id == serial.batch_id, Code.kind == CodeKind.LOT))
print(lot.value, serial.value, lot.id)
"""


# CPU per request inside one process, without a server or a network: the app's own cost, target by target
IN_PROCESS = """
import io, logging, os, sys, time
from flask import Flask
from traceability import create_app

bare = Flask("bare")
bare.add_url_rule("/", "bare", lambda: "<!doctype html><title>ok</title><p>ok</p>")
app = create_app()
for handler in logging.getLogger().handlers:  # each request's log line is written (it costs), not shown
    handler.setStream(open(os.devnull, "w"))
headers = {"HTTP_" + k.upper().replace("-", "_"): v for k, v in HEADERS.items()}
JSON = {"HTTP_ACCEPT": "application/json"}
TARGETS = [("bare Flask route", bare, "/", {}), ("registry start page", app, "/", {}),
           ("consumer page (lot code)", app, LOT, {}), ("consumer page (unit code)", app, SERIAL, {}),
           ("unit code's JSON", app, SERIAL, JSON)]
for name, wsgi, path, asked in TARGETS:
    def call():
        environ = {"REQUEST_METHOD": "GET", "PATH_INFO": path, "QUERY_STRING": "", "SERVER_NAME": "127.0.0.1",
                   "SERVER_PORT": "80", "SERVER_PROTOCOL": "HTTP/1.1", "REMOTE_ADDR": "127.0.0.1",
                   "wsgi.url_scheme": "http", "wsgi.input": io.BytesIO(), "wsgi.errors": sys.stderr, **headers,
                   **asked}
        body = wsgi.wsgi_app(environ, lambda *a: None)
        b"".join(body)
        getattr(body, "close", lambda: None)()  # as a server does: the request's log line is written here
    for _ in range(50):
        call()
    best = []
    for _ in range(5):  # the least of five: the load of other programs only ever adds
        started = time.process_time()
        for _ in range(200):
            call()
        best.append((time.process_time() - started) / 200 * 1000)
    print(f"{name:<28} {min(best):6.2f} ms CPU/request in process", flush=True)
"""

# wall time of recording one scan (Redis is a round trip: waiting, not CPU), in memory and pushed to Redis
RECORD_COST = """
import os, time
from traceability import create_app, db
from traceability.public.scans import ScanRecorder

app = create_app()
with app.app_context():
    for label, url in (("in memory", None), ("pushed to Redis", os.environ["BENCH_REDIS_URL"])):
        recorder = ScanRecorder("bench", delay=3600, redis_url=url, max_waiting=10**7)
        best = []
        for _ in range(5):
            started = time.perf_counter()
            for _ in range(2000):
                recorder.add(db.session, CODE_ID, "127.0.0.1", "bench (Android) Chrome/120")
            best.append((time.perf_counter() - started) / 2000 * 1e6)
        print(f"scan recorded {label:<16} {min(best):7.1f} µs wall/scan in process", flush=True)
        if recorder.queue is not None:
            recorder.queue.redis.delete(recorder.queue.key, recorder.queue.seq_key)
"""


def ensure_wrk() -> str:
    """The path of `wrk`, installing Debian's package if it is missing (root, or sudo)."""
    found = shutil.which("wrk")
    if found:
        return found
    print("Installing Debian's wrk for the benchmark", flush=True)
    sudo = [] if os.geteuid() == 0 else ["sudo"]
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    subprocess.run([*sudo, "apt-get", "install", "-y", "-q", "wrk"], env=env, check=False, capture_output=True)
    if not shutil.which("wrk"):  # the package lists may be missing on a fresh machine
        subprocess.run([*sudo, "apt-get", "update", "-q"], env=env, check=True, capture_output=True)
        subprocess.run([*sudo, "apt-get", "install", "-y", "-q", "wrk"], env=env, check=True, capture_output=True)
    return shutil.which("wrk") or sys.exit("wrk could not be installed")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _gunicorn(target: str, path: str, env: dict, chdir: Path, log: Path) -> tuple[subprocess.Popen, int]:
    """Start gunicorn and wait until it answers `path` (the port opens long before the workers are ready)."""
    port = _free_port()
    args = [sys.executable, "-m", "gunicorn", "--no-control-socket", "--worker-class", "sync"]
    args += ["--workers", str(WORKERS), "--bind", f"127.0.0.1:{port}", "--chdir", str(chdir), target]
    # started in `chdir`: `python -m` puts the folder it starts in first on the import path, which from a
    # checkout would load that checkout's registry instead of the one PYTHONPATH names (BENCH_BEFORE)
    server = subprocess.Popen(args, env=env, cwd=chdir, stdout=log.open("wb"), stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 180  # a loaded machine takes long to start the workers
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


def _cpu_seconds(server: subprocess.Popen) -> float:
    """User + system CPU time used so far by the server's workers (Linux /proc; 0 elsewhere)."""
    try:
        children = Path(f"/proc/{server.pid}/task/{server.pid}/children").read_text().split()
    except OSError:
        return 0.0
    ticks = 0
    for pid in children:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue  # a worker restarted in between
        ticks += int(fields[11]) + int(fields[12])  # utime, stime
    return ticks / os.sysconf("SC_CLK_TCK")


def _database_cpu_seconds() -> float:
    """User + system CPU time used so far by this machine's PostgreSQL processes (0 when there are none): a local
    database shares the cores with the app servers, and each scan costs it a read and an insert (all of this
    machine's PostgreSQL is counted: run nothing else against it meanwhile)."""
    ticks = 0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            name, fields = stat.read_text().rsplit(")", 1)
        except OSError:
            continue  # the process ended in between
        if name.split("(", 1)[1].startswith("postgres"):
            fields = fields.split()
            ticks += int(fields[11]) + int(fields[12])
    return ticks / os.sysconf("SC_CLK_TCK")


def _drive(
    wrk: str,
    script: Path,
    port: int,
    path: str,
    seconds: float,
    server: subprocess.Popen,
    extra: dict | None = None,
    connections: int = CONNECTIONS,
) -> dict:
    """One wrk run (one thread, `connections` connections) against `path`: requests, errors, p50/p99 in ms, and
    the workers' CPU time, which the load of other programs on the machine does not inflate."""
    args = [wrk, "-t1", f"-c{connections}", f"-d{max(1, round(seconds))}s", "--timeout", "10s", "-s", str(script)]
    for name, value in {**HEADERS, **(extra or {})}.items():
        args += ["-H", f"{name}: {value}"]
    postgres = os.environ.get("BENCH_DATABASE_URL", "").startswith("postgres")
    cpu, database = _cpu_seconds(server), _database_cpu_seconds() if postgres else 0.0
    out = subprocess.run([*args, f"http://127.0.0.1:{port}{path}"], check=True, capture_output=True, text=True)
    cpu, database = _cpu_seconds(server) - cpu, (_database_cpu_seconds() - database) if postgres else 0.0
    result = json.loads(out.stdout.strip().splitlines()[-1])
    return {**result, "p50": result["p50"] / 1000, "p99": result["p99"] / 1000, "cpu": cpu, "database": database}


def _pooled_p99(measured: list[dict]) -> float:
    """The p99 of all the rounds' requests together, in ms: the least latency under which 99 % of them fall, each
    round's share under it read off its tail (rounded down to the 0.01 percentile, so never an underestimate)."""
    total = sum(r["requests"] for r in measured)
    for latency in sorted({value for r in measured for value in r["tail"]}):
        under = 0.0
        for r in measured:
            at_most = bisect.bisect_right(r["tail"], latency)  # how many of its percentiles 95.00, 95.01, … are ≤
            under += r["requests"] * (95 + (at_most - 1) / 100) / 100 if at_most else 0.0
        if under >= 0.99 * total:
            return latency / 1000
    return max(max(r["tail"]) for r in measured) / 1000


def _etag(port: int, path: str) -> str:
    """The ETag the page answers with now (the 304 target revalidates it)."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    for _attempt in range(100):  # the server may still be starting
        try:
            connection.request("GET", path, headers=HEADERS)
            response = connection.getresponse()
            response.read()
            return response.headers["ETag"]
        except OSError:
            time.sleep(0.2)
    raise SystemExit("the registry did not answer")


def _prepare_database(env: dict) -> tuple[str, str]:
    """Start from an empty database (scans of earlier runs would weigh on the unit page's counts), migrate
    and load the demo; return a published batch's lot code and one of its unit codes."""
    cli = [sys.executable, "-m", "traceability.cli"]
    if env["DATABASE_URL"].startswith("postgres"):
        from sqlalchemy import text

        from traceability.db import make_engine

        engine = make_engine(env["DATABASE_URL"])
        with engine.begin() as conn:
            conn.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
        engine.dispose()
    subprocess.run([*cli, "db", "upgrade"], env=env, check=True, capture_output=True)
    subprocess.run([*cli, "demo"], env=env, check=True, capture_output=True)
    out = subprocess.run([sys.executable, "-c", PICK_CODES], env=env, check=True, capture_output=True, text=True)
    lot, serial, lot_id = out.stdout.split()
    return lot, serial, int(lot_id)


def _empty_scan_queue(url: str) -> None:
    """Scans queued by an earlier run name codes of its throwaway database: they must not reach this one."""
    import redis

    from traceability.public.scans import RedisScanQueue

    client = redis.Redis.from_url(url)
    for key in client.scan_iter(RedisScanQueue.PREFIX + "*"):
        client.delete(key)
    client.close()


def main() -> int:
    wrk = ensure_wrk()
    workdir = Path(tempfile.mkdtemp(prefix="bench-public-"))
    (workdir / "bench_baseline.py").write_text(BASELINE_APP)
    script = workdir / "report.lua"
    script.write_text(WRK_REPORT)
    env = {
        **os.environ,
        "INSTANCE_PATH": str(workdir),
        "SECRET_KEY": "bench-only",
        "DATABASE_URL": os.environ.get("BENCH_DATABASE_URL") or f"sqlite:///{workdir / 'bench.db'}",
        "PYTHONPATH": str(ROOT),
    }
    lot, serial, lot_id = _prepare_database(env)
    redis_url = os.environ.get("BENCH_REDIS_URL")
    if redis_url:
        _empty_scan_queue(redis_url)
    setup = f"HEADERS = {HEADERS!r}\nLOT = {'/c/' + lot!r}\nSERIAL = {'/c/' + serial!r}\nCODE_ID = {lot_id}\n"
    subprocess.run([sys.executable, "-c", setup + IN_PROCESS], env=env, check=True)
    if redis_url:
        subprocess.run([sys.executable, "-c", setup + RECORD_COST], env=env, check=True)
    print(
        f"gunicorn sync workers={WORKERS}, wrk 1 thread {CONNECTIONS} connections, {SECONDS:.0f} s per target in "
        f"{ROUNDS} alternating rounds (after {WARMUP_SECONDS:.0f} s warm-up), database "
        f"{env['DATABASE_URL'].split('://')[0]}, load average {os.getloadavg()[0]:.1f}",
        flush=True,
    )
    targets = [  # (name, log file, WSGI app, path); the 304 target's If-None-Match is filled in once it runs
        ("bare Flask route", "bare", "bench_baseline:app", "/"),
        ("consumer page (lot code)", "lot", "traceability.wsgi:app", f"/c/{lot}"),
        ("consumer page (unit code)", "unit", "traceability.wsgi:app", f"/c/{serial}"),
        ("lot page, 304 revalidation", "revalidate", "traceability.wsgi:app", f"/c/{lot}"),
    ]
    if redis_url:  # the same pages with the scans queued in Redis
        targets += [
            ("lot page, Redis queue", "lot-redis", "traceability.wsgi:app", f"/c/{lot}"),
            ("unit page, Redis queue", "unit-redis", "traceability.wsgi:app", f"/c/{serial}"),
        ]
    before = os.environ.get("BENCH_BEFORE")
    if before:  # the same pages served by the other checkout
        targets += [(f"{name}, before", f"{log}-before", app, path) for name, log, app, path in targets[1:4]]
    runs: dict[str, list[dict]] = {name: [] for name, *_rest in targets}
    extra: dict[str, dict] = {}
    stress: dict[str, int] = {}
    servers = []
    try:
        for name, log, app, path in targets:
            own = {**env, "REDIS_URL": redis_url} if name.endswith("Redis queue") else env
            if name.endswith(", before"):
                own = {**env, "PYTHONPATH": str(Path(before).resolve())}
            servers.append(_gunicorn(app, path, own, workdir, workdir / f"{log}.log"))
        for (name, _log, _app, path), (_server, port) in zip(targets, servers, strict=True):
            if name.startswith("lot page, 304"):  # each server's own ETag (a change may alter the page)
                extra[name] = {"If-None-Match": _etag(port, path)}
        for (name, _log, _app, path), (server, port) in zip(targets, servers, strict=True):
            _drive(wrk, script, port, path, WARMUP_SECONDS, server, extra.get(name))
        for n in range(ROUNDS):
            # every other round in the opposite order: a target's place in the round weighs on none
            order = list(zip(targets, servers, strict=True))
            for (name, _log, _app, path), (server, port) in order if n % 2 == 0 else reversed(order):
                runs[name].append(_drive(wrk, script, port, path, SECONDS / ROUNDS, server, extra.get(name)))
        for (name, _log, _app, path), (server, port) in zip(targets, servers, strict=True):
            measured = _drive(wrk, script, port, path, SECONDS / ROUNDS, server, extra.get(name), STRESS_CONNECTIONS)
            stress[name] = measured["errors"]
    finally:
        for server, _port in servers:
            server.terminate()
        for server, _port in servers:
            try:
                server.wait(timeout=30)
            except subprocess.TimeoutExpired:  # a loaded machine can keep gunicorn from exiting in time
                server.kill()
                server.wait()
    if redis_url:
        _empty_scan_queue(redis_url)
    shutil.rmtree(workdir, ignore_errors=True)  # the throwaway database, logs and the wrk script (kept on failure)
    seconds = max(1, round(SECONDS / ROUNDS)) * ROUNDS
    results = {}
    for name, measured in runs.items():
        # p50 of the whole run: the median round's p50; p99: of all its requests, and the worst round's
        p50s = sorted(r["p50"] for r in measured)
        result = {
            "rps": sum(r["requests"] for r in measured) / seconds,
            "p50": p50s[len(p50s) // 2],
            "p99": _pooled_p99(measured),
            "worst_p99": max(r["p99"] for r in measured),
            "errors": sum(r["errors"] for r in measured),
            "cpu_ms": 1000 * sum(r["cpu"] for r in measured) / max(1, sum(r["requests"] for r in measured)),
            "db_ms": 1000 * sum(r["database"] for r in measured) / max(1, sum(r["requests"] for r in measured)),
        }
        results[name] = result
        print(
            f"{name:<28} {result['rps']:8.0f} req/s   p50 {result['p50']:6.1f} ms   p99 {result['p99']:6.1f} ms"
            f" (worst round {result['worst_p99']:5.1f})"
            f"   server CPU {result['cpu_ms']:5.2f} ms/request"
            + (f" (+ database {result['db_ms']:4.2f})" if result["db_ms"] else "")
            + f"   errors {result['errors']}"
            f" (at {STRESS_CONNECTIONS} connections: {stress[name]})",
            flush=True,
        )
    base, page = results["bare Flask route"], results["consumer page (lot code)"]
    unit = results["consumer page (unit code)"]
    revalidate = results["lot page, 304 revalidation"]
    print(f"throughput ratio, lot page / bare route:  {page['rps'] / base['rps']:.2f}   (goal ≥ {GOAL_RATIO})")
    print(f"throughput ratio, unit page / bare route: {unit['rps'] / base['rps']:.2f}   (goal ≥ {GOAL_UNIT_RATIO})")
    ratio = revalidate["rps"] / base["rps"]
    print(f"throughput ratio, 304 / bare route:       {ratio:.2f}   (goal ≥ {GOAL_304_RATIO})")
    print(
        f"lot page p99: {page['p99']:.1f} ms, unit page p99: {unit['p99']:.1f} ms   (goal ≤ {GOAL_P99_MS:.0f} ms;"
        f" worst rounds {page['worst_p99']:.1f} and {unit['worst_p99']:.1f} ms)"
    )
    print(f"server CPU per request, lot page / bare route: {page['cpu_ms'] / base['cpu_ms']:.2f}")
    if redis_url:
        for name, plain in (("lot page, Redis queue", page), ("unit page, Redis queue", unit)):
            queued = results[name]
            print(
                f"throughput ratio, {name} / bare route: {queued['rps'] / base['rps']:.2f}"
                f" (scans in memory: {plain['rps'] / base['rps']:.2f}); server CPU per request"
                f" {queued['cpu_ms'] / base['cpu_ms']:.2f} (in memory: {plain['cpu_ms'] / base['cpu_ms']:.2f})"
            )
    if before:
        for name in ("consumer page (lot code)", "consumer page (unit code)", "lot page, 304 revalidation"):
            then, now = results[f"{name}, before"], results[name]
            print(
                f"throughput ratio, {name} / bare route: before {then['rps'] / base['rps']:.2f}, now"
                f" {now['rps'] / base['rps']:.2f}; server CPU per request before {then['cpu_ms']:.2f} ms,"
                f" now {now['cpu_ms']:.2f} ms"
            )
    return 1 if any(r["errors"] for r in results.values()) or any(stress.values()) else 0


if __name__ == "__main__":
    sys.exit(main())
