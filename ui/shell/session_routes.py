"""The session cookie, set and cleared by the console's own server.

A Streamlit session talks over a websocket, which cannot set a cookie; so after a sign-in the
page asks this route (a same-origin `fetch`, no navigation) to set it. The page never sees the
session token: it holds a one-time handoff code, valid for HANDOFF_SECONDS, that this route
exchanges for the token in the Set-Cookie header. The cookie is HttpOnly (no script reads it),
SameSite=Lax, Secure when the console is reached over HTTPS, and lives no longer than the
absolute session limit; the server ends the session itself, so a cookie outliving it signs
nobody in. Sign-out asks the other route to clear it.
"""

from __future__ import annotations

import secrets
import threading
import time
from urllib.parse import urlsplit

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from smscore.access import sessions

SESSION_PATH = "/auth/session"
SIGNOUT_PATH = "/auth/signout"
HANDOFF_SECONDS = 60.0

_handoffs: dict[str, tuple[str, float]] = {}  # code -> (token, time.monotonic() it expires)
_lock = threading.Lock()


def offer(token: str) -> str:
    """A one-time code the page trades for the cookie holding `token`."""
    code = secrets.token_urlsafe(24)
    now = time.monotonic()
    with _lock:
        for stale in [c for c, (_, until) in _handoffs.items() if until < now]:
            del _handoffs[stale]
        _handoffs[code] = (token, now + HANDOFF_SECONDS)
    return code


def _redeem(code: str) -> str | None:
    with _lock:
        found = _handoffs.pop(code, None)
    if found is None or found[1] < time.monotonic():
        return None
    return found[0]


def _secure(request: Request) -> bool:
    """HTTPS as the browser sees it: directly, or through a proxy that says so."""
    forwarded = request.headers.get("x-forwarded-proto", "").split(",")[0].strip().lower()
    return request.url.scheme == "https" or forwarded == "https"


def _same_origin(request: Request) -> bool:
    """A browser names the page that sent a POST: refuse pages of other sites (CSRF)."""
    origin = request.headers.get("origin")
    return origin is None or urlsplit(origin).netloc == request.headers.get("host", "")


async def _set(request: Request) -> Response:
    if not _same_origin(request):
        return Response(status_code=403)
    form = await request.form()
    token = _redeem(str(form.get("code") or ""))
    if token is None:
        return Response(status_code=403)
    response = Response(status_code=204, headers={"Cache-Control": "no-store"})
    response.set_cookie(
        sessions.COOKIE,
        token,
        max_age=int(sessions.ABSOLUTE.total_seconds()),
        path="/",
        httponly=True,
        samesite="lax",
        secure=_secure(request),
    )
    return response


async def _clear(request: Request) -> Response:
    if not _same_origin(request):
        return Response(status_code=403)
    response = Response(status_code=204, headers={"Cache-Control": "no-store"})
    response.delete_cookie(sessions.COOKIE, path="/", httponly=True, samesite="lax", secure=_secure(request))
    return response


ROUTES = [Route(SESSION_PATH, _set, methods=["POST"]), Route(SIGNOUT_PATH, _clear, methods=["POST"])]
