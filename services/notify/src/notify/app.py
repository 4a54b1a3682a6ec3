"""The notify API."""

from fastapi import FastAPI
from shared.app import create_service_app

from notify.config import Settings


def create_app(settings: Settings | None = None) -> FastAPI:
    return create_service_app(
        service="notify",
        settings=settings or Settings(),
        routers=[],
        title="Trygg notify",
        description=(
            "Residents' subscriptions, stakeholders, webhooks, and the notifications that "
            "tell them what is being done."
        ),
    )
