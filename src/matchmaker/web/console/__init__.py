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
from litestar.exceptions import (
    HTTPException,
    MethodNotAllowedException,
    NotFoundException,
    ValidationException,
)
from litestar.handlers import BaseRouteHandler
from litestar.response import Redirect
from litestar.static_files import create_static_files_router
from litestar.types import ControllerRouterHandler
from litestar.utils import normalize_path
from sqlalchemy.exc import DataError, OperationalError

from matchmaker.errors import MatchmakerError
from matchmaker.settings import Settings
from matchmaker.web import auth
from matchmaker.web.console import (
    accounts,
    event_reports,
    event_schedule,
    events,
    jobs,
    participant,
    record_edit,
    records,
    selfservice,
    signin,
    staff,
)
from matchmaker.web.console.render import page, render
from matchmaker.web.console.session import (
    CONSOLE,
    FORM_PAGE,
    SignInRequired,
    console_guard,
    signed_in_principal,
    signin_location,
)
from matchmaker.web.errors import (
    DATABASE_RETRY_SECONDS,
    DATABASE_UNAVAILABLE_PAGE,
    form_refusal,
    handle_exception,
    log_database_unavailable,
    logged_path,
    parameter_problems,
    status_for,
    too_large,
)
from matchmaker.web.routes.common import whole_number_queries

logger = logging.getLogger(__name__)

STATIC_DIR = Path(__file__).resolve().parent.parent / "static"

_TITLES = {
    400: "Bad request",
    401: "Please sign in",
    403: "Not allowed",
    404: "Not found",
    405: "Not a page",
    409: "Conflict",
    413: "Too large",
    422: "Please check the input",
    429: "Too many requests",
    503: "Not available yet",
}
#: The title of the page a person sees while the database cannot be reached.
UNAVAILABLE_TITLE = "Temporarily unavailable"


def _error_page(
    request: Request[Any, Any, Any],
    status: int,
    message: str,
    *,
    headers: dict[str, str] | None = None,
    title: str | None = None,
) -> Response[Any]:
    principal = signed_in_principal(request)
    return page(
        "console/error.html",
        principal,
        status_code=status,
        headers=headers,
        title=title or _TITLES.get(status, "Something went wrong"),
        message=message,
        request_path=request.url.path,
    )


def _console_route(
    request: Request[Any, Any, Any], allowed: list[str]
) -> tuple[BaseRouteHandler, dict[str, Any]] | None:
    """The console route at the request's path (by a method it takes) and its path parameters, or
    ``None`` when the path is not the console's (the API's, say)."""
    path = request.scope["path"]
    if root_path := request.scope.get("root_path", ""):
        path = path.split(root_path, maxsplit=1)[-1]
    for method in allowed:
        try:
            _, handler, _, params, _ = request.app.asgi_router.handle_routing(normalize_path(path), method)
        except HTTPException:
            continue
        return (handler, params) if handler.opt.get(CONSOLE) else None
    return None


def on_method_not_allowed(request: Request[Any, Any, Any], exc: MethodNotAllowedException) -> Response[Any]:
    """A method a console address does not take answers a person, not a script.

    Opening a form's address (a reload or a bookmark of where the form was sent) leads back to the page
    that holds the form (303); any other method at a console address gets a console page saying so.
    Everywhere else (the API) the answer stays problem details. The app registers this handler: a 405
    is raised while the route is chosen, before any router's own handlers apply.
    """
    allow = (exc.headers or {}).get("allow", "")
    allowed = [m.strip() for m in allow.split(",") if m.strip() and m.strip() != "OPTIONS"]
    route = _console_route(request, allowed)
    if route is None:
        return handle_exception(request, exc)
    handler, params = route
    form_page = handler.opt.get(FORM_PAGE)
    if request.method in ("GET", "HEAD") and isinstance(form_page, str):
        return Redirect(request.app.route_reverse(form_page, **params), status_code=303)
    message = "This address does not open a page; use the links and forms of the console."
    return _error_page(request, 405, message, headers={"Allow": allow} if allow else None)


#: Addresses that belong to scripts (the API, its schema, the probes): a 404 there stays problem details.
_SCRIPT_PREFIXES = ("/api/", "/schema", "/health", "/ready", "/static/")


def on_not_found(request: Request[Any, Any, Any], exc: NotFoundException) -> Response[Any]:
    """An address no route serves answers a browser with a console page, not problem-details JSON.

    A person who follows an old bookmark or mistypes an address sees where to go on; a script (the
    API's addresses, or any client that does not ask for HTML) still gets problem details. The app
    registers this handler: such a 404 is raised while the route is chosen.
    """
    path = request.url.path
    wants_html = "text/html" in request.headers.get("accept", "")
    if not wants_html or path.startswith(_SCRIPT_PREFIXES):
        return handle_exception(request, exc)
    message = "There is no page at this address; it may have moved, or a character of it is missing."
    return _error_page(request, 404, message)


