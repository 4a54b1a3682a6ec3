"""The patrols API."""

from fastapi import FastAPI

from patrols.config import Settings
from patrols.incidents import routes as incident_routes
from patrols.rounds import routes as round_routes
from shared.app import create_service_app

DESCRIPTION = """The shared situational picture and the work it guides: incidents reported by
the police and the municipality or taken in from tips and safety walks, the hot spots chosen
from them, and the patrol rounds (trygghetsrundor) that visit those hot spots.

Every route needs a token, bounded by its `municipalities` claim: `patrols:read` reads,
`patrols:write` reports incidents and designates hot spots, `patrols:plan` plans and works
rounds.
"""

TAGS = [
    {
        "name": "incidents",
        "description": "What happened where and when: reported one by one or in batches (JSON "
        "or CSV) by the police and the municipality, or taken in from tips and walks.",
    },
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
        routers=[incident_routes.router, round_routes.router],
        title="Trygg patrols",
        description=DESCRIPTION,
        openapi_tags=TAGS,
    )
