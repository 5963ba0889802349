"""Benchmark: what refusing an image bomb costs, against decoding it as the product-image path used to.

Runnable alone: `.venv/bin/python scripts/bench_uploads.py`. Each case runs in its own Python process (so its peak
memory is its own) on the same upload, a 9,400 × 9,400 palette PNG of about 90 KB:
- `old`: what the product-image path did before traceability.storage (open, verify, re-open, thumbnail to 1200 px
  with Pillow's default limit, which lets 88 million pixels through with a warning);
- `storage`: traceability.storage.check() for a product image, which refuses it from its header;
- `photo`: storage.check() of an ordinary 1,600 × 1,200 JPEG, the baseline of a normal upload.
It prints each case's time per call and peak resident memory (ru_maxrss), and the ratios against the baseline.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

CASE = r"""
import io, json, resource, struct, sys, time, zlib, warnings
sys.path.insert(0, {root!r})
case = {case!r}

def chunk(kind, data):
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

def bomb(side=9400):
    # 8-bit palette, two colours: one byte a pixel once decoded, three once converted for a JPEG
    row = b"\0" * (1 + side)
    z = zlib.compressobj(9)
    body = b"".join(z.compress(row) for _ in range(side)) + z.flush()
    ihdr = struct.pack(">IIBBBBB", side, side, 8, 3, 0, 0, 0)
    plte = bytes([40, 120, 60, 255, 255, 255])
    parts = [chunk(b"IHDR", ihdr), chunk(b"PLTE", plte), chunk(b"IDAT", body), chunk(b"IEND", b"")]
    return b"\x89PNG\r\n\x1a\n" + b"".join(parts)

from PIL import Image
if case == "old":
    warnings.simplefilter("ignore")
    data = bomb()
    def run():
        with Image.open(io.BytesIO(data)) as im:
            im.verify()
        with Image.open(io.BytesIO(data)) as im:
            im.thumbnail((1200, 1200))
            out = io.BytesIO()
            im.convert("RGB").save(out, "JPEG", quality=85)
    repeat = 1
else:
    import os
    os.environ.setdefault("SECRET_KEY", "bench")
    os.environ.setdefault("INSTANCE_PATH", "/tmp/bench-uploads")
    from traceability import create_app, storage
    app = create_app({{"TESTING": True, "DATABASE_URL": "sqlite://"}})
    if case == "storage":
        data, use = bomb(), storage.PRODUCT_IMAGE
    else:
        out = io.BytesIO()
        Image.new("RGB", (1600, 1200), (40, 120, 60)).save(out, "JPEG", quality=90)
        data, use = out.getvalue(), storage.INSPECTION_PHOTO
    def run():
        with app.test_request_context():
            try:
                storage.check(io.BytesIO(data), use, "image")
            except storage.Invalid:
                pass
    repeat = 20
base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # imports done, upload in memory
run()  # warm up (plugins, catalogs)
start = time.perf_counter()
for _ in range(repeat):
    run()
seconds = (time.perf_counter() - start) / repeat
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(json.dumps({{"bytes": len(data), "seconds": seconds, "peak_mb": peak / 1024, "grew_mb": (peak - base) / 1024}}))
"""


def measure(case: str) -> dict:
    code = CASE.format(root=str(ROOT), case=case)
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT)
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    results = {case: measure(case) for case in ("photo", "storage", "old")}
    base = results["photo"]
    for case, label in (
        ("photo", "ordinary 1600×1200 JPEG, accepted"),
        ("storage", "9400×9400 PNG bomb, refused by storage"),
        ("old", "9400×9400 PNG bomb, decoded as before"),
    ):
        r = results[case]
        print(
            f"{label:42} upload {r['bytes'] / 1024:7.1f} KB  {r['seconds'] * 1000:9.2f} ms/call "
            f"({r['seconds'] / base['seconds']:6.2f}× baseline)  peak RSS {r['peak_mb']:7.1f} MB "
            f"(+{r['grew_mb']:.1f} MB for the upload)"
        )


if __name__ == "__main__":
    main()
