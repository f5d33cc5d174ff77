"""Who is using the console, and what their role lets them open.

Signing in posts an API token (``matchmaker users add``) through a form, or uses an invitation link
(:mod:`.accounts`); either starts a server-side session whose id goes into the session cookie
(:mod:`matchmaker.web.auth`: ``HttpOnly``, ``SameSite=Strict``, ``Secure`` over HTTPS). The app's
:class:`~matchmaker.web.auth.AuthMiddleware` resolves that cookie on every request, so an ended session,
a revoked user, or one whose city or provider was deleted, stops working at once, as in the API.

``SameSite=Strict`` keeps the browser from sending the cookie with a request started by another
site, which is what protects the console's forms from cross-site request forgery; as a second line,
:func:`console_guard` refuses a form post whose ``Origin`` names another host or is ``null``.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping
from contextvars import ContextVar
from typing import Annotated, Any
from urllib.parse import quote, urlsplit

import anyio.to_thread
from litestar.connection import ASGIConnection
from litestar.datastructures import FormMultiDict
from litestar.handlers.base import BaseRouteHandler
from litestar.params import PathParameter
from pydantic import ValidationError

from matchmaker.db.models import ID_PATTERN
from matchmaker.errors import AuthenticationError, InvalidInputError, MatchmakerError, PermissionDeniedError
from matchmaker.services.container import Services
from matchmaker.services.users import Principal
from matchmaker.settings import Settings
from matchmaker.web import auth
from matchmaker.web.errors import field_named, refused_keys
from matchmaker.web.routes.common import reject_unstorable

logger = logging.getLogger(__name__)

#: An id in a console path (an event or a participant), under the rule every id is stored by: one no
#: event or record can have (a NUL in it, say) is refused naming the parameter, before any read.
PathId = Annotated[str, PathParameter(min_length=1, max_length=128, pattern=ID_PATTERN.pattern)]

#: The ``opt`` key that marks every console route (set on the console's router), so that an answer made
#: before a route is chosen (a 405) can tell a console address from an API one.
CONSOLE = "console"
#: The ``opt`` key by which a form's address (a route that only receives the form) names the page that
#: holds the form: opening the address itself (a reload, a bookmark) leads back to that page.
FORM_PAGE = "form_page"

_UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
#: The display name of the record the signed-in user speaks for, shown in the page header.
SUBJECT_NAME: ContextVar[str | None] = ContextVar("console_subject_name", default=None)


class SignInRequired(AuthenticationError):  # noqa: N818 - reads as a condition, like its parent
    """No valid session: the browser is sent to the sign-in page."""

    def __init__(self, next_path: str, message: str = "Please sign in.", why: str | None = None) -> None:
        super().__init__(message)
        self.next_path = next_path
        #: Why the session stopped working (a key of :data:`SIGNED_OUT`), when it did.
        self.why = why


#: What the sign-in page says to someone whose session stopped working, by the ``why`` of its address.
#: Fixed sentences: the address is anyone's to write, so it names one of them, never the text shown.
SIGNED_OUT = {
    "ended": (
        "Your session has ended: you signed out elsewhere, or ministry staff changed your access."
        " Please sign in again."
    ),
    "expired": "Your session has expired. Please sign in again.",
    "gone": (
        "The city or provider you signed in for is no longer stored. Ask ministry staff for a new invitation."
    ),
}


def services_of(connection: ASGIConnection[Any, Any, Any, Any]) -> Services:
    """The services of the running app (``create_app`` keeps the container in the app state)."""
    services = connection.app.state.get("services")
    if not isinstance(services, Services):  # pragma: no cover - a wiring mistake, not user input
        msg = "the app state holds no Services; build the app with create_app(settings)"
        raise TypeError(msg)
    return services


def settings_of(connection: ASGIConnection[Any, Any, Any, Any]) -> Settings:
    """The settings of the running app."""
    return services_of(connection).settings


def safe_next(value: str | None) -> str:
    """A local path to go to after signing in; anything else (another site, a scheme) becomes ``/``."""
    if not value:
        return "/"
    parts = urlsplit(value)
    if parts.scheme or parts.netloc or not value.startswith("/") or value.startswith("//") or "\\" in value:
        return "/"
    return value


def principal_of(connection: ASGIConnection[Any, Any, Any, Any]) -> Principal:
    """The signed-in principal of a guarded console request."""
    principal = auth.principal_of(connection)
    if principal is None:  # pragma: no cover - console handlers are always guarded
        raise SignInRequired("/")
    return principal


def signed_in_principal(connection: ASGIConnection[Any, Any, Any, Any]) -> Principal | None:
    """Who is signed in, also for an answer made before a route was chosen, and the name of the record
    they speak for (:data:`SUBJECT_NAME`), so that an error page shows the signed-in user's header.

    The auth middleware runs for a chosen route only: a method a console address does not take (405)
    is answered while the route is chosen, before it. Then the request's credentials are checked here
    as the middleware checks them. The framework calls that answer's handler synchronously, so this
    lookup by key runs on the event loop; it happens for that rare page only.
    """
    principal = auth.principal_of(connection)
    if principal is not None or "auth" in connection.scope:
        return principal  # the middleware has checked the credentials (and the guard named the record)
    token, source = auth.credentials(connection.scope)
    if not token or source is None:
        return None
    services = services_of(connection)
    try:
        principal = auth.principal_for(services, token, source)
        SUBJECT_NAME.set(subject_name(services, principal))
    except MatchmakerError:
        return None
    except Exception:  # an error page is shown signed out rather than not at all
        logger.warning("Could not tell who is signed in for an error page", exc_info=True)
        return None
    return principal


def _check_origin(connection: ASGIConnection[Any, Any, Any, Any]) -> None:
    if connection.scope.get("method") not in _UNSAFE_METHODS:
        return
    origin = connection.headers.get("origin")
    if not origin:
        return
    if origin == "null":
        # Sandboxed frames and some redirects send an opaque origin: nothing says it is this site.
        logger.warning("Refused a console form post with an opaque origin")
        raise PermissionDeniedError("this form was sent from an opaque origin and was refused")
    host = connection.headers.get("host", "")
    if urlsplit(origin).netloc.lower() != host.lower():
        logger.warning("Refused a console form post from another origin")
        raise PermissionDeniedError("this form was sent from another site and was refused")


def _next_path(connection: ASGIConnection[Any, Any, Any, Any]) -> str:
    path = connection.url.path
    if connection.scope.get("method") != "GET":
        return path
    query = connection.url.query
    return path + ("?" + query if query else "")


#: Route options (``opt=``) that :func:`console_guard` reads: the roles that may open a page.
STAFF = {"roles": ("staff",)}
PARTICIPANTS = {"roles": ("city", "provider")}
STAFF_AND_CITIES = {"roles": ("staff", "city")}


async def console_guard(connection: ASGIConnection[Any, Any, Any, Any], handler: BaseRouteHandler) -> None:
    """Require a signed-in user and enforce the handler's ``roles`` option.

    Handlers opt out with ``opt={"public": True}`` (the sign-in page) and restrict themselves with
    ``opt={"roles": ("staff",)}``.
    """
    SUBJECT_NAME.set(None)  # a kept-alive connection may carry an earlier request's context
    _check_origin(connection)
    if handler.opt.get("public"):
        return
    principal = auth.principal_of(connection)
    if principal is None:
        state = connection.scope.get("state", {})
        reason = state.get("auth_error")
        message = f"{reason}. Please sign in again." if reason else "Please sign in."
        raise SignInRequired(_next_path(connection), message, why=state.get(auth.AUTH_WHY))
    SUBJECT_NAME.set(await anyio.to_thread.run_sync(subject_name, services_of(connection), principal))
    allowed = handler.opt.get("roles")
    if allowed and principal.role not in allowed:
        raise PermissionDeniedError("your role may not open this page")


def subject_name(services: Services, principal: Principal) -> str | None:
    """The name of the city or provider a user speaks for, as stored now, or None.

    It is read on every page (one lookup by id), not kept: a name just changed (on *Edit profile*, or
    by staff) shows in the header of the very next page, as it does in the page's own title."""
    if not principal.subject_id:
        return None
    try:
        with services.database.unit_of_work() as session:
            record = services.records(session).get(
                "city" if principal.role == "city" else "provider", principal.subject_id
            )
    except MatchmakerError:
        return None
    return str(getattr(record, "name", principal.subject_id))


