"""The tips API."""

from fastapi import FastAPI

from shared.app import create_service_app
from tips.categories import routes as category_routes
from tips.config import Settings
from tips.dialogues import routes as dialogue_routes
from tips.open311 import routes as open311_routes
from tips.photos import routes as photo_routes
from tips.public import limits as form_limits
from tips.public import markup as form_markup
from tips.public import routes as form_routes
from tips.ratelimit import PUBLIC_PREFIXES
from tips.reporters import routes as reporter_routes
from tips.tips import routes as tip_routes
from tips.triage import routes as triage_routes

DESCRIPTION = """Tips from residents, designated reporters and citizen dialogues: taken in
anonymously by default, triaged by staff, published to the shared situational picture without
anything that could identify anyone.

Residents use `/public/...` without a token (rate-limited and size-limited); Open311 GeoReport v2
clients use `/open311/v2/...`. Staff and reporters use a token with the scopes `tips:read`,
`tips:write`, `tips:police` (restricted tips), `tips:admin` or `tips:report`.
"""

TAGS = [
    {"name": "intake", "description": "Sending tips: residents and designated reporters."},
    {"name": "categories", "description": "Each municipality's categories and their questions."},
    {"name": "reporters", "description": "Designated reporters of partner organisations."},
    {"name": "dialogues", "description": "Citizen dialogues and what residents raised there."},
    {
        "name": "open311",
        "description": "Open311 GeoReport v2 (http://wiki.open311.org/GeoReport_v2), in XML and "
        "JSON: categories as services, tips as requests. Only POST needs an api_key.",
    },
    {
        "name": "triage",
        "description": "Staff's work on tips: reading, triage, forwarding, closing, internal "
        "notes, suggested duplicates, moderation of personal data and the audit log.",
    },
    {
        "name": "form",
        "description": "The tip form residents fill in: HTML pages in Swedish or English that "
        "work without JavaScript.",
    },
    {"name": "photos", "description": "Photos sent with tips, without metadata: for staff only."},
]
# Public bodies: a tip is a few kilobytes; the form, which carries photos, has the room they
# need (see `tips.public.limits`).
PUBLIC_BODY_BYTES = 64 * 1024


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings()
    return create_service_app(
        service="tips",
        settings=settings,
        routers=[
            tip_routes.router,
            category_routes.router,
            reporter_routes.router,
            dialogue_routes.router,
            open311_routes.router,
            triage_routes.router,
            form_routes.router,
            photo_routes.router,
        ],
        title="Trygg tips",
        description=DESCRIPTION,
        openapi_tags=TAGS,
        public_url=settings.public_base_url,
        page_styles=[form_markup.STYLE],
        body_limits=dict.fromkeys(PUBLIC_PREFIXES, PUBLIC_BODY_BYTES),
        path_body_limits={form_limits.FORM_PATH: form_limits.form_bytes(settings.limits)},
    )
