"""Fixtures for codes: a published batch with a GTIN product, and an independent decoder for what we draw.

Images are read back with zxing-cpp's reader; SVGs are rasterised by rsvg-convert and PDFs by pdftoppm at
150 dpi (Debian packages installed by scripts/ensure-system-packages.sh).
"""

from __future__ import annotations

import datetime as dt
import io
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import zxingcpp
from PIL import Image

from traceability.accounts.models import Role
from traceability.batches.models import BatchStatus


@dataclass
class Owner:
    org: Any
    user: Any
    product: Any
    batch: Any


@pytest.fixture
def owner(db_session, make_org, make_user, make_product, make_batch) -> Owner:
    org = make_org()
    product = make_product(org, name="Chè Tân Cương đặc biệt", gtin="08936012345001")
    batch = make_batch(
        org, product=product, status=BatchStatus.PUBLISHED, lot_code="TC-2026/11", expires_on=dt.date(2027, 12, 31)
    )
    user = make_user(Role.PRODUCER, org)
    db_session.commit()  # a request's rollback must not take the fixtures with it
    return Owner(org, user, product, batch)


@pytest.fixture
def api_for(api_as, db_session):
    """An API client for a user, with the token committed before any request."""

    def _api(user: Any) -> Any:
        client = api_as(user)
        db_session.commit()
        return client

    return _api


def decode_image(image: Image.Image) -> list[str]:
    """Every QR code zxing-cpp finds in the image, as text, left to right and top to bottom."""
    found = zxingcpp.read_barcodes(image.convert("L"), formats=zxingcpp.BarcodeFormat.QRCode)
    found.sort(key=lambda b: (round(b.position.top_left.y / 50), b.position.top_left.x))
    return [b.text for b in found]


def decode_png(data: bytes) -> list[str]:
    return decode_image(Image.open(io.BytesIO(data)))


def rasterise_svg(data: str | bytes) -> Image.Image:
    raw = data.encode() if isinstance(data, str) else data
    png = subprocess.run(["rsvg-convert", "--format=png"], input=raw, capture_output=True, check=True).stdout
    return Image.open(io.BytesIO(png))


def rasterise_pdf(data: bytes, dpi: int = 150) -> list[Image.Image]:
    """Each page of the PDF as an image, as a printer's driver would see it."""
    with tempfile.TemporaryDirectory() as tmp:
        source = Path(tmp) / "in.pdf"
        source.write_bytes(data)
        subprocess.run(["pdftoppm", "-r", str(dpi), "-gray", "-png", str(source), f"{tmp}/page"], check=True)
        pages = sorted(Path(tmp).glob("page-*.png"))
        return [Image.open(p).copy() for p in pages]


def pdf_text(data: bytes) -> str:
    return subprocess.run(["pdftotext", "-", "-"], input=data, capture_output=True, check=True).stdout.decode()
