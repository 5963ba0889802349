"""What searching without accents costs: `fold(column) LIKE` against the plain `lower(column) LIKE` it replaced.

Builds 20,000 products with Vietnamese names (and 20,000 batches of them), then times, each as the median of
repeated runs in the same process:
- baseline: `lower(products.name) LIKE '%che xanh%'` (what the searches did before; misses every accented name);
- fold: `fold(products.name) LIKE '%che xanh%'` (traceability/search.py: finds "Chè xanh");
- the inspector's search (`search_batches`, five folded columns over the batch, product, producer and site joins).
Results are printed as ratios to the baseline. SQLite by default (a temp file); PostgreSQL with
BENCH_DATABASE_URL=postgresql://postgres@127.0.0.1:5432/NAME (the database is emptied first).

    .venv/bin/python scripts/bench_search.py
"""

from __future__ import annotations

import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("INSTANCE_PATH", tempfile.mkdtemp(prefix="bench-search-"))
os.environ.setdefault("SECRET_KEY", "bench-only")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import func, insert, select, text
from sqlalchemy.orm import Session

from traceability import db, migrate
from traceability.db import utcnow
from traceability.inspection.lookup import search_batches
from traceability.models import Batch, Organization, Product, Site
from traceability.search import matches

ROWS = 20_000
WORDS = ["Chè", "xanh", "Tân", "Cương", "Bá", "Xuyên", "Quế", "Trứng", "gà", "Đồi", "Thịt", "lợn", "Nhãn", "Bưởi"]
random.seed(2026)


def build(engine) -> None:
    migrate.upgrade(engine)
    now = utcnow()
    with Session(engine) as session:
        session.execute(
            insert(Organization),
            [
                {"name": f"Hợp tác xã {random.choice(WORDS)} {i}", "kind": "cooperative", "tax_code": f"46{i:08d}",
                 "province": "Thái Nguyên", "commune": "Xã Tân Cương", "address": "Xóm 1", "status": "verified",
                 "created_at": now}
                for i in range(200)
            ],
        )  # fmt: skip
        session.execute(
            insert(Site),
            [{"organization_id": i % 200 + 1, "kind": "farm", "name": f"Đồi {i}", "province": "Thái Nguyên",
              "commune": "Phường Bá Xuyên", "created_at": now} for i in range(200)],
        )  # fmt: skip
        session.execute(
            insert(Product),
            [
                {"organization_id": i % 200 + 1, "name": " ".join(random.sample(WORDS, 4)), "category_code": "tea",
                 "unit": "kg", "created_at": now}
                for i in range(ROWS)
            ],
        )  # fmt: skip
        session.execute(
            insert(Batch),
            [
                {"organization_id": i % 200 + 1, "product_id": i + 1, "site_id": i % 200 + 1, "lot_code": f"L{i:06d}",
                 "quantity": 10, "unit": "kg", "status": "published", "created_at": now, "updated_at": now}
                for i in range(ROWS)
            ],
        )  # fmt: skip
        session.commit()


def median_ms(run, repeat: int = 15) -> float:
    run()  # warm the cache
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        run()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def main() -> None:
    url = os.environ.get("BENCH_DATABASE_URL") or f"sqlite:///{os.environ['INSTANCE_PATH']}/bench.db"
    engine = db.make_engine(url)
    if engine.dialect.name == "postgresql":
        with engine.begin() as conn:
            conn.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
    build(engine)
    with Session(engine) as session:
        count = lambda where: session.scalar(select(func.count()).select_from(Product).where(where))  # noqa: E731
        plain = func.lower(Product.name).like("%che xanh%")
        folded = matches("che xanh", Product.name)
        found_plain, found_folded = count(plain), count(folded)
        baseline = median_ms(lambda: count(plain))
        fold_ms = median_ms(lambda: count(folded))
        inspector_ms = median_ms(lambda: search_batches(session, "che xanh ba xuyen"), repeat=7)
    print(f"{engine.dialect.name}, {ROWS:,} products and batches")
    print(f"  baseline lower() LIKE: {baseline:.1f} ms, finds {found_plain} (accents typed without: none)")
    print(f"  fold() LIKE: {fold_ms:.1f} ms = {fold_ms / baseline:.1f}x baseline, finds {found_folded}")
    print(f"  inspector search, 5 folded columns: {inspector_ms:.1f} ms = {inspector_ms / baseline:.1f}x baseline")
    engine.dispose()


if __name__ == "__main__":
    main()
