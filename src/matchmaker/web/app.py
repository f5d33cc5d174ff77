"""The Litestar application factory.

``create_app(settings)`` builds the app for one instance:

* ``/health`` (liveness) and ``/ready`` (the model and the indexes are loaded), open to anyone;
* ``/feeds/{token}.ics``: a participant's calendar for subscribing clients; the secret token is the
  credential (revocable);
* ``/auth/session`` exchanges a bearer token for the console's session cookie;
* ``/api/v1/...``: every route requires a signed-in user (``authenticated`` guard on the router);
* ``/schema/openapi.json``: the OpenAPI document (exported to ``api/openapi.json``).

``create_app`` builds the instance's :class:`~matchmaker.services.container.Services` once (or takes
one) and keeps it on ``app.state.services``; handlers receive typed services through the dependencies of
:mod:`matchmaker.web.dependencies`, each request in one unit of work. The lifespan loads the embedding
model and the matcher once (in a worker thread; in the background for ``matchmaker serve``, so the socket
is bound before they are loaded) and closes the database at shutdown. The other shared
objects on ``app.state`` are the ``rate_limiter`` of expensive requests and the ``signin_limiter`` of
failed sign-ins (in PostgreSQL when that is the database, so every worker counts against one budget).
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING, Any, cast

import anyio.to_thread
from litestar import Litestar, Router, get
from litestar.datastructures import State
from litestar.di import NamedDependency
from litestar.exceptions import MethodNotAllowedException, NotFoundException
from litestar.openapi import OpenAPIConfig
from litestar.openapi.plugins import ScalarRenderPlugin
from litestar.openapi.spec import Components, OpenAPIType, Schema, SecurityScheme, Tag
from litestar.plugins.pydantic import PydanticSchemaPlugin
from litestar.types import ControllerRouterHandler
from sqlalchemy.exc import OperationalError

from matchmaker import __version__
from matchmaker.services.container import Services
from matchmaker.services.ratelimit import RateLimiter, SignedIn
from matchmaker.services.users import Principal
from matchmaker.settings import Settings
from matchmaker.web import auth
from matchmaker.web.compression import GzipMiddleware
from matchmaker.web.console import (
    console_routes,
    on_database_unavailable,
    on_method_not_allowed,
    on_not_found,
    unavailable_html,
)
from matchmaker.web.dependencies import DEPENDENCIES
from matchmaker.web.errors import EXCEPTION_HANDLERS, FORM_PART_LIMIT, document_headers, problems
from matchmaker.web.forms import FormRequest
from matchmaker.web.head import HeadAsGet
from matchmaker.web.logs import RequestContextMiddleware
from matchmaker.web.ratelimit import RATE_LIMITER, SIGNED_IN, SIGNIN_LIMITER
from matchmaker.web.redaction import UNAVAILABLE_PAGE, RedactionMiddleware
from matchmaker.web.request_guard import RequestGuardMiddleware
from matchmaker.web.routes.common import declared_queries_only, single_query_values, whole_number_queries
from matchmaker.web.routes.corpus import make_upload_handler
from matchmaker.web.routes.event_reports import EventReportController
from matchmaker.web.routes.events import EventController
from matchmaker.web.routes.feeds import calendar_feed
from matchmaker.web.routes.health import health, ready
from matchmaker.web.routes.indexes import IndexController
from matchmaker.web.routes.jobs import get_job
from matchmaker.web.routes.matching import MatchController, query_bounds
from matchmaker.web.routes.records import RECORD_CONTROLLERS
from matchmaker.web.routes.users import EventInvitationController, OutboxController, UserController

if TYPE_CHECKING:
    from litestar._openapi.schema_generation import SchemaCreator
    from litestar.typing import FieldDefinition

logger = logging.getLogger(__name__)

API_PREFIX = "/api/v1"
#: Largest JSON body of an ordinary API request (uploads have their own limit, ``max_upload_bytes``).
MAX_JSON_BODY = 1_000_000

DESCRIPTION = """\
Matchmaking for a smart-cities guidance programme: cities, solution providers and case studies, with
explained suggestions.

**Authentication.** Every `/api/v1/` endpoint needs `Authorization: Bearer TOKEN`; tokens are issued by
`matchmaker users add --role staff|city|provider [--for ID]`. Staff see and do everything; a city focal
point sees its own city in full, other cities' public profiles, providers, case studies and its own
suggestions; a provider sees public city profiles, its own profile and its own suggestions, and can
change only its own profile.

