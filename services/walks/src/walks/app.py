"""The walks API."""

from fastapi import FastAPI

from shared.app import create_service_app
from walks.config import Settings
from walks.measures import routes as measure_routes
from walks.observations import routes as observation_routes
from walks.participants import routes as participant_routes
from walks.plans import routes as plan_routes
from walks.protocols import routes as protocol_routes
from walks.public import pages
from walks.public import routes as public_routes
from walks.walks import routes as walk_routes

DESCRIPTION = """Safety walks (trygghetsvandringar), their observations and protocols, and the
action plans they produce.

A walk from plan to published action plan, with a development token (`make token`, with the
scopes `walks:read walks:write walks:publish`):

1. `POST /walks` schedules the walk; residents are invited through `walk.scheduled`.
2. `POST /walks/{walk_id}/participants` and `POST /walks/{walk_id}/observations/batch` record
   who took part and what they found.
3. `POST /walks/{walk_id}/conduct` closes the walk (`walk.conducted`).
4. `GET /walks/{walk_id}/protocol` previews the protocol; `POST /walks/{walk_id}/protocol/publish`
   publishes it without personal data (`protocol.published`).
5. `POST /walks/{walk_id}/action-plans` drafts the plan with its measures;
   `POST /action-plans/{plan_id}/publish` tells those affected (`action_plan.published`).
6. `POST /action-plans/{plan_id}/measures/{measure_id}/status` reports progress
   (`measure.status_changed`); `GET /measures?overdue=true` lists what is late.

Every create accepts an `Idempotency-Key`. Residents read `/public/...` without a token.
"""

TAGS = [
    {"name": "walks", "description": "Safety walks (trygghetsvandringar), from plan to protocol."},
    {"name": "observations", "description": "What walks found, place by place, as GeoJSON."},
    {"name": "taxonomy", "description": "Each municipality's categories of observations."},
    {"name": "action plans", "description": "Measures, who answers for them, and by when."},
    {"name": "public", "description": "What residents may read, without a token."},
]


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings()
    return create_service_app(
        service="walks",
        settings=settings,
        routers=[
            walk_routes.router,
            participant_routes.router,
            protocol_routes.router,
            observation_routes.router,
            plan_routes.router,
            measure_routes.router,
            public_routes.router,
        ],
        title="Trygg walks",
        description=DESCRIPTION,
        openapi_tags=TAGS,
        public_url=settings.public_base_url,
        page_styles=[pages.STYLE],
    )
