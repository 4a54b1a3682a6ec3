"""Routes of tips' photos: for staff only. Residents send photos with the form; nothing shows
them publicly."""

import uuid
from typing import Any

from fastapi import APIRouter, Response

from shared.auth import AUTH_PROBLEMS
from shared.db import SessionDep
from shared.problems import InvalidInput, problem_responses
from tips.access import Reader
from tips.errors import PhotoNotFound, RestrictedTip, TipNotFound
from tips.photos import service as photos
from tips.photos.schemas import PhotoRead

router = APIRouter(tags=["photos"])

READ = {**AUTH_PROBLEMS, **problem_responses(InvalidInput, TipNotFound, RestrictedTip)}
IMAGE: dict[int | str, dict[str, Any]] = {
    200: {
        "content": {"image/jpeg": {}, "image/png": {}},
        "description": "The photo as stored: its pixels, without metadata.",
    }
}


@router.get(
    "/tips/{tip_id}/photos",
    response_model=list[PhotoRead],
    summary="List a tip's photos",
    responses=READ,
)
async def list_photos(tip_id: uuid.UUID, session: SessionDep, principal: Reader) -> list[PhotoRead]:
    """The photos the tipster sent: their ids, types and sizes."""
    return await photos.list_photos(session, principal, tip_id)


@router.get(
    "/tips/{tip_id}/photos/{photo_id}",
    response_class=Response,
    summary="Get one of a tip's photos",
    responses={**IMAGE, **READ, **problem_responses(PhotoNotFound)},
)
async def get_photo(
    tip_id: uuid.UUID, photo_id: uuid.UUID, session: SessionDep, principal: Reader
) -> Response:
    """The photo's image, JPEG or PNG; nothing of the file the tipster sent but its pixels."""
    photo = await photos.get_photo(session, principal, tip_id, photo_id)
    # Not to be kept by a browser or proxy: it may show people and places of a tip.
    return Response(
        photo.content, media_type=photo.content_type, headers={"Cache-Control": "no-store"}
    )
