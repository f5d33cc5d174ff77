"""Authentication and authorisation for the API and the console.

*Who is calling.* :class:`AuthMiddleware` reads a bearer token from ``Authorization: Bearer ...`` or,
for the browser console, a server-side session id from the ``mm_session`` cookie (HttpOnly,
SameSite=Strict, Secure over HTTPS; :mod:`matchmaker.services.accounts`), and puts the
:class:`~matchmaker.services.users.Principal` on ``request.user`` (``None`` for an anonymous caller).
It never rejects a request by itself, so public pages such as ``/health`` or the console's sign-in page
keep working; the guards below do the rejecting.

*Failed sign-ins.* A bearer token that signs no one in counts against its client address's bound of
failed sign-ins (``signin_failures_per_minute``, :mod:`matchmaker.web.ratelimit`), as a token refused
by ``POST /auth/session`` or the console's sign-in form does. Over the bound, no token from that address
is checked until the minute passes: a route that needs one answers 429 with ``Retry-After``. A session
cookie that no longer works (one that ended or expired) is not counted: it is no guess.

*What they may do.* Guards for route handlers and routers:

* :func:`authenticated`: any signed-in user (every ``/api/v1/`` route has it);
* :func:`staff_only`: staff;
* :func:`roles` ``("staff", "city")``: a set of roles.

Checks that depend on the record in the path (a city reading its own suggestions, a provider editing
its own profile) are the ``require_*`` functions, called by handlers once they know the id.

*Dependencies.* ``current_user`` (401 when anonymous) and ``optional_user`` are registered on the app,
so any handler, including the console's, can declare
``current_user: NamedDependency[Principal]``.

Signing in from a browser: ``POST /auth/session`` with ``{"token": "..."}`` starts a session and sets
its id in the cookie; ``DELETE /auth/session`` ends the session on the server and clears the cookie.
The cookie never holds the bearer token, so signing out really ends the session. An invitation link
(``/invite/...``) starts a session the same way.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from http.cookies import SimpleCookie
from typing import Any

import anyio.to_thread
from litestar import Controller, Request, Response, delete, post
from litestar.connection import ASGIConnection
from litestar.datastructures import Cookie
from litestar.di import Provide
from litestar.handlers.base import BaseRouteHandler
from litestar.params import JSONBody
from litestar.types import Receive, Scope, Send
from pydantic import BaseModel, Field

from matchmaker.errors import AuthenticationError, MatchmakerError, PermissionDeniedError
from matchmaker.services import visibility
from matchmaker.services.container import Services
from matchmaker.services.users import Principal
from matchmaker.web.errors import RateLimitedError, problems
from matchmaker.web.middleware import ScopedMiddleware
from matchmaker.web.ratelimit import from_trusted_proxy, signin_failed, signin_succeeded, signin_wait

logger = logging.getLogger(__name__)

SESSION_COOKIE = "mm_session"
SESSION_MAX_AGE = 12 * 3600
BEARER_SCHEME = "BearerToken"
COOKIE_SCHEME = "SessionCookie"
#: Where the middleware leaves the refusal of a client over its bound of failed sign-ins.
_REFUSAL = "signin_refusal"
#: Scope state: why credentials that worked no longer do (:attr:`AuthenticationError.why`), if known.
AUTH_WHY = "auth_why"

Guard = Callable[[ASGIConnection[Any, Any, Any, Any], BaseRouteHandler], None]


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope.get("headers", []):
        if key == name:
            return str(value.decode("latin-1"))
    return None


def credentials(scope: Scope) -> tuple[str | None, str | None]:
    """(token, how it came: ``"bearer"`` or ``"cookie"``) from a request scope, or (None, None)."""
    authorization = _header(scope, b"authorization")
    if authorization is not None:
        scheme, _, token = authorization.strip().partition(" ")
        if scheme.lower() == "bearer" and token.strip():
            return token.strip(), "bearer"
        return "", "bearer"  # a malformed header is a failed sign-in, not an anonymous call
    raw_cookie = _header(scope, b"cookie")
    if raw_cookie:
        jar: SimpleCookie = SimpleCookie()
        try:
            jar.load(raw_cookie)
        except Exception:  # a mangled Cookie header is treated as no cookie
            return None, None
        morsel = jar.get(SESSION_COOKIE)
        if morsel is not None and morsel.value:
            return morsel.value, "cookie"
    return None, None


def authenticate(services: Services, token: str) -> Principal:
    """The principal of a bearer token, checked in a unit of work of its own."""
    with services.database.unit_of_work() as session:
        return services.users(session).authenticate(token)


def authenticate_session(services: Services, session_id: str) -> Principal:
    """The principal of a live console session id, checked in a unit of work of its own."""
    with services.database.unit_of_work() as session:
        return services.accounts(session).session_principal(session_id)


def start_session(services: Services, token: str) -> tuple[Principal, str]:
    """Exchange a bearer token for a new console session: (principal, session id)."""
    with services.database.unit_of_work() as session:
        return services.accounts(session).sign_in_with_token(token)


def end_session(services: Services, session_id: str | None) -> None:
    """End a console session on the server (nothing happens for an unknown or ended one)."""
    if not session_id:
        return
    with services.database.unit_of_work() as session:
        services.accounts(session).end_session(session_id)


def session_id_of(connection: ASGIConnection[Any, Any, Any, Any]) -> str | None:
    """The session id in the request's cookie, if any."""
    value = connection.cookies.get(SESSION_COOKIE)
    return value or None


