"""The HTTP side of the session cookie, served beside the Streamlit app by ``app.py``.

The page script cannot set a cookie, and a cookie JavaScript could set could not be
HttpOnly, so the page has the browser call these routes (same origin, ``fetch``):

- ``POST /api/session`` with a one-time ticket as the body: the ticket is traded for the
  signed session cookie (HttpOnly, SameSite=Strict, Path=/, Secure over https, Max-Age the
  idle timeout);
- ``PUT /api/session``: the cookie of a standing session is sent again with a fresh Max-Age;
- ``GET /api/session``: 204 while the cookie's session stands, else 401 (nothing is used);
- ``DELETE /api/session``: a cookie whose session has ended is removed.
"""

from __future__ import annotations

import functools
from typing import Final

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from geo.services import accounts, setup
from geo.settings import settings

PATH: Final = "/api/session"


@functools.cache
def _opened(url: str) -> setup.Opened:
    return setup.open_database(
        url, create=False, config=settings()
    )  # the app's first page run migrated it


def opened() -> setup.Opened:
    return _opened(setup.configured_url(settings()))


async def session(request: Request) -> Response:
    if not _same_origin(request):
        return Response(status_code=403)
    handle = opened()
    if request.method == "POST":
        ticket = (await request.body())[:200].decode("ascii", errors="replace").strip()
        value = await run_in_threadpool(accounts.redeem_ticket, handle, ticket)
        if value is None:
            return Response(status_code=403)
        response = Response(status_code=204)
        _set_cookie(response, request, value)
        return response
    cookie = request.cookies.get(accounts.SESSION_COOKIE)
    live = await run_in_threadpool(accounts.live_session, handle, cookie) is not None
    if request.method == "GET":
        return Response(status_code=204 if live else 401)
    if request.method == "PUT":
        if not live or cookie is None:
            return Response(status_code=401)
        response = Response(status_code=204)
        _set_cookie(response, request, cookie)
        return response
    response = Response(status_code=204)  # DELETE
    if cookie is not None and not live:
        response.delete_cookie(
            accounts.SESSION_COOKIE,
            path="/",
            secure=_https(request),
            httponly=True,
            samesite="strict",
        )
    return response


def _set_cookie(response: Response, request: Request, value: str) -> None:
    response.set_cookie(
        accounts.SESSION_COOKIE,
        value,
        max_age=max(1, round(accounts.idle_timeout_minutes(opened()) * 60)),
        path="/",
        secure=_https(request),
        httponly=True,
        samesite="strict",
    )


def _https(request: Request) -> bool:
    return request.url.scheme == "https"


def _same_origin(request: Request) -> bool:
    """Refuse requests another site's page makes (the cookie is SameSite=Strict as well)."""
    if request.headers.get("sec-fetch-site", "same-origin") not in ("same-origin", "none"):
        return False
    origin = request.headers.get("origin")
    return origin is None or origin == f"{request.url.scheme}://{request.url.netloc}"


ROUTES: Final = [Route(PATH, session, methods=["GET", "POST", "PUT", "DELETE"])]