**Errors** are RFC 9457 problem details (`application/problem+json`) with a `request_id`.
"""


@get("/me", tags=["auth"], summary="Who am I", responses=problems(), sync_to_thread=False)
def me(current_user: NamedDependency[Principal]) -> auth.Me:
    """The signed-in user: id, role and the record it speaks for."""
    return auth.Me.of(current_user)


async def send_mail_forever(services: Services, interval: float) -> None:
    """The background sender: every ``interval`` seconds, send the outbox's due messages."""
    while True:
        try:
            await anyio.to_thread.run_sync(services.mail.send_queued, abandon_on_cancel=True)
        except Exception:  # a failed run is logged; the messages stay queued for the next one
            logger.exception("Sending the outbox failed")
        await anyio.sleep(interval)


class StrictBodySchemaPlugin(PydanticSchemaPlugin):
    """Pydantic models in the OpenAPI document, where a model that refuses fields it does not know
    (``extra="forbid"``: event and record inputs, the API's request bodies) says so with
    ``additionalProperties: false``, so clients and generated requests know an extra field is a 422."""

    @classmethod
    def for_pydantic_model(cls, field_definition: FieldDefinition, schema_creator: SchemaCreator) -> Schema:
        """The model's schema, closed to other properties when the model forbids them."""
        schema = super().for_pydantic_model(field_definition, schema_creator)
        config = getattr(field_definition.annotation, "model_config", {})
        if config.get("extra") == "forbid":
            schema.additional_properties = False
        for prop in (schema.properties or {}).values():
            if isinstance(prop, Schema):
                _bound_the_list(prop)
        return schema


def _bound_the_list(schema: Schema) -> None:
    """Say the length bounds of an optional list (``list[X] | None`` with ``max_length``) of the list,
    as ``minItems``/``maxItems`` on its array branch: the generator puts them beside the branches as
    ``minLength``/``maxLength``, which bound only text, so a client would not know them."""
    types = [b.type if isinstance(b, Schema) else None for b in schema.one_of or []]
    if types.count(OpenAPIType.ARRAY) != 1 or OpenAPIType.STRING in types:
        return  # not an optional list, or text may be given too, which the bounds then bound
    listed = cast("Schema", (schema.one_of or [])[types.index(OpenAPIType.ARRAY)])
    if schema.min_length is not None:
        listed.min_items, schema.min_length = schema.min_length, None
    if schema.max_length is not None:
        listed.max_items, schema.max_length = schema.max_length, None


def openapi_config() -> OpenAPIConfig:
    """The OpenAPI document's metadata, security schemes and where it is served."""
    return OpenAPIConfig(
        title="matchmaker API",
        version=__version__,
        description=DESCRIPTION,
        path="/schema",
        render_plugins=[ScalarRenderPlugin()],
        use_handler_docstrings=True,
        components=Components(
            security_schemes={
                auth.BEARER_SCHEME: SecurityScheme(
                    type="http",
                    scheme="bearer",
                    description="A token from `matchmaker users add`.",
                ),
                auth.COOKIE_SCHEME: SecurityScheme(
                    type="apiKey",
                    name=auth.SESSION_COOKIE,
                    security_scheme_in="cookie",
                    description="The console's session cookie, set by POST /auth/session.",
                ),
            }
        ),
        tags=[
            Tag(name="cities", description="Cities, municipalities and institutions."),
            Tag(name="providers", description="Solution and service providers."),
            Tag(name="cases", description="Case studies."),
            Tag(name="matching", description="Suggestions with reasons, and case search."),
            Tag(name="corpus", description="Corpus upload."),
            Tag(name="indexes", description="Embedding indexes."),
            Tag(name="jobs", description="Background jobs: state, progress and result."),
            Tag(name="users", description="Users and their e-mail invitations (staff)."),
            Tag(
                name="outbox",
                description="E-mail messages: queued, sent and failed; send, send again (staff).",
            ),
            Tag(name="auth", description="Sign-in and the current user."),
            Tag(name="health", description="Liveness and readiness."),
        ],
    )


