"""The patrols API."""

from fastapi import FastAPI

from patrols.config import Settings
from shared.app import create_service_app


def create_app(settings: Settings | None = None) -> FastAPI:
    return create_service_app(
        service="patrols",
        settings=settings or Settings(),
        routers=[],
        title="Trygg patrols",
        description=(
            "Reported incidents, the shared situational picture, hot spots and patrol rounds."
        ),
    )
