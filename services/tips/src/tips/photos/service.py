"""Use cases of tips' photos: take them in as pixels only, and show them to the staff who may
see the tip.

A photo from a phone tells where it was taken (GPS), when, and with which camera, and its ICC,
XMP and comment blocks can tell more. None of that is kept: each photo is decoded, turned
upright, scaled down and encoded afresh from its pixels alone.
"""

import io
import struct
import uuid
import warnings
from dataclasses import dataclass

from PIL import Image, ImageCms, ImageOps
from sqlalchemy import func
from sqlalchemy.orm import defer
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession
from starlette.concurrency import run_in_threadpool

from shared.auth import Principal
from shared.problems import PayloadTooLarge
from tips.audit import visible_tip
from tips.config import LimitSettings
from tips.domain import utcnow
from tips.errors import InvalidField, PhotoNotFound
from tips.photos.models import TipPhoto
from tips.photos.schemas import PhotoRead
from tips.tips.models import Tip

# A file's bytes, and the content type its sender declared (which decides nothing).
Upload = tuple[bytes, str]

# The formats Pillow may read a file as: the real format comes from the bytes alone.
FORMATS = ("JPEG", "PNG", "WEBP")
# A phone's 48-megapixel photo fits; a small file that would unpack into gigabytes does not.
MAX_PIXELS = 50_000_000
JPEG_QUALITY = 85
SRGB = ImageCms.createProfile("sRGB")


@dataclass(frozen=True)
class CleanPhoto:
    """A photo encoded afresh from its pixels: nothing else of the file it came in."""

    content: bytes
    content_type: str
    width: int
    height: int


async def add_photos(
    session: AsyncSession, tip: Tip, uploads: list[Upload], limits: LimitSettings
) -> list[TipPhoto]:
    """Stores the photos with the tip, or none of them: more than the tip may have (422), one
    too large (413), one that is no readable JPEG, PNG or WebP image or has too many pixels
    (422, its pointer naming it)."""
    clean = await clean_photos(uploads, limits, already=await count_photos(session, tip.id))
    return await store_photos(session, tip, clean)


async def clean_photos(
    uploads: list[Upload], limits: LimitSettings, already: int = 0
) -> list[CleanPhoto]:
    """The photos as they would be stored, refused as `add_photos` refuses them; stores none."""
    if already + len(uploads) > limits.photos_per_tip:
        raise InvalidField("/photos", f"a tip has at most {limits.photos_per_tip} photos")
    for index, (content, _) in enumerate(uploads):
        if len(content) > limits.photo_bytes:
            detail = f"a photo may be at most {limits.photo_bytes} bytes"
            raise PayloadTooLarge(
                f"Photo {index}: {detail}.",
                errors=[{"detail": detail, "pointer": f"/photos/{index}"}],
            )
    # Decoding is CPU work: in a worker thread, so other requests are not held up meanwhile.
    return [
        await run_in_threadpool(
            clean_photo, content, declared, f"/photos/{index}", limits.photo_max_side_px
        )
        for index, (content, declared) in enumerate(uploads)
    ]


def clean_photo(content: bytes, declared: str, pointer: str, max_side: int) -> CleanPhoto:
    """The photo's upright pixels, at most `max_side` on the longer side, encoded afresh."""
    try:
        with warnings.catch_warnings():
            # Pillow only warns between its own pixel limit and twice that; here it refuses.
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(content), formats=FORMATS) as image:
                if image.width * image.height > MAX_PIXELS:
                    raise InvalidField(pointer, f"a photo may have at most {MAX_PIXELS} pixels")
                # A JPEG decodes at a half, quarter or eighth of its size when that is still
                # large enough: far less memory than decoding it whole and scaling down.
                image.draft("RGB", (max_side, max_side))
                image.load()
                return _encode(_pixels(image, max_side))
    except InvalidField:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise InvalidField(pointer, f"a photo may have at most {MAX_PIXELS} pixels") from exc
    except Exception as exc:
        # A hostile file can fail Pillow's decoders in many ways; to its sender all are one.
        detail = f"the file (sent as {declared[:80]!r}) is not a JPEG, PNG or WebP image"
        raise InvalidField(pointer, detail) from exc


