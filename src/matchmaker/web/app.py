"""The Litestar application factory.

``create_app(settings)`` builds the app for one instance:

* ``/health`` (liveness) and ``/ready`` (the model and the indexes are loaded), open to anyone;
* ``/auth/session`` exchanges a bearer token for the console's session cookie;
* ``/api/v1/...``: every route requires a signed-in user (``authenticated`` guard on the router);
* ``/schema/openapi.json``: the OpenAPI document (exported to ``api/openapi.json``).

The lifespan loads the embedding model and the matcher once (in a worker thread) into
``app.state.runtime``; the other shared objects on ``app.state`` are ``settings``, ``rate_limiter``
and ``confidential_terms``.

Other features plug in without editing this file: a module named in :data:`FEATURE_MODULES` that
exists may define ``api_route_handlers(settings)`` (mounted under ``/api/v1`` behind authentication)
and/or ``app_route_handlers(settings)`` (mounted at the root, e.g. the console's pages), each returning a
sequence of Litestar route handlers, controllers or routers. ``create_app`` also takes them as
arguments.
"""

from __future__ import annotations

import importlib
import logging
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from typing import Any

import anyio.to_thread
from litestar import Litestar, Router, get
from litestar.datastructures import State
from litestar.di import NamedDependency
from litestar.openapi import OpenAPIConfig
from litestar.openapi.plugins import ScalarRenderPlugin
from litestar.openapi.spec import Components, SecurityScheme, Tag
from litestar.types import ControllerRouterHandler

from matchmaker import __version__
from matchmaker.db.engine import create_db_engine
from matchmaker.services.users import Principal
from matchmaker.settings import Settings
from matchmaker.web import auth
from matchmaker.web.errors import EXCEPTION_HANDLERS, problems
from matchmaker.web.logs import RequestContextMiddleware
from matchmaker.web.ratelimit import RateLimiter
from matchmaker.web.redaction import ConfidentialTerms, RedactionMiddleware
from matchmaker.web.routes import common
from matchmaker.web.routes.corpus import make_upload_handler
from matchmaker.web.routes.health import health, ready
from matchmaker.web.routes.indexes import IndexController
from matchmaker.web.routes.matching import MatchController
from matchmaker.web.routes.records import CaseController, CityController, ProviderController
from matchmaker.web.state import Runtime

logger = logging.getLogger(__name__)

API_PREFIX = "/api/v1"
#: Largest JSON body of an ordinary API request (uploads have their own limit, ``max_upload_bytes``).
MAX_JSON_BODY = 1_000_000
#: Optional feature modules that contribute routes (see the module docstring).
FEATURE_MODULES = ("matchmaker.web.routes.events", "matchmaker.web.console")

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


def _feature_handlers(
    settings: Settings,
) -> tuple[list[ControllerRouterHandler], list[ControllerRouterHandler]]:
    api: list[ControllerRouterHandler] = []
    root: list[ControllerRouterHandler] = []
    for name in FEATURE_MODULES:
        try:
            module = importlib.import_module(name)
        except ImportError as exc:
            if exc.name != name:
                raise
            continue
        if hasattr(module, "api_route_handlers"):
            api.extend(module.api_route_handlers(settings))
        if hasattr(module, "app_route_handlers"):
            root.extend(module.app_route_handlers(settings))
    return api, root


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
            Tag(name="auth", description="Sign-in and the current user."),
            Tag(name="health", description="Liveness and readiness."),
        ],
    )


def create_app(
    settings: Settings | None = None,
    *,
    api_handlers: Sequence[ControllerRouterHandler] = (),
    app_handlers: Sequence[ControllerRouterHandler] = (),
    debug: bool = False,
) -> Litestar:
    """The web application for ``settings`` (read from the environment when omitted)."""
    settings = settings or Settings()
    runtime = Runtime(settings)

    @asynccontextmanager
    async def lifespan(_: Litestar) -> AsyncIterator[None]:
        # Migrate the database and load the model and indexes once, off the event loop.
        await anyio.to_thread.run_sync(settings.ensure_dirs)
        await anyio.to_thread.run_sync(create_db_engine, settings)
        await anyio.to_thread.run_sync(runtime.start)
        yield

    feature_api, feature_root = _feature_handlers(settings)
    api = Router(
        path=API_PREFIX,
        route_handlers=[
            CityController,
            ProviderController,
            CaseController,
            MatchController,
            IndexController,
            make_upload_handler(settings),
            me,
            *feature_api,
            *api_handlers,
        ],
        guards=[auth.authenticated],
        security=[{auth.BEARER_SCHEME: []}, {auth.COOKIE_SCHEME: []}],
        request_max_body_size=MAX_JSON_BODY,
    )
    return Litestar(
        route_handlers=[health, ready, auth.SessionController, api, *feature_root, *app_handlers],
        lifespan=[lifespan],
        middleware=[RequestContextMiddleware, auth.AuthMiddleware, RedactionMiddleware],
        exception_handlers=EXCEPTION_HANDLERS,
        dependencies={**auth.DEPENDENCIES, **common.DEPENDENCIES},
        state=_state(settings, runtime),
        openapi_config=openapi_config(),
        request_max_body_size=MAX_JSON_BODY,
        debug=debug,
        logging_config=None,
    )


def _state(settings: Settings, runtime: Runtime) -> State:
    """What handlers share: settings, the loaded runtime, the rate limiter, the confidential values."""
    return State(
        {
            "settings": settings,
            "runtime": runtime,
            "rate_limiter": RateLimiter(settings.rate_limit_per_minute),
            "confidential_terms": ConfidentialTerms(settings),
        }
    )


def openapi_document(settings: Settings | None = None) -> dict[str, Any]:
    """The OpenAPI document as a JSON-ready dict (what ``api/openapi.json`` holds)."""
    app = create_app(settings or Settings())
    return app.openapi_schema.to_schema()


__all__ = [
    "API_PREFIX",
    "FEATURE_MODULES",
    "MAX_JSON_BODY",
    "create_app",
    "openapi_config",
    "openapi_document",
]
