"""Forgot password, end to end: the page, the mail through the worker and a real SMTP server, the new password;
a used link, an expired link, and an unknown address that is answered the same and mailed nothing."""

from __future__ import annotations

import re
import time

import pytest
from itsdangerous import TimestampSigner, URLSafeTimedSerializer

from traceability.accounts import services as accounts
from traceability.accounts.models import Role

from ..mailsink import body
from .conftest import screenshot, sign_in

pytestmark = pytest.mark.browser


def _ask_for_a_link(page, email: str) -> str:
    page.goto("/login")
    page.click("#forgot-link")
    page.fill("#f-email", email)
    page.click("main form button[type=submit]")
    page.wait_for_url("**/login")
    return page.locator(".flash").inner_text()


def test_a_forgotten_password_is_replaced_from_the_mailed_link_once(page, live_db, smtp_sink):
    user = accounts.create_user(
        live_db, email="quen.mat.khau@example.org", password="mật khẩu cũ dài", full_name="Hà", role=Role.INSPECTOR
    )
    live_db.commit()

    told_known = _ask_for_a_link(page, "quen.mat.khau@example.org")
    told_unknown = _ask_for_a_link(page, "chua.dang.ky@example.org")
    assert told_known == told_unknown and "Nếu có tài khoản dùng địa chỉ e-mail này" in told_known

    mail = smtp_sink.wait_for("quen.mat.khau@example.org")
    link = re.search(r"http://127\.0\.0\.1:\d+/password/reset/\S+", body(mail))[0]
    page.goto(link)
    page.fill("#f-password", "mật khẩu mới dài")
    screenshot(page, "password-reset")
    page.click("main form button[type=submit]")
    page.wait_for_url("**/login")
    assert "Mật khẩu của bạn đã được đổi" in page.locator(".flash").inner_text()

    sign_in(page, "quen.mat.khau@example.org", "mật khẩu mới dài")
    page.wait_for_url("**/inspect/**")
    used = page.goto(link)
    assert used.status == 404 and "Liên kết này đã được sử dụng" in page.content()
    assert smtp_sink.to("chua.dang.ky@example.org") == []  # an unknown address is sent nothing

    # a link older than PASSWORD_RESET_MINUTES (60) no longer opens
    live_db.refresh(user)
    signer = URLSafeTimedSerializer("live-tests-only", salt="password-reset")
    original = TimestampSigner.get_timestamp
    TimestampSigner.get_timestamp = lambda self: int(time.time()) - 2 * 3600
    try:
        old = signer.dumps([user.id, user.password_hash[-16:]])
    finally:
        TimestampSigner.get_timestamp = original
    expired = page.goto(f"/password/reset/{old}")
    assert expired.status == 404 and "Liên kết này đã hết hạn" in page.content()
