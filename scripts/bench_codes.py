#!/usr/bin/env python3
"""Benchmark: issuing serial codes and printing their label sheet, against bare compiled QR encoding.

For N codes (1,000 and 10,000): issue N unit codes for a published batch (bulk insert, SQLite in a temporary
directory unless BENCH_DATABASE_URL is set), then write their A4 label PDF (4 × 10 labels a page, QR as vector
paths) to a file. The baseline, measured in the same run, is zxing-cpp encoding the same N URLs and nothing else.
The goal is a total within 3× of the baseline, with a peak memory for the PDF that does not grow with N.

Run alone: `.venv/bin/python scripts/bench_codes.py` (about 30 s on 2 cores; loopback only, no network).
"""

from __future__ import annotations

import datetime as dt
import os
import resource
import sys
import tempfile
import time
import tracemalloc
from decimal import Decimal
from pathlib import Path

TMP = tempfile.mkdtemp(prefix="bench-codes-")
os.environ.setdefault("INSTANCE_PATH", TMP)
os.environ.setdefault("SECRET_KEY", "bench-only")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import qrcode  # noqa: E402
import zxingcpp  # noqa: E402

from traceability import create_app, db, migrate  # noqa: E402
from traceability.batches.models import Batch, BatchStatus  # noqa: E402
from traceability.codes import services  # noqa: E402
from traceability.codes.identifiers import grouped  # noqa: E402
from traceability.codes.labels import label_sheet_chunks  # noqa: E402
from traceability.codes.models import CodeKind  # noqa: E402
from traceability.codes.urls import url_maker  # noqa: E402
from traceability.demo import load_demo  # noqa: E402

COUNTS = (1_000, 10_000)
PER_PAGE = 40
GOAL = 3.0


def setup(session):
    """The demo's tea cooperative, its producer and its product with a GTIN."""
    demo = load_demo(session)
    return demo.orgs["tea"], demo.users["tea"], demo.products["dried_tea"]


def new_batch(session, org, product, n: int) -> Batch:
    batch = Batch(
        organization=org,
        product=product,
        lot_code=f"TC-{n}",
        quantity=Decimal(n),
        unit="kg",
        status=BatchStatus.PUBLISHED,
        expires_on=dt.date(2027, 12, 31),
    )
    session.add(batch)
    session.flush()
    services.issue_lot_code(session, batch)
    session.commit()
    return batch


def write_pdf(session, batch, pdf_path: Path) -> None:
    make_url = url_maker(batch)
    entries = ((make_url(v, CodeKind.SERIAL), grouped(v)) for v in services.serial_values(session, batch))
    with pdf_path.open("wb") as out:
        for chunk in label_sheet_chunks(entries, services.label_text(batch), PER_PAGE, "bench"):
            out.write(chunk)


def timed(work) -> tuple[float, float]:
    """(wall seconds, CPU seconds of this process) for one call of `work`."""
    wall, cpu = time.perf_counter(), time.process_time()
    work()
    return time.perf_counter() - wall, time.process_time() - cpu


def best(*runs: tuple[float, float]) -> tuple[float, float]:
    """The fastest of repeated runs: the machine is shared, and other people's work only ever adds time."""
    return min(r[0] for r in runs), min(r[1] for r in runs)


def run(session, batch, user, n: int, pdf_path: Path) -> dict:
    def issue() -> None:
        services.issue_serial_codes(session, batch, n, user)
        session.commit()

    issue_time = timed(issue)
    pdf_time = best(*(timed(lambda: write_pdf(session, batch, pdf_path)) for _ in range(2)))
    # peak memory in a separate, untimed pass: tracemalloc slows Python down several times
    tracemalloc.start()
    write_pdf(session, batch, pdf_path)
    _current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    make_url = url_maker(batch)
    urls = [make_url(v, CodeKind.SERIAL) for v in services.serial_values(session, batch)]
    total = (issue_time[0] + pdf_time[0], issue_time[1] + pdf_time[1])
    return {"issue": issue_time, "pdf": pdf_time, "total": total, "peak": peak, "urls": urls}


def baseline(urls: list[str]) -> tuple[float, float]:
    """Bare compiled encoding of the same URLs: the floor any QR pipeline stands on (best of two)."""

    def encode_all() -> None:
        for url in urls:
            zxingcpp.create_barcode(url, zxingcpp.BarcodeFormat.QRCode, ec_level="M")

    return best(timed(encode_all), timed(encode_all))


def pure_python_ms(urls: list[str], sample: int = 100) -> float:
    started = time.perf_counter()
    for url in urls[:sample]:
        symbol = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M)
        symbol.add_data(url)
        symbol.make(fit=True)
    return (time.perf_counter() - started) / sample * 1000


def main() -> int:
    url = os.environ.get("BENCH_DATABASE_URL") or f"sqlite:///{TMP}/bench.db"
    app = create_app({"DATABASE_URL": url, "PUBLIC_BASE_URL": "https://truyxuat.thainguyen.gov.vn"})
    migrate.upgrade(app.extensions["engine"])
    print(f"bench_codes: {PER_PAGE} labels a page, database {app.extensions['engine'].dialect.name}")
    print("times in seconds as wall / CPU of this process; the ratio is on CPU time (the machine is shared)")
    print(
        f"{'codes':>7} {'issue':>11} {'label PDF':>11} {'total':>11} {'zxing only':>11} {'ratio':>6} "
        f"{'ms/code':>8} {'PDF MB':>7} {'B/label':>8} {'peak MB':>8}"
    )
    ratios = []
    with app.test_request_context("/?lang=vi"):
        session = db.session
        org, user, product = setup(session)
        session.commit()
        warm = new_batch(session, org, product, 0)  # first use parses the font and fills caches
        run(session, warm, user, 50, Path(TMP) / "warm.pdf")
        for n in COUNTS:
            batch = new_batch(session, org, product, n)
            pdf_path = Path(TMP) / f"labels-{n}.pdf"
            result = run(session, batch, user, n, pdf_path)
            floor = baseline(result["urls"])
            ratio = result["total"][1] / floor[1]
            ratios.append(ratio)
            size = pdf_path.stat().st_size

            def pair(t: tuple[float, float]) -> str:
                return f"{t[0]:5.2f}/{t[1]:5.2f}"

            print(
                f"{n:>7} {pair(result['issue']):>11} {pair(result['pdf']):>11} {pair(result['total']):>11} "
                f"{pair(floor):>11} {ratio:>5.2f}× {result['total'][1] / n * 1000:>8.3f} {size / 1e6:>7.2f} "
                f"{size / n:>8.0f} {result['peak'] / 1e6:>8.2f}"
            )
        print(
            f"per code (CPU): pure-Python qrcode {pure_python_ms(result['urls']):.2f} ms to encode; "
            f"zxing-cpp {floor[1] / COUNTS[-1] * 1000:.3f} ms to encode; "
            f"this pipeline {result['total'][1] / COUNTS[-1] * 1000:.3f} ms to issue, encode and print"
        )
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    verdict = "met" if ratios[-1] <= GOAL else "NOT met"
    print(f"process max RSS {rss:.0f} MB; goal total ≤ {GOAL:.0f}× zxing-cpp at {COUNTS[-1]:,} codes: {verdict}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
