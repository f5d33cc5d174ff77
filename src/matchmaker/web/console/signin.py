"""Signing in and out of the console, and the start page that sends each role to its home."""

from __future__ import annotations

import logging
from typing import Any

import anyio.to_thread
from litestar import Request, Response, get, post
from litestar.response import Redirect

from matchmaker.errors import AuthenticationError
from matchmaker.services.users import Principal
from matchmaker.web import auth
from matchmaker.web.console.render import page
from matchmaker.web.console.session import SIGNED_OUT, form_on, principal_of, safe_next, services_of
from matchmaker.web.ratelimit import signin_failed, signin_succeeded, signin_wait

logger = logging.getLogger(__name__)


def home_of(principal: Principal) -> str:
    """Where a role starts: staff on the dashboard, a city on its page, a provider on its profile."""
    if principal.role == "city" and principal.subject_id:
        return f"/cities/{principal.subject_id}"
    if principal.role == "provider" and principal.subject_id:
        return f"/providers/{principal.subject_id}"
    return "/dashboard"


@get("/", name="console:home", sync_to_thread=False)
def home(request: Request[Any, Any, Any]) -> Redirect:
    """The start page: each role's home."""
    return Redirect(home_of(principal_of(request)), status_code=303)


@get("/signin", name="console:signin", opt={"public": True}, sync_to_thread=False)
def signin_form(request: Request[Any, Any, Any]) -> Response[Any]:
    """The sign-in form (signed-in users go straight home)."""
    target = safe_next(request.query_params.get("next"))
    principal = auth.principal_of(request)
    if principal is not None:
        return Redirect(target if target != "/" else home_of(principal), status_code=303)
    notice = SIGNED_OUT.get(request.query_params.get("why") or "")
    return page("console/signin.html", None, title="Sign in", next=target, error=None, notice=notice)


@post("/signin", name="console:signin-post", opt={"public": True})
async def signin_submit(request: Request[Any, Any, Any]) -> Response[Any]:
    """Check the posted token; on success set the session cookie and go on. After too many failed
    sign-ins from the client's address, 429 without checking the token (:func:`signin_wait`)."""
    form = await request.form()
    token = str(form.get("token") or "").strip()
    target = safe_next(str(form.get("next") or "/"))
    services = services_of(request)
    refusal = await signin_wait(request, token)
    if refusal is not None:
        return page(
            "console/signin.html",
            None,
            status_code=429,
            headers={"Retry-After": str(refusal.retry_after)},
            title="Sign in",
            next=target,
            error=refusal.message,
        )
    try:
        principal, session_id = await anyio.to_thread.run_sync(auth.start_session, services, token)
    except AuthenticationError:
        logger.info("Console sign-in refused")
        await signin_failed(request)
        return page(
            "console/signin.html",
            None,
            status_code=401,
            title="Sign in",
            next=target,
            error="That token was not accepted. Check it and try again.",
        )
    signin_succeeded(request, token)
    response: Response[Any] = Redirect(target if target != "/" else home_of(principal), status_code=303)
    return signed_in(request, response, session_id)


def signed_in(request: Request[Any, Any, Any], response: Response[Any], session_id: str) -> Response[Any]:
    """Set the session cookie (``Secure`` when the browser came over HTTPS) on ``response``."""
    settings = services_of(request).settings
    secure = auth.is_https(request)
    return auth.set_session_cookie(response, session_id, secure=secure, max_age=settings.session_hours * 3600)


@post("/signout", name="console:signout", opt=form_on("console:home", {"public": True}))
async def signout(request: Request[Any, Any, Any]) -> Response[Any]:
    """End the session on the server, clear the cookie and show the sign-in form."""
    await anyio.to_thread.run_sync(auth.end_session, services_of(request), auth.session_id_of(request))
    return auth.clear_session_cookie(Redirect("/signin", status_code=303))


ROUTES = [home, signin_form, signin_submit, signout]
