"""The tips API."""

from fastapi import FastAPI

from shared.app import create_service_app
from tips.config import Settings


def create_app(settings: Settings | None = None) -> FastAPI:
    return create_service_app(
        service="tips",
        settings=settings or Settings(),
        routers=[],
        title="Trygg tips",
        description=(
            "Residents' tips, their categories and triage, dialogue notes and Open311 "
            "GeoReport v2 intake."
        ),
    )
