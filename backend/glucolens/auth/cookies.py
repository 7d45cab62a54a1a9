"""The web app's refresh cookie and its double-submit CSRF companion.

``__Host-glucolens_refresh`` is httpOnly, Secure, SameSite=Strict, Path=/ and has no
Domain, so only this origin ever receives it and scripts never read it.
``glucolens_csrf`` is readable by the app's scripts, which echo it in ``X-CSRF-Token``;
another site can neither read it nor set that header, so a forged request fails.
"""

from __future__ import annotations

import secrets

from fastapi import Request, Response

from glucolens.core.config import Settings, get_settings
from glucolens.core.errors import Forbidden

REFRESH_COOKIE = "__Host-glucolens_refresh"
# Browsers drop __Host- cookies that are not Secure; plain-HTTP development uses this name.
REFRESH_COOKIE_INSECURE = "glucolens_refresh"
CSRF_COOKIE = "glucolens_csrf"
CSRF_HEADER = "X-CSRF-Token"


def refresh_cookie_name(settings: Settings | None = None) -> str:
    settings = settings or get_settings()
    return REFRESH_COOKIE if settings.cookie_secure else REFRESH_COOKIE_INSECURE


def set_auth_cookies(response: Response, refresh_token: str) -> None:
    settings = get_settings()
    max_age = settings.refresh_token_ttl_days * 86400
    response.set_cookie(
        refresh_cookie_name(settings),
        refresh_token,
        max_age=max_age,
        path="/",
        secure=settings.cookie_secure,
        httponly=True,
        samesite="strict",
    )
    response.set_cookie(
        CSRF_COOKIE,
        secrets.token_urlsafe(32),
        max_age=max_age,
        path="/",
        secure=settings.cookie_secure,
        httponly=False,
        samesite="strict",
    )


def clear_auth_cookies(response: Response) -> None:
    settings = get_settings()
    for name, httponly in ((refresh_cookie_name(settings), True), (CSRF_COOKIE, False)):
        response.delete_cookie(
            name, path="/", secure=settings.cookie_secure, httponly=httponly, samesite="strict"
        )


def refresh_credential(request: Request, body_token: str | None) -> str | None:
    """The refresh token from the body (native apps) or from the cookie (web, CSRF-checked)."""
    if body_token:
        return body_token
    cookie = request.cookies.get(refresh_cookie_name())
    if not cookie:
        return None
    expected = request.cookies.get(CSRF_COOKIE) or ""
    sent = request.headers.get(CSRF_HEADER) or ""
    if not expected or not secrets.compare_digest(expected.encode(), sent.encode()):
        raise Forbidden(f"Missing or wrong {CSRF_HEADER} header for cookie authentication.")
    return cookie
