"""Security headers on every answer: pages, JSON, static and uploaded files, errors.

One after_request hook, so an answer cannot leave without them (docs/decisions.md says why not a library).
Pages load only this site's scripts and styles (static/), never inline ones, so the policy needs no
'unsafe-inline' and no nonces. The camera is allowed on the inspectors' scanner page alone.
"""

from __future__ import annotations

from flask import Flask, Response, request

CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data: blob:",  # data: for Swagger UI's icons, blob: for photos previewed before upload
        "font-src 'self'",
        "connect-src 'self'",
        "media-src 'self' blob:",
        "worker-src 'self'",  # the inspector workspace's service worker (/inspect/sw.js), nothing else
        "manifest-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",  # no other site may frame a page (clickjacking of the suspend and recall forms)
    ]
)
PERMISSIONS_POLICY = "camera=(), microphone=(), geolocation=(self), payment=(), usb=()"
CAMERA_PERMISSIONS_POLICY = "camera=(self), microphone=(), geolocation=(self), payment=(), usb=()"
# the pages that read codes with the camera
CAMERA_ENDPOINTS = frozenset({"inspection.find", "inspection.field_work"})

HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",  # frame-ancestors for browsers that predate it
    "Referrer-Policy": "same-origin",  # codes in our URLs never travel to another site
    "Cross-Origin-Opener-Policy": "same-origin",
}


def _hsts_value(seconds: int) -> str:
    return f"max-age={seconds}; includeSubDomains" if seconds else ""


def init_security(app: Flask) -> None:
    # HSTS only in production, behind HTTPS: browsers would otherwise refuse a plain-HTTP development server
    hsts = _hsts_value(app.config.get("HSTS_SECONDS", 0))

    @app.after_request
    def _add_headers(response: Response) -> Response:
        own = response.headers.get("Content-Security-Policy")
        if own and "frame-ancestors" not in own:
            # a view that sets a stricter policy of its own (uploaded files: "sandbox") is never framed either
            response.headers["Content-Security-Policy"] = f"{own}; frame-ancestors 'none'"
        for name, value in HEADERS.items():
            response.headers.setdefault(name, value)
        camera = request.endpoint in CAMERA_ENDPOINTS
        response.headers.setdefault("Permissions-Policy", CAMERA_PERMISSIONS_POLICY if camera else PERMISSIONS_POLICY)
        if hsts:
            response.headers.setdefault("Strict-Transport-Security", hsts)
        return response
