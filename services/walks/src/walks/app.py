"""The walks API."""

from fastapi import FastAPI
from shared.app import create_service_app

from walks import observation_routes, plan_routes, public_routes, walk_routes
from walks.config import Settings

TAGS = [
    {"name": "walks", "description": "Safety walks (trygghetsvandringar), from plan to protocol."},
    {"name": "observations", "description": "What walks found, place by place, as GeoJSON."},
    {"name": "taxonomy", "description": "Each municipality's categories of observations."},
    {"name": "action plans", "description": "Measures, who answers for them, and by when."},
    {"name": "public", "description": "What residents may read, without a token."},
]


def create_app(settings: Settings | None = None) -> FastAPI:
    return create_service_app(
        service="walks",
        settings=settings or Settings(),
        routers=[
            walk_routes.router,
            observation_routes.router,
            plan_routes.router,
            public_routes.router,
        ],
        title="Trygg walks",
        description=(
            "Safety walks (trygghetsvandringar), their observations and protocols, and the "
            "action plans they produce."
        ),
        openapi_tags=TAGS,
    )