def as_typed(value: object) -> str:
    """A posted text as it is stored: browsers send a textarea's line breaks as CRLF, which would
    otherwise change a multi-line text on every save (and the offsets quoted in explanations); spaces
    at the ends go."""
    return str(value).replace("\r\n", "\n").replace("\r", "\n").strip()


def within_limit(text: str, limit: int, what: str) -> str:
    """``text`` when it has at most ``limit`` characters; a longer one is refused naming the field as
    the form labels it (``what``), its limit and how much was typed
    (``Venue: at most 300 characters (312 given)``), never cut short and stored."""
    if len(text) > limit:
        raise InvalidInputError(f"{what}: at most {limit} characters ({len(text)} given)")
    return text


def typed_values(form: FormMultiDict) -> dict[str, str]:
    """Every text field of a refused form as typed (:func:`as_typed`), whole, to show the form again
    (a field sent more than once shows its first value)."""
    return {key: as_typed(value) for key in form if isinstance(value := form.get(key), str)}


#: Digits of the longest whole number a console form or page number is read as.
_MAX_DIGITS = 9
#: A number field's text of this many characters or more is refused as too long for a number, without
#: quoting it (a number field is read whole, never cut: see ``events.form_number``).
NUMBER_FIELD_READ = 101


def digits_value(value: str) -> int | None:
    """``value`` as a whole number when it is written in decimal digits alone, else None: a superscript
    "²" is a digit to :meth:`str.isdigit` but no number to :func:`int`, and at most
    :data:`_MAX_DIGITS` of them are read."""
    return int(value) if value.isdecimal() and len(value) <= _MAX_DIGITS else None