def create_app(
    settings: Settings | None = None,
    *,
    services: Services | None = None,
    api_handlers: Sequence[ControllerRouterHandler] = (),
    app_handlers: Sequence[ControllerRouterHandler] = (),
    debug: bool = False,
    load_in_background: bool = False,
) -> Litestar:
    """The web application for ``settings`` (read from the environment when omitted).

    ``services`` shares a container built elsewhere (tests); otherwise one is built here and closed when
    the app shuts down. With ``load_in_background`` (what ``matchmaker serve`` uses) the lifespan starts
    loading the model and indexes in a thread and returns at once, so the server binds its socket and
    ``/health`` answers while ``/ready`` says "loading"; otherwise start-up waits for them.
    """
    if services is None:
        settings = settings or Settings()
        settings.ensure_dirs()
        settings.check_files()
        services = Services.build(settings).build_all()
        owned = True
    else:
        settings = services.settings
        settings.check_files()
        services.build_all()
        owned = False
    container = services

    @asynccontextmanager
    async def lifespan(_: Litestar) -> AsyncIterator[None]:
        # Load the model and indexes once, off the event loop.
        if load_in_background:
            container.matching.start_in_background()
        else:
            await anyio.to_thread.run_sync(container.matching.start)
        await anyio.to_thread.run_sync(container.jobs.start)
        try:
            async with anyio.create_task_group() as tasks:
                if container.mail.configured and settings.mail_send_interval > 0:
                    tasks.start_soon(send_mail_forever, container, settings.mail_send_interval)
                yield
                tasks.cancel_scope.cancel()
        finally:
            await anyio.to_thread.run_sync(container.jobs.stop)
            if owned:
                container.close()

    api = Router(
        path=API_PREFIX,
        route_handlers=[
            *RECORD_CONTROLLERS,
            MatchController,
            IndexController,
            EventController,
            EventReportController,
            UserController,
            EventInvitationController,
            OutboxController,
            make_upload_handler(settings),
            get_job,
            me,
            *api_handlers,
        ],
        guards=[auth.authenticated, single_query_values, whole_number_queries, declared_queries_only],
        # Names of parameter types whose bound is a setting of this server (``top`` of the match routes).
        signature_namespace=query_bounds(settings),
        security=[{auth.BEARER_SCHEME: []}, {auth.COOKIE_SCHEME: []}],
        request_max_body_size=MAX_JSON_BODY,
    )
    app = Litestar(
        route_handlers=[
            health,
            ready,
            auth.SessionController,
            api,
            calendar_feed,
            *console_routes(),
            *app_handlers,
        ],
        lifespan=[lifespan],
        middleware=[
            RequestGuardMiddleware,
            auth.AuthMiddleware,
            RedactionMiddleware,
        ],
        # A 405 is raised while the route is chosen, so only the app's handlers see it; at a console
        # address it answers a person (see on_method_not_allowed), elsewhere it is problem details.
        # The same for an address no route serves (404): a browser gets a console page.
        exception_handlers={
            **EXCEPTION_HANDLERS,
            MethodNotAllowedException: on_method_not_allowed,
            NotFoundException: on_not_found,
            # The database stopped answering: a browser at a console address reads a page saying so.
            OperationalError: on_database_unavailable,
        },
        dependencies={**auth.DEPENDENCIES, **DEPENDENCIES},
        state=State(
            {
                "services": services,
                RATE_LIMITER: RateLimiter.for_database(settings.rate_limit_per_minute, services.database),
                SIGNIN_LIMITER: RateLimiter.for_failures(
                    settings.signin_failures_per_minute, services.database
                ),
                SIGNED_IN: SignedIn(),
                UNAVAILABLE_PAGE: unavailable_html,
            }
        ),
        openapi_config=openapi_config(),
        plugins=[StrictBodySchemaPlugin()],
        request_max_body_size=MAX_JSON_BODY,
        # A multipart form has at most FORM_PART_LIMIT parts, and a url-encoded form (which the framework
        # does not bound) as many fields.
        multipart_form_part_limit=FORM_PART_LIMIT,
        request_class=FormRequest,
        debug=debug,
        logging_config=None,
    )
    # The request id, the security headers and the access line wrap the whole app, not each route:
    # a path no route serves (404) or a method it does not take (405) gets them too. Compression sits
    # outside the routes' middlewares (the redaction reads the answer before it is compressed) and
    # outside HEAD's handling (a HEAD answer is not compressed), and the access line counts the bytes
    # it sends.
    app.asgi_handler = RequestContextMiddleware(GzipMiddleware(HeadAsGet(app.asgi_handler)))
    document_headers(app)
    return app


def openapi_document(settings: Settings | None = None) -> dict[str, Any]:
    """The OpenAPI document as a JSON-ready dict (what ``api/openapi.json`` holds)."""
    app = create_app(settings or Settings())
    return app.openapi_schema.to_schema()


__all__ = [
    "API_PREFIX",
    "MAX_JSON_BODY",
    "create_app",
    "openapi_config",
    "openapi_document",
]