def _on_sign_in_required(request: Request[Any, Any, Any], exc: SignInRequired) -> Response[Any]:
    if request.headers.get("hx-request"):
        # htmx follows redirects inside the page; ask it to reload the whole page at the sign-in form.
        return Response(
            content="", status_code=401, headers={"HX-Redirect": signin_location(exc.next_path, exc.why)}
        )
    return auth.clear_session_cookie(Redirect(signin_location(exc.next_path, exc.why), status_code=303))


def _on_matchmaker_error(request: Request[Any, Any, Any], exc: MatchmakerError) -> Response[Any]:
    return _error_page(request, status_for(exc), exc.message)


def _on_http_exception(request: Request[Any, Any, Any], exc: HTTPException) -> Response[Any]:
    refusal = form_refusal(exc)
    if refusal is not None:
        # A form over one of the form reader's bounds: which bound, and its limit.
        return _error_page(request, status_for(refusal), refusal.message)
    if isinstance(exc, NotFoundException):
        return _error_page(request, 404, "There is no such page or record.")
    if isinstance(exc, ValidationException):
        # A parameter of the address (``?source=``, ``?page=``) is named with what it must be; a form the
        # framework could not read at all keeps the general words.
        detail, problems = parameter_problems(request, exc)
        if problems and all(p.get("source") in {"query", "path"} for p in problems):
            return _error_page(request, 400, f"This address is not understood: {detail}.")
        return _error_page(request, 400, "The request was not understood; check the form and try again.")
    status = exc.status_code if 400 <= exc.status_code < 500 else 500
    message = str(exc.detail) if status < 500 else "Something went wrong on our side; it has been logged."
    if status == 413:
        # The framework's own words ("Request Entity Too Large") say neither how large nor the limit.
        message = f"{too_large(request, body='form')}. Shorten what you typed and send it again"
    if status >= 500:
        logger.error("Console request failed: %s", exc.detail)
    return _error_page(request, status, message)


def _on_data_error(request: Request[Any, Any, Any], exc: DataError) -> Response[Any]:
    # A value the database refuses (a NUL character, say) that no form check caught: the input is at
    # fault, not the server; the traceback is kept, since the gap in the checks is worth closing.
    logger.warning(
        "The database refused a value on %s %s", request.method, logged_path(request.scope), exc_info=exc
    )
    return _error_page(
        request, 422, "A value you sent cannot be stored (for example a NUL character); check the form."
    )


def _on_database_unavailable(request: Request[Any, Any, Any], exc: OperationalError) -> Response[Any]:
    log_database_unavailable(request, exc)
    return _error_page(
        request,
        503,
        DATABASE_UNAVAILABLE_PAGE,
        headers={"Retry-After": str(DATABASE_RETRY_SECONDS)},
        title=UNAVAILABLE_TITLE,
    )


def on_database_unavailable(request: Request[Any, Any, Any], exc: OperationalError) -> Response[Any]:
    """While the database cannot be reached, a browser at a console address reads a page saying the
    service is unavailable for a moment; the API and any client that does not ask for HTML get the
    503 problem details. The app registers this handler for what fails outside the console's routes
    (their own handler answers inside them)."""
    wants_html = "text/html" in request.headers.get("accept", "")
    if not wants_html or request.url.path.startswith(_SCRIPT_PREFIXES):
        return handle_exception(request, exc)
    return _on_database_unavailable(request, exc)


def unavailable_html() -> bytes:
    """The console's page saying the service is unavailable for a moment, signed out, for an answer
    whose own page could not be finished because the database stopped answering."""
    context = {"principal": None, "flash": None, "subject_name": None, "request_path": "/"}
    text = render(
        "console/error.html", {**context, "title": UNAVAILABLE_TITLE, "message": DATABASE_UNAVAILABLE_PAGE}
    )
    return text.encode()


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
        *event_schedule.ROUTES,
        *event_reports.ROUTES,
        *participant.ROUTES,
        *accounts.ROUTES,
        *selfservice.ROUTES,
        *jobs.ROUTES,
    ]
    return Router(
        path="/",
        route_handlers=handlers,
        guards=[console_guard, whole_number_queries],
        include_in_schema=False,
        tags=["console"],
        opt={CONSOLE: True},
        exception_handlers={
            SignInRequired: _on_sign_in_required,
            MatchmakerError: _on_matchmaker_error,
            HTTPException: _on_http_exception,
            DataError: _on_data_error,
            OperationalError: _on_database_unavailable,
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


__all__ = [
    "STATIC_DIR",
    "app_route_handlers",
    "console_router",
    "console_routes",
    "on_database_unavailable",
    "on_method_not_allowed",
    "on_not_found",
    "unavailable_html",
]
