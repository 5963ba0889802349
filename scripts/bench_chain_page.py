"""The consumer's page of a lot at the end of a chain, against a lot without one, measured in the same run.

- weight: bytes of the page's HTML (and gzipped, as a proxy sends it; with the two style sheets the page loads)
  of the shop's lot of the demo, whose chain has three steps (households' deliveries → the cooperative's dried
  tea → the shop that passes it on unchanged), against a farm lot of the demo made from nothing recorded;
  the consumer page's goal is under 30 kB with its style sheets, without the product image.
- speed: CPU per request in one process (no server, no network: the app's own cost), the least of five rounds
  of 200 requests, with the page cache as configured (a repeat scan) and without it (every scan builds the
  page: the worst case, after any change); the ratio chain / plain is what this measures.

Runs alone: `.venv/bin/python scripts/bench_chain_page.py` (also run by `make bench`). It builds a throwaway
SQLite database with the demo data (or uses BENCH_DATABASE_URL, a PostgreSQL database it may wipe).
"""

from __future__ import annotations

import gzip
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
HEADERS = {"Accept": "text/html", "Accept-Language": "vi-VN,vi;q=0.9", "User-Agent": "bench (Android) Chrome/120"}
WEIGHT_GOAL = 30 * 1024

PICK = """
from sqlalchemy import select
from traceability import create_app, db
from traceability.batches.models import Batch, BatchInput, BatchStatus
from traceability.codes.models import Code, CodeKind
from traceability.shipments.models import Shipment, ShipmentStatus

create_app()
# the shop's lot: received from the cooperative, whose lot was dried from households' deliveries
shop = db.session.scalar(
    select(Shipment).where(Shipment.status == ShipmentStatus.ACCEPTED, Shipment.reference_doc == "PXK-0458")
).received_batch_id
# a published lot of the same cooperative made from nothing recorded (a field harvest): no chain
made = select(BatchInput.batch_id)
plain = db.session.scalar(
    select(Batch.id).where(Batch.status == BatchStatus.PUBLISHED, Batch.id.not_in(made), Batch.site_id.is_not(None))
    .order_by(Batch.id)
)
for batch_id in (plain, shop):
    print(db.session.scalar(select(Code.value).where(Code.batch_id == batch_id, Code.kind == CodeKind.LOT)))
"""

MEASURE = """
import io, sys, time
from traceability import create_app

app = create_app()
headers = {"HTTP_" + k.upper().replace("-", "_"): v for k, v in HEADERS.items()}


def call(path):
    environ = {"REQUEST_METHOD": "GET", "PATH_INFO": path, "QUERY_STRING": "", "SERVER_NAME": "127.0.0.1",
               "SERVER_PORT": "80", "SERVER_PROTOCOL": "HTTP/1.1", "REMOTE_ADDR": "127.0.0.1",
               "wsgi.url_scheme": "http", "wsgi.input": io.BytesIO(), "wsgi.errors": sys.stderr, **headers}
    return b"".join(app.wsgi_app(environ, lambda *a: None))


for name, path in (("plain", PLAIN), ("chain", CHAIN)):
    html = call(path)
    assert b"<html" in html, html[:200]
    for _ in range(50):
        call(path)
    best = []
    for _ in range(5):  # the least of five: the load of other programs only ever adds
        started = time.process_time()
        for _ in range(200):
            call(path)
        best.append((time.process_time() - started) / 200 * 1000)
    print(name, min(best), flush=True)
"""


def _prepare(env: dict) -> tuple[str, str]:
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
    out = subprocess.run([sys.executable, "-c", PICK], env=env, check=True, capture_output=True, text=True)
    plain, chain = out.stdout.split()
    return f"/c/{plain}", f"/c/{chain}"


def _weights(env: dict, paths: dict[str, str]) -> dict[str, tuple[int, int]]:
    sys.path.insert(0, str(ROOT))
    os.environ.update(env)
    from traceability import create_app

    app = create_app()
    client = app.test_client()
    css = b"".join(client.get(f"/static/css/{name}").data for name in ("app.css", "public.css"))
    found = {}
    for name, path in paths.items():
        html = client.get(path, headers=HEADERS).data
        assert b"<html" in html, html[:200]
        found[name] = (len(html), len(gzip.compress(html)))
    found["style sheets"] = (len(css), len(gzip.compress(css)))
    return found


def _cpu(env: dict, paths: dict[str, str], cache: bool) -> dict[str, float]:
    setup = f"HEADERS = {HEADERS!r}\nPLAIN = {paths['plain']!r}\nCHAIN = {paths['chain']!r}\n"
    run_env = {**env, "PAGE_CACHE_SIZE": env.get("PAGE_CACHE_SIZE", "1000") if cache else "0"}
    out = subprocess.run(
        [sys.executable, "-c", setup + MEASURE], env=run_env, check=True, capture_output=True, text=True
    )
    return {name: float(ms) for name, ms in (line.split() for line in out.stdout.splitlines())}


def main() -> int:
    started = time.perf_counter()
    workdir = Path(tempfile.mkdtemp(prefix="bench-chain-page-"))
    env = {
        **os.environ,
        "INSTANCE_PATH": str(workdir),
        "SECRET_KEY": "bench-only",
        "DATABASE_URL": os.environ.get("BENCH_DATABASE_URL") or f"sqlite:///{workdir / 'bench.db'}",
        "PYTHONPATH": str(ROOT),
    }
    plain, chain = _prepare(env)
    paths = {"plain": plain, "chain": chain}
    weights = _weights(env, paths)
    cached, built = _cpu(env, paths, cache=True), _cpu(env, paths, cache=False)
    shutil.rmtree(workdir, ignore_errors=True)
    css_raw, css_gz = weights["style sheets"]
    print(f"database {env['DATABASE_URL'].split('://')[0]}, load average {os.getloadavg()[0]:.1f}")
    print("page                  HTML bytes   gzipped   with style sheets   CPU ms/request: cached   built")
    for name, label in (("plain", "farm lot, no chain"), ("chain", "shop lot, 3-step chain")):
        raw, gz = weights[name]
        print(
            f"{label:<22} {raw:10d} {gz:9d} {raw + css_raw:19d} {cached[name]:24.2f} {built[name]:7.2f}",
        )
    print(f"{'style sheets (both)':<22} {css_raw:10d} {css_gz:9d}")
    chain_total = weights["chain"][0] + css_raw
    print(f"weight ratio, chain / plain (HTML):          {weights['chain'][0] / weights['plain'][0]:.2f}")
    print(f"CPU ratio, chain / plain, page cache on:     {cached['chain'] / cached['plain']:.2f}")
    print(f"CPU ratio, chain / plain, built every time:  {built['chain'] / built['plain']:.2f}")
    print(
        f"chain page with its style sheets: {chain_total} bytes "
        f"(goal < {WEIGHT_GOAL}: {'met' if chain_total < WEIGHT_GOAL else 'NOT met'})"
    )
    print(f"bench_chain_page done in {time.perf_counter() - started:.0f} s")
    return 0 if chain_total < WEIGHT_GOAL else 1


if __name__ == "__main__":
    sys.exit(main())
