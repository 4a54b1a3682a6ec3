"""The patrols API."""

from fastapi import FastAPI

from patrols.config import Settings
from patrols.evaluation import routes as evaluation_routes
from patrols.hotspots import routes as hot_spot_routes
from shared.app import create_service_app

TAGS = [
    {
        "name": "hot spots",
        "description": "Grid cells of 100-250 m (SWEREF 99 TM) ranked by incidents and by "
        "Getis-Ord Gi* with permutation p-values, the ranking's accuracy (hit rate, PAI), and "
        "the hot spots staff designate from it and retire.",
    },
    {
        "name": "evaluation",
        "description": "Hot spots against comparable untreated cells: incidents before and "
        "after, and the difference in differences.",
    },
]


def create_app(settings: Settings | None = None) -> FastAPI:
    return create_service_app(
        service="patrols",
        settings=settings or Settings(),
        routers=[hot_spot_routes.router, evaluation_routes.router],
        title="Trygg patrols",
        description=(
            "Reported incidents, the shared situational picture, hot spots and patrol rounds."
        ),
        openapi_tags=TAGS,
    )
