"""The walks API."""

from fastapi import FastAPI
from shared.app import create_service_app

from walks.config import Settings


def create_app(settings: Settings | None = None) -> FastAPI:
    return create_service_app(
        service="walks",
        settings=settings or Settings(),
        routers=[],
        title="Trygg walks",
        description=(
            "Safety walks (trygghetsvandringar), their observations and protocols, and the "
            "action plans they produce."
        ),
    )
