"""The web console: server-rendered pages for ministry staff, city focal points and providers.

Pages are Jinja templates (``matchmaker/web/templates/console``) with a little htmx
(``matchmaker/web/static``, vendored, no build step) for live filtering; every form also works
without scripts. The console calls the same services as the API and reuses its sign-in cookie and
role rules (:mod:`matchmaker.web.auth`), so a role sees in the console exactly what the API shows it.

:func:`console_routes` gives the route handlers to register on the app: the console router (guarded,
with HTML error pages) and the static files. ``create_app`` picks them up through
:func:`app_route_handlers`, its hook for feature modules.

Modules: :mod:`.session` (who is signed in, role checks), :mod:`.render` (templates and filters),
:mod:`.facets` (filter values of records), :mod:`.explain` (readable explanations),
:mod:`.signin`, :mod:`.staff`, :mod:`.records`, :mod:`.events`, :mod:`.event_reports` (feedback,
statistics charts from :mod:`.charts`, the printable documents) and :mod:`.participant` and
:mod:`.jobs` (the pages).
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from litestar import Request, Response, Router
from litestar.exceptions import HTTPException, NotFoundException, ValidationException
from litestar.response import Redirect
from litestar.static_files import create_static_files_router
from litestar.types import ControllerRouterHandler

from matchmaker.errors import MatchmakerError
from matchmaker.settings import Settings
from matchmaker.web import auth
from matchmaker.web.console import (
    accounts,
    event_reports,
    events,
    jobs,
    participant,
    record_edit,
    records,
    selfservice,
    signin,
    staff,
)
from matchmaker.web.console.render import page
from matchmaker.web.console.session import SignInRequired, console_guard, signin_location
from matchmaker.web.errors import status_for

logger = logging.getLogger(__name__)

STATIC_DIR = Path(__file__).resolve().parent.parent / "static"

_TITLES = {
    400: "Bad request",
    401: "Please sign in",
    403: "Not allowed",
    404: "Not found",
    409: "Conflict",
    413: "Too large",
    422: "Please check the input",
    429: "Too many requests",
    503: "Not available yet",
}


def _error_page(request: Request[Any, Any, Any], status: int, message: str) -> Response[Any]:
    principal = auth.principal_of(request)
    return page(
        "console/error.html",
        principal,
        status_code=status,
        title=_TITLES.get(status, "Something went wrong"),
        message=message,
        request_path=request.url.path,
    )


def _on_sign_in_required(request: Request[Any, Any, Any], exc: SignInRequired) -> Response[Any]:
    if request.headers.get("hx-request"):
        # htmx follows redirects inside the page; ask it to reload the whole page at the sign-in form.
        return Response(content="", status_code=401, headers={"HX-Redirect": signin_location(exc.next_path)})
    return auth.clear_session_cookie(Redirect(signin_location(exc.next_path), status_code=303))


def _on_matchmaker_error(request: Request[Any, Any, Any], exc: MatchmakerError) -> Response[Any]:
    return _error_page(request, status_for(exc), exc.message)


def _on_http_exception(request: Request[Any, Any, Any], exc: HTTPException) -> Response[Any]:
    if isinstance(exc, NotFoundException):
        return _error_page(request, 404, "There is no such page or record.")
    if isinstance(exc, ValidationException):
        return _error_page(request, 400, "The request was not understood; check the form and try again.")
    status = exc.status_code if 400 <= exc.status_code < 500 else 500
    message = str(exc.detail) if status < 500 else "Something went wrong on our side; it has been logged."
    if status >= 500:
        logger.error("Console request failed: %s", exc.detail)
    return _error_page(request, status, message)


def _on_unexpected(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    logger.error("Console request failed", exc_info=exc)
    return _error_page(request, 500, "Something went wrong on our side; it has been logged.")


def console_router() -> Router:
    """The console's pages under ``/``, behind :func:`console_guard`, with HTML error pages."""
    handlers: list[ControllerRouterHandler] = [
        *signin.ROUTES,
        *staff.ROUTES,
        *records.ROUTES,
        *record_edit.ROUTES,
        *events.ROUTES,
        *event_reports.ROUTES,
        *participant.ROUTES,
        *accounts.ROUTES,
        *selfservice.ROUTES,
        *jobs.ROUTES,
    ]
    return Router(
        path="/",
        route_handlers=handlers,
        guards=[console_guard],
        include_in_schema=False,
        tags=["console"],
        exception_handlers={
            SignInRequired: _on_sign_in_required,
            MatchmakerError: _on_matchmaker_error,
            HTTPException: _on_http_exception,
            Exception: _on_unexpected,
        },
    )


def console_routes() -> list[ControllerRouterHandler]:
    """Everything the app registers for the console: the pages and ``/static``."""
    static = create_static_files_router(
        path="/static",
        directories=[STATIC_DIR],
        name="console:static",
        include_in_schema=False,
        opt={"public": True},
        cache_control=None,
    )
    return [console_router(), static]


def app_route_handlers(settings: Settings) -> list[ControllerRouterHandler]:
    """The hook ``create_app`` calls for feature modules mounted at the root."""
    del settings  # the pages read the settings from the app state on each request
    return console_routes()


__all__ = ["STATIC_DIR", "app_route_handlers", "console_router", "console_routes"]
