"""An inspector on a cheap phone finds communes for the field pack by typing part of the name, as it comes: without
accents, in capitals, with or without "xã". The phone folds as the server's search does (reference/lists.py
commune_key), checked here against the server's folding over every name of the list; a commune already chosen
never disappears."""

from __future__ import annotations

from typing import Any

import pytest

from traceability.demo import DEMO_PASSWORD
from traceability.reference.lists import commune_key

from .conftest import screenshot, sign_in

pytestmark = pytest.mark.browser

LABELS = "#pack-form label.check"


def _shown(page: Any) -> list[str]:
    return [" ".join(text.split()) for text in page.locator(f"{LABELS}:visible").all_inner_texts()]


def _matching(names: list[str], typed: str) -> list[str]:
    words = commune_key(typed).split()
    return [name for name in names if all(word in commune_key(name) for word in words)]


def test_typing_a_name_without_accents_narrows_the_communes_and_keeps_the_chosen_ones(page):
    sign_in(page, "thanhtra@example.org", DEMO_PASSWORD)
    page.goto("/inspect/field/")
    box = page.locator("#f-commune-filter")
    box.wait_for()  # shown by the script
    names = _shown(page)
    assert len(names) > 80 and "Xã Tân Cương" in names and "Phường Đức Xuân" in names
    count = page.locator("#commune-count")
    assert page.get_by_label("Tìm xã, phường").is_visible() and count.inner_text() == ""

    box.press_sequentially("TAN CUONG")  # typed key by key, as on the phone
    assert _shown(page) == ["Xã Tân Cương"]
    assert count.inner_text() == f"Khớp: 1 trên {len(names)} xã, phường."
    assert not page.locator("details.commune-group", has_text="Phường Đức Xuân").is_visible()  # the wards' group

    box.fill("")
    assert _shown(page) == names  # an empty search shows them all
    page.check(f"{LABELS} input[value='01840']")  # Phường Đức Xuân, chosen before searching
    for typed in ("Tân Cương", "xã tân cương", "tan  cuong "):
        box.fill(typed)
        assert _shown(page) == ["Phường Đức Xuân", "Xã Tân Cương"], typed
        assert count.inner_text() == f"Khớp: 1 trên {len(names)} xã, phường. Hiện thêm: 1 đã chọn."
    assert page.is_checked(f"{LABELS} input[value='01840']")
    screenshot(page, "field-commune-filter")

    # the phone's folding is the server's: đ is d, every mark and the kind's word dropped, any case
    for typed in ("tan", "DUC", "phú", "Phường phu", "an", "xa", "đức lương"):
        box.fill(typed)
        expected = _matching(names, typed)
        assert _shown(page) == [n for n in names if n in expected or n == "Phường Đức Xuân"], typed
    box.fill("kkk")
    assert _shown(page) == ["Phường Đức Xuân"]
    assert count.inner_text() == "Không có xã, phường nào khớp. Hiện thêm: 1 đã chọn."

    # Enter closes the keyboard: it does not prepare a pack with what is in sight
    box.fill("tan cuong")
    page.check(f"{LABELS} input[value='05503']")
    box.press("Enter")
    page.wait_for_timeout(500)
    assert page.locator("#pack-status").inner_text().startswith("Điện thoại này chưa có gói dữ liệu thực địa")
    box.fill("")
    assert _shown(page) == names
    assert page.is_checked(f"{LABELS} input[value='01840']") and page.is_checked(f"{LABELS} input[value='05503']")