def _pixels(image: Image.Image, max_side: int) -> Image.Image:
    upright = _upright(image)
    upright.thumbnail((max_side, max_side))
    mode = "RGBA" if _transparent(upright) else "RGB"
    shown = _in_srgb(upright, image.info.get("icc_profile"), mode)
    # A new image from the pixels alone: no EXIF, GPS, ICC, XMP or comment comes along.
    return Image.frombytes(mode, shown.size, shown.tobytes())


def _upright(image: Image.Image) -> Image.Image:
    try:
        return ImageOps.exif_transpose(image)
    except (SyntaxError, ValueError, OSError, EOFError, struct.error):
        # EXIF that cannot be read says nothing of how to turn the photo: keep it as it is.
        return image.copy()


def _transparent(image: Image.Image) -> bool:
    if not image.has_transparency_data:
        return False
    lowest = image.convert("RGBA").getchannel("A").getextrema()[0]
    return isinstance(lowest, int | float) and lowest < 255


def _in_srgb(image: Image.Image, icc: bytes | None, mode: str) -> Image.Image:
    """The colours as the embedded profile meant them, in sRGB: the profile is not kept."""
    if icc:
        try:
            profile = ImageCms.ImageCmsProfile(io.BytesIO(icc))
            converted = ImageCms.profileToProfile(image, profile, SRGB, outputMode=mode)
        except (ImageCms.PyCMSError, OSError, ValueError):
            converted = None  # a profile that cannot be used: the pixels as they are
        if converted is not None:
            return converted
    return image.convert(mode)


def _encode(image: Image.Image) -> CleanPhoto:
    out = io.BytesIO()
    if image.mode == "RGBA":
        image.save(out, format="PNG")
        content_type = "image/png"
    else:
        image.save(out, format="JPEG", quality=JPEG_QUALITY, optimize=True)
        content_type = "image/jpeg"
    return CleanPhoto(out.getvalue(), content_type, image.width, image.height)


async def store_photos(session: AsyncSession, tip: Tip, photos: list[CleanPhoto]) -> list[TipPhoto]:
    now = utcnow()
    rows = [
        TipPhoto(
            tip_id=tip.id,
            content_type=photo.content_type,
            width=photo.width,
            height=photo.height,
            content=photo.content,
            created_at=now,
        )
        for photo in photos
    ]
    session.add_all(rows)
    await session.flush()
    return rows


async def count_photos(session: AsyncSession, tip_id: uuid.UUID) -> int:
    query = select(func.count()).select_from(TipPhoto).where(TipPhoto.tip_id == tip_id)
    return (await session.exec(query)).one()


async def list_photos(
    session: AsyncSession, principal: Principal, tip_id: uuid.UUID
) -> list[PhotoRead]:
    """The tip's photos without their bytes, oldest first, if the caller may see the tip."""
    tip = await visible_tip(session, principal, tip_id, action="list_photos")
    query = (
        select(TipPhoto, func.length(TipPhoto.content))
        .options(defer(TipPhoto.content))  # type: ignore[arg-type]
        .where(TipPhoto.tip_id == tip.id)
        .order_by(col(TipPhoto.created_at), col(TipPhoto.id))
    )
    return [
        PhotoRead(
            id=photo.id,
            content_type=photo.content_type,
            width=photo.width,
            height=photo.height,
            size_bytes=size,
            created_at=photo.created_at,
        )
        for photo, size in await session.exec(query)
    ]


async def get_photo(
    session: AsyncSession, principal: Principal, tip_id: uuid.UUID, photo_id: uuid.UUID
) -> TipPhoto:
    """One photo of the tip, if the caller may see the tip."""
    tip = await visible_tip(session, principal, tip_id, action="read_photo")
    photo = await session.get(TipPhoto, photo_id)
    if photo is None or photo.tip_id != tip.id:
        raise PhotoNotFound(f"Tip {tip_id} has no photo {photo_id}.")
    return photo
