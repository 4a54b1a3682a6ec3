"""The notify API."""

from fastapi import FastAPI

from notify import pages
from notify.config import Settings
from notify.deliveries import routes as deliveries
from notify.directory import routes as directory
from notify.feeds import routes as feeds
from notify.ratelimit import PUBLIC_PREFIXES
from notify.signup import routes as signup
from notify.subscriptions import routes as subscriptions
from notify.webhooks import routes as webhooks
from shared.app import create_service_app

TAGS = [
    {"name": "residents", "description": "Subscribe, confirm, unsubscribe, erase: no token."},
    {"name": "stakeholders", "description": "Organisations, their areas and their contacts."},
    {"name": "webhooks", "description": "Integrators' signed webhooks, per event type."},
    {"name": "deliveries", "description": "The delivery log, resends and transactional sends."},
    {"name": "public feeds", "description": "CAP alerts, contacts' opt-out, SMS reports."},
]


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings()
    app = create_service_app(
        service="notify",
        settings=settings,
        routers=[
            subscriptions.router,
            signup.router,
            directory.router,
            webhooks.router,
            deliveries.router,
            feeds.router,
        ],
        title="Trygg notify",
        description=(
            "Residents' subscriptions, stakeholders, webhooks, and the notifications that "
            "tell them what is being done."
        ),
        openapi_tags=TAGS,
        public_url=settings.public.base_url,
        page_styles=[pages.STYLE],
        body_limits=dict.fromkeys(PUBLIC_PREFIXES, settings.public.max_body_bytes),
    )
    return app
