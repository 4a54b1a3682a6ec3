"""The application factory every service API is built with."""

from collections.abc import AsyncIterator, Mapping, Sequence
from contextlib import asynccontextmanager

from fastapi import APIRouter, FastAPI
from fastapi.routing import APIRoute
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

from shared import health
from shared.auth import TokenVerifier
from shared.columns import utcnow
from shared.db import create_engine, create_sessionmaker
from shared.docs import install_docs
from shared.http import BodySizeLimit, RequestContext, SecurityHeaders, page_policy
from shared.logs import configure_logging
from shared.problems import install_problem_handlers
from shared.settings import ServiceSettings
from shared.tracing import instrument_app


def create_service_app(
    *,
    service: str,
    settings: ServiceSettings,
    routers: Sequence[APIRouter],
    title: str,
    description: str,
    version: str = "0.1.0",
    openapi_tags: list[dict[str, str]] | None = None,
    public_url: str | None = None,
    page_styles: Sequence[str] = (),
    body_limits: Mapping[str, int] | None = None,
    path_body_limits: Mapping[str, int] | None = None,
) -> FastAPI:
    """A FastAPI app with the database, auth, problem handlers, health routes and metrics.

    `page_styles` are the texts of the inline <style> elements of the service's HTML pages,
    the only thing their Content-Security-Policy lets them use. `body_limits` are tighter
    request body limits by path prefix (the routes anyone may call); `path_body_limits` are the
    limits of paths matching a regular expression, over any other. `public_url` is where the
    deployment is reached, named in the OpenAPI document's `servers`.
    """
    settings.refuse_development_defaults()
    configure_logging(service, settings.log_level)
    engine = create_engine(settings.db)

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        yield
        await engine.dispose()

    app = FastAPI(
        title=title,
        description=description,
        version=version,
        lifespan=lifespan,
        openapi_tags=[*(openapi_tags or []), health.TAG],
        servers=_servers(public_url),
        generate_unique_id_function=operation_id,
        docs_url=None,
        redoc_url=None,
    )
    app.state.service = service
    app.state.settings = settings
    app.state.engine = engine
    app.state.sessionmaker = create_sessionmaker(engine)
    app.state.token_verifier = TokenVerifier(settings.auth)
    # The time rate limits count in, in one place so that it can be held still.
    app.state.clock = utcnow
    install_problem_handlers(app, settings.problem_type_base)
    app.include_router(health.router)
    for router in routers:
        app.include_router(router)
    app.add_middleware(BodySizeLimit, tighter=body_limits, exact=path_body_limits)
    app.add_middleware(RequestContext, service=service)
    app.add_middleware(
        SecurityHeaders, page_policy=page_policy(page_styles), docs_paths=install_docs(app)
    )
    _trust_proxies(app, settings.trusted_proxies)
    instrument_app(app, service, settings.tracing)
    return app


def operation_id(route: APIRoute) -> str:
    """The operationId of a route: its function's name (`get_walk`), unique in each service."""
    return route.name


def _servers(public_url: str | None) -> list[dict[str, str]]:
    # The server the document was loaded from first: "Try it out" on /docs calls the service
    # that serves the page, wherever it runs.
    servers = [{"url": "/", "description": "This server"}]
    if public_url:
        servers.append({"url": public_url.rstrip("/"), "description": "The public address"})
    return servers


def _trust_proxies(app: FastAPI, proxies: list[str]) -> None:
    # The servers run with --no-proxy-headers; here, and only for the configured proxies,
    # X-Forwarded-For becomes the client address the rate limits count.
    if proxies:
        app.add_middleware(ProxyHeadersMiddleware, trusted_hosts=proxies)