def is_https(connection: ASGIConnection[Any, Any, Any, Any]) -> bool:
    """Whether the browser reached the server over HTTPS (a trusted proxy's ``X-Forwarded-Proto``, see
    :func:`~matchmaker.web.ratelimit.from_trusted_proxy`)."""
    if connection.url.scheme == "https":
        return True
    if from_trusted_proxy(connection):
        forwarded = connection.headers.get("x-forwarded-proto", "")
        return forwarded.split(",")[0].strip().lower() == "https"
    return False


def principal_for(services: Services, token: str, source: str) -> Principal:
    """The principal of credentials read by :func:`credentials`: a console session id from the cookie,
    or a bearer token; :class:`AuthenticationError` when they sign no one in."""
    check = authenticate_session if source == "cookie" else authenticate
    return check(services, token)


class AuthMiddleware(ScopedMiddleware):
    """Resolves the caller's token to a principal on ``scope["user"]``; never rejects by itself."""

    def applies(self, scope: Scope) -> bool:
        """HTTP requests and websockets."""
        return scope["type"] in ("http", "websocket")

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        scope["user"] = None
        scope["auth"] = None
        token, source = credentials(scope)
        if token is not None:
            await self._check(scope, token, source or "")
        await self.app(scope, receive, send)

    @staticmethod
    async def _check(scope: Scope, token: str, source: str) -> None:
        """Put the principal of the credentials on ``scope``, or on its state why there is none."""
        services: Services = scope["app"].state.services
        state = scope.setdefault("state", {})
        connection: ASGIConnection[Any, Any, Any, Any] = ASGIConnection(scope)
        guessed = source == "bearer"  # a bearer token may be a guess; a cookie that no longer works is none
        if guessed and (refusal := await signin_wait(connection, token)) is not None:
            state[_REFUSAL] = refusal  # type: ignore[literal-required]  # over the bound: not checked
            return
        try:
            scope["user"] = await anyio.to_thread.run_sync(principal_for, services, token, source)
            scope["auth"] = source
            if guessed:
                signin_succeeded(connection, token)
        except AuthenticationError as exc:
            state["auth_error"] = exc.message  # type: ignore[literal-required]
            state[AUTH_WHY] = exc.why  # type: ignore[literal-required]
            if guessed:
                await signin_failed(connection)
        except MatchmakerError as exc:  # database trouble: leave the guard to answer
            logger.warning("Could not check a token: %s", exc.message)
            state["auth_error"] = "credentials could not be checked"  # type: ignore[literal-required]


def principal_of(connection: ASGIConnection[Any, Any, Any, Any]) -> Principal | None:
    """The signed-in principal of a request, or ``None``."""
    user = connection.scope.get("user")
    return user if isinstance(user, Principal) else None


def require_principal(connection: ASGIConnection[Any, Any, Any, Any]) -> Principal:
    """The signed-in principal; :class:`AuthenticationError` (401) otherwise, or the refusal (429) of a
    client whose failed sign-ins are over their bound."""
    principal = principal_of(connection)
    if principal is None:
        refusal = connection.scope.get("state", {}).get(_REFUSAL)
        if isinstance(refusal, RateLimitedError):
            raise refusal
        reason = connection.scope.get("state", {}).get("auth_error")
        raise AuthenticationError(
            reason or "sign in: send Authorization: Bearer TOKEN (see `matchmaker users add`)"
        )
    return principal


# --------------------------------------------------------------------------------------------------
# Guards


def authenticated(connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler) -> None:
    """Guard: any signed-in user."""
    require_principal(connection)


def staff_only(connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler) -> None:
    """Guard: staff only."""
    if not require_principal(connection).is_staff:
        raise PermissionDeniedError("only ministry staff may do this")


def roles(*allowed: str) -> Guard:
    """Guard factory: the caller's role must be one of ``allowed``."""

    def guard(connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler) -> None:
        principal = require_principal(connection)
        if principal.role not in allowed:
            raise PermissionDeniedError(f"the {principal.role} role may not do this")

    guard.__name__ = f"roles_{'_'.join(allowed)}"
    return guard


# --------------------------------------------------------------------------------------------------
# Record-level checks


def require_own_city(principal: Principal, city_id: str) -> None:
    """Staff, or the focal point of ``city_id`` (the rule lives in :mod:`matchmaker.services.visibility`)."""
    visibility.require_self(principal, "city", city_id)


