"""The patrols API."""

from fastapi import FastAPI

from patrols.config import Settings
from patrols.rounds import routes as round_routes
from shared.app import create_service_app

TAGS = [
    {
        "name": "rounds",
        "description": "Patrol rounds (trygghetsrundor) over designated hot spots: plans, "
        "check-ins and check-outs (`patrols:plan`, police-only), and the dosage per hot spot.",
    },
]


def create_app(settings: Settings | None = None) -> FastAPI:
    return create_service_app(
        service="patrols",
        settings=settings or Settings(),
        routers=[round_routes.router],
        title="Trygg patrols",
        description=(
            "Reported incidents, the shared situational picture, hot spots and patrol rounds."
        ),
        openapi_tags=TAGS,
    )
