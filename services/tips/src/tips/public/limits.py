"""The request body limit of the form, which carries photos: larger than other public routes'.

`shared.http.BodySizeLimit` lets a path prefix only tighten its limit, and the form's path
(`/public/{municipality}/tips/new`) starts with the JSON intake's (`/public/{municipality}/tips`),
which keeps the tight limit of every public route. So the app's limit gives the form's path,
and only it, room for its photos.
"""

import re
from collections.abc import Mapping
from typing import Any, cast

from fastapi import FastAPI
from starlette.middleware import Middleware
from starlette.types import ASGIApp

from shared.http import MAX_BODY_BYTES, BodySizeLimit
from tips.config import LimitSettings

FORM_PATH = re.compile(r"/public/[0-9]{4}/tips/new")
# The form's text fields, and the multipart headers around each part.
FORM_MARGIN_BYTES = 64 * 1024


class FormBodySizeLimit(BodySizeLimit):
    """`BodySizeLimit`, with the form's path allowed `form_bytes`."""

    def __init__(
        self,
        app: ASGIApp,
        form_bytes: int,
        max_bytes: int = MAX_BODY_BYTES,
        tighter: Mapping[str, int] | None = None,
    ) -> None:
        super().__init__(app, max_bytes, tighter)
        self.form_bytes = form_bytes

    def limit(self, path: str) -> int:
        return self.form_bytes if FORM_PATH.fullmatch(path) else super().limit(path)


def form_bytes(limits: LimitSettings) -> int:
    return limits.photos_per_tip * limits.photo_bytes + FORM_MARGIN_BYTES


def allow_photos(app: FastAPI, limits: LimitSettings) -> None:
    """Gives the form's path the body limit its photos need; every other path keeps its own."""
    app.user_middleware = [_with_form(m, form_bytes(limits)) for m in app.user_middleware]


def _with_form(entry: Middleware, form_bytes: int) -> Middleware:
    if cast(object, entry.cls) is not BodySizeLimit:
        return entry
    options: dict[str, Any] = dict(entry.kwargs)
    return Middleware(FormBodySizeLimit, form_bytes=form_bytes, **options)