def require_city_owner(principal: Principal, city_id: str) -> None:
    """Staff, or the focal point of ``city_id`` changing its own city's profile."""
    if principal.is_staff or principal.is_city(city_id):
        return
    if principal.role == "city":
        raise PermissionDeniedError("a city focal point may change only its own city's profile")
    raise PermissionDeniedError("only ministry staff may do this")


def require_own_provider(principal: Principal, provider_id: str) -> None:
    """Staff, or the provider ``provider_id`` itself."""
    visibility.require_self(principal, "provider", provider_id)


# --------------------------------------------------------------------------------------------------
# Dependencies


async def provide_current_user(request: Request[Any, Any, Any]) -> Principal:
    """Dependency ``current_user``: the signed-in principal, 401 otherwise."""
    return require_principal(request)


async def provide_optional_user(request: Request[Any, Any, Any]) -> Principal | None:
    """Dependency ``optional_user``: the signed-in principal or ``None``."""
    return principal_of(request)


DEPENDENCIES = {
    "current_user": Provide(provide_current_user),
    "optional_user": Provide(provide_optional_user),
}


# --------------------------------------------------------------------------------------------------
# Browser sessions


def session_cookie(session_id: str, *, secure: bool = False, max_age: int = SESSION_MAX_AGE) -> Cookie:
    """The session cookie holding a console session id."""
    return Cookie(
        key=SESSION_COOKIE,
        value=session_id,
        httponly=True,
        samesite="strict",
        secure=secure,
        max_age=max_age,
        path="/",
    )


def set_session_cookie(
    response: Response[Any], session_id: str, *, secure: bool = False, max_age: int = SESSION_MAX_AGE
) -> Response[Any]:
    """Attach the session cookie to a response (``session_id`` from :func:`start_session`)."""
    response.set_cookie(session_cookie(session_id, secure=secure, max_age=max_age))
    return response


def clear_session_cookie(response: Response[Any]) -> Response[Any]:
    """Remove the session cookie."""
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


class SignIn(BaseModel):
    """A bearer token exchanged for a session cookie."""

    token: str = Field(min_length=1, max_length=200, description="A token from `matchmaker users add`.")


class Me(BaseModel):
    """The signed-in user."""

    user_id: int
    role: str
    subject_id: str | None = Field(default=None, description="The city or provider the user speaks for.")
    label: str | None = None

    @classmethod
    def of(cls, principal: Principal) -> Me:
        """The view of a principal: its attributes of the same names."""
        return cls.model_validate(principal, from_attributes=True)


class SessionController(Controller):
    """Browser sign-in: exchange a bearer token for a server-side session in an HttpOnly cookie."""

    path = "/auth/session"
    tags = ("auth",)

    @post(
        "/",
        status_code=200,
        summary="Sign in with a token (sets the session cookie)",
        responses=problems(415, 422),
    )
    async def sign_in(self, request: Request[Any, Any, Any], data: JSONBody[SignIn]) -> Response[Me]:
        """Check the token, start a session and set its id in the ``mm_session`` cookie. After too many
        failed sign-ins from the client's address, 429 with ``Retry-After`` without checking the token."""
        services: Services = request.app.state.services
        refusal = await signin_wait(request, data.token)
        if refusal is not None:
            raise refusal
        try:
            principal, session_id = await anyio.to_thread.run_sync(start_session, services, data.token)
        except AuthenticationError:
            await signin_failed(request)
            raise
        signin_succeeded(request, data.token)
        settings = services.settings
        secure = is_https(request)
        cookie = session_cookie(session_id, secure=secure, max_age=settings.session_hours * 3600)
        return Response(Me.of(principal), cookies=[cookie])

    @delete(
        "/",
        status_code=204,
        summary="Sign out (ends the session on the server, clears the cookie)",
        response_cookies=[Cookie(key=SESSION_COOKIE, value="", path="/", max_age=0)],
        # Signing out reads the database too (the session it ends), which may not answer for a moment.
        responses={503: problems()[503]},
    )
    async def sign_out(self, request: Request[Any, Any, Any]) -> None:
        """End the session on the server and clear the cookie (an empty 204)."""
        services: Services = request.app.state.services
        await anyio.to_thread.run_sync(end_session, services, session_id_of(request))


__all__ = [
    "AUTH_WHY",
    "BEARER_SCHEME",
    "COOKIE_SCHEME",
    "DEPENDENCIES",
    "SESSION_COOKIE",
    "AuthMiddleware",
    "Me",
    "Principal",
    "SessionController",
    "SignIn",
    "authenticate_session",
    "authenticated",
    "clear_session_cookie",
    "credentials",
    "end_session",
    "is_https",
    "principal_of",
    "require_city_owner",
    "require_own_city",
    "require_own_provider",
    "require_principal",
    "roles",
    "session_cookie",
    "session_id_of",
    "set_session_cookie",
    "staff_only",
    "start_session",
]
