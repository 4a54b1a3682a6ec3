"""The patrols API."""

from fastapi import FastAPI

from patrols.config import Settings
from patrols.evaluation import routes as evaluation_routes
from patrols.hotspots import routes as hot_spot_routes
from patrols.incidents import routes as incident_routes
from patrols.promises import pages as promise_pages
from patrols.promises import routes as promise_routes
from patrols.rounds import routes as round_routes
from patrols.situation import routes as situation_routes
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
        "name": "hot spots",
        "description": "Grid cells of 100-250 m (SWEREF 99 TM) ranked by incidents and by "
        "Getis-Ord Gi* with permutation p-values, the ranking's accuracy (hit rate, PAI), and "
        "the hot spots staff designate from it and retire.",
    },
    {
        "name": "rounds",
        "description": "Patrol rounds (trygghetsrundor) over designated hot spots: plans, "
        "check-ins and check-outs (`patrols:plan`, police-only), and the dosage per hot spot.",
    },
    {
        "name": "evaluation",
        "description": "Hot spots against comparable untreated cells: incidents before and "
        "after, and the difference in differences.",
    },
    {
        "name": "promises",
        "description": "Citizens' promises (medborgarlöften) of the municipality and the police "
        "area: commitments whose progress is counted from walks', tips' and patrols' events, "
        "follow-ups, and public pages and yearly reports without a token.",
    },
    {
        "name": "situation",
        "description": "The weekly lägesbild of EST: computed live, frozen as numbered "
        "versions when the group approves it, exports, quarterly and yearly analyses, and a "
        "public summary with small counts left out.",
    },
]


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings()
    return create_service_app(
        service="patrols",
        settings=settings,
        routers=[
            incident_routes.router,
            hot_spot_routes.router,
            round_routes.router,
            evaluation_routes.router,
            promise_routes.router,
            promise_routes.public,
            situation_routes.router,
        ],
        title="Trygg patrols",
        description=DESCRIPTION,
        openapi_tags=TAGS,
        public_url=settings.public_base_url,
        page_styles=[promise_pages.STYLE],
    )
