"""Security headers on every response, and safe redirect targets."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Flask, Response, current_app
from werkzeug.middleware.proxy_fix import ProxyFix

# No inline scripts or styles anywhere: templates link static files only.
CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data: https:",
        "connect-src 'self' ws: wss:",
        "font-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)


def safe_next(target: str | None) -> str | None:
    """Return `target` if it is a path on this site, else None (no open redirects)."""
    if not target:
        return None
    parts = urlsplit(target)
    if (
        parts.scheme
        or parts.netloc
        or not target.startswith("/")
        or target.startswith("//")
        or "\\" in target
    ):
        return None
    return target


def _headers(response: Response) -> Response:
    hsts = current_app.config.get("HSTS_SECONDS")
    if hsts:
        # Browsers that saw the site once use HTTPS only, even if a link or a network says http://.
        response.headers.setdefault("Strict-Transport-Security", f"max-age={int(hsts)}; includeSubDomains")
    # A response with a policy of its own says who may frame it (an embeddable badge): no X-Frame-Options.
    own_policy = "Content-Security-Policy" in response.headers
    response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    if not own_policy:
        response.headers.setdefault("X-Frame-Options", "DENY")
    response.headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
    if response.mimetype == "text/html":
        # Pages can hold personal data: not kept by shared computers' browsers or proxies.
        response.headers.setdefault("Cache-Control", "no-store")
    return response


def init_app(app: Flask) -> None:
    app.after_request(_headers)
    proxies = app.config.get("PROXY_COUNT", 0)
    if proxies:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies, x_host=proxies)  # type: ignore[method-assign]
