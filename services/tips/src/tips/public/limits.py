"""The request body limit of the form, which carries photos: larger than other public routes'.

The form's path (`/public/{municipality}/tips/new`) starts with the JSON intake's
(`/public/{municipality}/tips`), which keeps the tight limit of every public route; so the form's
limit is given to its exact path (`shared.http.BodySizeLimit`'s `exact`).
"""

from tips.config import LimitSettings

FORM_PATH = r"/public/[0-9]{4}/tips/new"
# The form's text fields, and the multipart headers around each part.
FORM_MARGIN_BYTES = 64 * 1024


def form_bytes(limits: LimitSettings) -> int:
    return limits.photos_per_tip * limits.photo_bytes + FORM_MARGIN_BYTES