#: A whole number written in groups of three digits (``47,000``, ``1.250.000``, ``47 000``).
_GROUPED = re.compile(r"\d{1,3}(?:([,.' \u00a0\u202f_])\d{3})(?:\1\d{3})*")


def whole_number(text: str, what: str) -> int | None:
    """A form's count as typed: ``None`` when left empty, else a whole number of 0 or more; anything
    else (``abc``, ``2.5``, ``-1``, ``²``, ``47,000``, more than :data:`_MAX_DIGITS` digits) is refused
    naming the field as the form labels it (``what``) and saying how to write it: a number typed in
    groups of three digits is shown as it should be typed (``like 47000``)."""
    text = text.strip()
    if not text:
        return None
    number = digits_value(text)
    if number is not None:
        return number
    if len(text) >= NUMBER_FIELD_READ:
        raise InvalidInputError(f"{what}: the text typed is too long for a number")
    if text.isdecimal() and text.isascii():
        raise InvalidInputError(f"{what}: {text} is too large (at most {_MAX_DIGITS} digits)")
    grouped = _GROUPED.fullmatch(text)
    example = re.sub(r"\D", "", text) if grouped else "40"
    raise InvalidInputError(
        f"{what}: {text!r} is not a whole number of 0 or more; write it as digits only, like {example}"
    )


def given_once(form: FormMultiDict, key: str, what: str | None = None) -> object:
    """The value of a form field sent at most once (``None`` when missing). A field the form sends more
    than once is refused naming it (``what``, as the form labels it, else ``key``): reading one of its
    values would drop the others without a word."""
    values = form.getall(key, [])
    if len(values) > 1:
        raise InvalidInputError(f"{what or key}: given {len(values)} times; give it once")
    return values[0] if values else None


#: Separates the fields a refused form's flash names (its ``fields``).
FIELD_SEPARATOR = "|"


def _in_words(name: str) -> str:
    """A field's key or label as a refusal's ``fields`` hold it: lower case, in words."""
    return name.replace("_", " ").replace(".", " ").strip().lower()


def refusal_flash(
    exc: MatchmakerError | ValidationError, text: str | None = None, labels: Mapping[str, str] | None = None
) -> dict[str, str]:
    """The flash message of a refused form: ``text`` (by default the error's message), and as
    ``fields`` the fields it names, for the form to mark them invalid and described by the message
    (``field_state`` in ``macros.html``). A field is named by a problem of the text that begins with
    its label or key (``Population: ...``, ``programme level: ...``), or by the error itself
    (:func:`~matchmaker.web.errors.refused_keys`); each in lower-case words, separated by
    :data:`FIELD_SEPARATOR`. ``labels`` gives the form's label of a field the error names by key
    (``email`` → ``E-mail address``): the message then names the field by that label."""
    if text is None:
        text = exc.message if isinstance(exc, MatchmakerError) else str(exc)
    keys = refused_keys(exc)
    labels = labels or {}
    field = exc.field if isinstance(exc, MatchmakerError) else None
    if field is not None and field in labels:
        text = field_named(labels[field], text)
    named = {part.split(": ", 1)[0] for part in text.split("; ") if ": " in part}
    named.update(keys, (labels[key] for key in keys if key in labels))
    fields = FIELD_SEPARATOR.join(sorted({_in_words(name) for name in named}))
    return {"kind": "error", "text": text, "fields": fields}


def refuse_unstorable(form: FormMultiDict) -> None:
    """Refuse a form whose text no database can store (a NUL character, say), naming the field,
    before anything reads it (:class:`~matchmaker.errors.InvalidInputError`)."""
    for key, value in form.multi_items():
        reject_unstorable(value, key)


def form_on(page: str, opt: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """The ``opt`` of a route that receives a form shown on the console page named ``page``
    (a route name such as ``console:event-schedule``), with the route's other options ``opt``."""
    return {**(opt or {}), FORM_PAGE: page}


def signin_location(next_path: str, why: str | None = None) -> str:
    """The sign-in URL that returns to ``next_path`` afterwards (and says ``why`` the session stopped,
    a key of :data:`SIGNED_OUT`)."""
    target = safe_next(next_path)
    query = [] if target == "/" else [f"next={quote(target, safe='/')}"]
    if why in SIGNED_OUT:
        query.append(f"why={why}")
    return "/signin" + ("?" + "&".join(query) if query else "")


__all__ = [
    "CONSOLE",
    "FORM_PAGE",
    "NUMBER_FIELD_READ",
    "SIGNED_OUT",
    "SUBJECT_NAME",
    "PathId",
    "SignInRequired",
    "console_guard",
    "digits_value",
    "form_on",
    "principal_of",
    "refusal_flash",
    "refuse_unstorable",
    "safe_next",
    "services_of",
    "settings_of",
    "signed_in_principal",
    "signin_location",
    "subject_name",
    "typed_values",
    "whole_number",
    "within_limit",
]
