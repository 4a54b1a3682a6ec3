"""Photos of tips: stored as pixels only, refused when too many, too large or not images, and
shown only to staff who may see the tip."""

import uuid

import pytest
from photo_files import (
    CAMERA_MAKE,
    CAMERA_MODEL,
    SECRET_COMMENT,
    SECRET_XMP,
    bomb_header_png,
    camera_jpeg,
    encoded,
    many_pixels_png,
    read,
    transparent_png,
)
from PIL import ExifTags, Image
from sqlmodel import col, select
from tips_testkit import HOME, OTHER, POLICE_SCOPES, STAFF_SCOPES, Api, token

from shared.problems import PayloadTooLarge, Problem
from tips import tables  # noqa: F401  (every model: a tip's mapper needs the dialogue table)
from tips.config import LimitSettings
from tips.errors import InvalidField
from tips.photos import service as photos
from tips.photos.models import TipPhoto
from tips.tips.models import Tip
from tips.triage.models import TipAudit

pytestmark = pytest.mark.service

LIMITS = LimitSettings()


async def _tip(api: Api, **overrides: object) -> Tip:
    await api.categories()
    receipt = await api.submit(**overrides)
    tip = await api.tip(receipt["id"])
    assert tip is not None
    return tip


async def _stored(api: Api, tip: Tip) -> list[TipPhoto]:
    query = select(TipPhoto).where(TipPhoto.tip_id == tip.id).order_by(col(TipPhoto.created_at))
    return list(await api.session.exec(query))


class TestWhatIsKept:
    async def test_a_phones_photo_keeps_its_pixels_and_loses_gps_camera_and_the_rest(
        self, api: Api
    ) -> None:
        tip = await _tip(api)
        sent = camera_jpeg()
        assert read(sent).getexif().get_ifd(ExifTags.IFD.GPSInfo)  # the phone's GPS is there
        await photos.add_photos(api.session, tip, [(sent, "image/jpeg")], LIMITS)
        [photo] = await _stored(api, tip)
        stored = read(photo.content)
        assert (photo.content_type, stored.format) == ("image/jpeg", "JPEG")
        assert (photo.width, photo.height) == stored.size == (64, 32)
        assert dict(stored.getexif()) == {}
        assert stored.getexif().get_ifd(ExifTags.IFD.GPSInfo) == {}
        for block in ("exif", "icc_profile", "xmp", "comment", "XML:com.adobe.xmp"):
            assert block not in stored.info
        for secret in (CAMERA_MAKE.encode(), CAMERA_MODEL.encode(), SECRET_XMP, SECRET_COMMENT):
            assert secret not in photo.content
        assert b"Exif" not in photo.content

    async def test_a_photo_taken_sideways_is_stored_upright(self, api: Api) -> None:
        tip = await _tip(api)
        # Orientation 6: the camera was turned; shown rotated 90 degrees clockwise.
        sideways = camera_jpeg(size=(64, 32), orientation=6)
        await photos.add_photos(api.session, tip, [(sideways, "image/jpeg")], LIMITS)
        [photo] = await _stored(api, tip)
        stored = read(photo.content).convert("RGB")
        assert stored.size == (32, 64)
        red, blue = stored.getpixel((16, 8)), stored.getpixel((16, 56))
        assert isinstance(red, tuple)
        assert isinstance(blue, tuple)
        assert red[0] > 200
        assert red[2] < 60
        assert blue[2] > 200
        assert blue[0] < 60

    async def test_a_large_photo_is_scaled_down(self, api: Api) -> None:
        tip = await _tip(api)
        limits = LimitSettings(photo_max_side_px=100)
        await photos.add_photos(api.session, tip, [(camera_jpeg((400, 200)), "")], limits)
        [photo] = await _stored(api, tip)
        assert (photo.width, photo.height) == read(photo.content).size == (100, 50)

    async def test_a_transparent_png_stays_a_png_and_an_opaque_webp_becomes_a_jpeg(
        self, api: Api
    ) -> None:
        tip = await _tip(api)
        # EXIF that cannot be read does not make the photo unreadable.
        webp = encoded(Image.new("RGB", (30, 20), "green"), "WEBP", exif=b"Exif\x00\x00MM")
        uploads = [(transparent_png(), "image/png"), (webp, "image/webp")]
        await photos.add_photos(api.session, tip, uploads, LIMITS)
        png, jpeg = await _stored(api, tip)
        assert (png.content_type, read(png.content).mode) == ("image/png", "RGBA")
        assert (jpeg.content_type, read(jpeg.content).format) == ("image/jpeg", "JPEG")

    async def test_the_type_is_read_from_the_bytes_not_from_what_the_sender_declared(
        self, api: Api
    ) -> None:
        tip = await _tip(api)
        await photos.add_photos(api.session, tip, [(transparent_png(), "image/jpeg")], LIMITS)
        [photo] = await _stored(api, tip)
        assert photo.content_type == "image/png"


TINY = LimitSettings(photo_bytes=2000)
NOT_AN_IMAGE = "not a JPEG, PNG or WebP image"


def _gif() -> bytes:
    return encoded(Image.new("P", (10, 10)), "GIF")


class TestRefused:
    @pytest.mark.parametrize(
        ("uploads", "limits", "problem", "pointer", "says"),
        [
            ([camera_jpeg()] * 4, LIMITS, InvalidField, "/photos", "at most 3 photos"),
            ([camera_jpeg(noise=True)], TINY, PayloadTooLarge, "/photos/0", "2000 bytes"),
            ([camera_jpeg(), b"%PDF-1.7"], LIMITS, InvalidField, "/photos/1", NOT_AN_IMAGE),
            ([_gif()], LIMITS, InvalidField, "/photos/0", NOT_AN_IMAGE),
            ([camera_jpeg()[:200]], LIMITS, InvalidField, "/photos/0", NOT_AN_IMAGE),
            ([many_pixels_png()], LIMITS, InvalidField, "/photos/0", "pixels"),
            ([bomb_header_png()], LIMITS, InvalidField, "/photos/0", "pixels"),
        ],
        ids=["too-many", "too-large", "not-an-image", "gif", "cut-short", "8000x8000", "bomb"],
    )
    async def test_nothing_is_stored(
        self,
        api: Api,
        uploads: list[bytes],
        limits: LimitSettings,
        problem: type[Problem],
        pointer: str,
        says: str,
    ) -> None:
        tip = await _tip(api)
        with pytest.raises(problem) as refused:
            await photos.add_photos(api.session, tip, [(u, "image/jpeg") for u in uploads], limits)
        assert refused.value.status == (413 if problem is PayloadTooLarge else 422)
        [error] = refused.value.extensions["errors"]
        assert error["pointer"] == pointer
        assert says in error["detail"]
        assert await _stored(api, tip) == []

    async def test_photos_added_later_count_with_those_the_tip_has(self, api: Api) -> None:
        tip = await _tip(api)
        await photos.add_photos(api.session, tip, [(camera_jpeg(), "image/jpeg")] * 2, LIMITS)
        with pytest.raises(InvalidField):
            await photos.add_photos(api.session, tip, [(camera_jpeg(), "image/jpeg")] * 2, LIMITS)
        assert len(await _stored(api, tip)) == 2


class TestStaffRead:
    async def _with_photo(self, api: Api, **overrides: object) -> tuple[Tip, TipPhoto]:
        tip = await _tip(api, **overrides)
        [photo] = await photos.add_photos(api.session, tip, [(camera_jpeg(), "image/jpeg")], LIMITS)
        return tip, photo

    async def test_staff_list_the_photos_and_fetch_one(self, api: Api) -> None:
        tip, photo = await self._with_photo(api)
        listed = await api.client.get(f"/tips/{tip.id}/photos", headers=token())
        assert listed.status_code == 200, listed.text
        assert listed.json() == [
            {
                "id": str(photo.id),
                "content_type": "image/jpeg",
                "width": 64,
                "height": 32,
                "size_bytes": len(photo.content),
                "created_at": listed.json()[0]["created_at"],
            }
        ]
        fetched = await api.client.get(f"/tips/{tip.id}/photos/{photo.id}", headers=token())
        assert fetched.status_code == 200
        assert fetched.headers["content-type"] == "image/jpeg"
        assert fetched.headers["cache-control"] == "no-store"
        assert fetched.content == photo.content

    async def test_another_municipalitys_token_finds_neither_tip_nor_photo(self, api: Api) -> None:
        tip, photo = await self._with_photo(api)
        other = token(municipalities=[OTHER])
        for path in (f"/tips/{tip.id}/photos", f"/tips/{tip.id}/photos/{photo.id}"):
            response = await api.client.get(path, headers=other)
            assert response.status_code == 404, path
            assert response.headers["content-type"] == "application/problem+json"

    async def test_a_photo_is_found_only_under_its_own_tip(self, api: Api) -> None:
        _, photo = await self._with_photo(api)
        other_tip, _ = await self._with_photo(api)
        response = await api.client.get(f"/tips/{other_tip.id}/photos/{photo.id}", headers=token())
        assert response.status_code == 404
        missing = await api.client.get(f"/tips/{uuid.uuid4()}/photos", headers=token())
        assert missing.status_code == 404

    async def test_a_restricted_tips_photos_need_the_police_scope_and_are_audited(
        self, api: Api
    ) -> None:
        tip, photo = await self._with_photo(
            api, category="narcotics", answers={"happening_now": "no"}
        )
        path = f"/tips/{tip.id}/photos/{photo.id}"
        refused = await api.client.get(path, headers=token(STAFF_SCOPES))
        assert refused.status_code == 403
        police = token(POLICE_SCOPES, subject="polis-1")
        assert (await api.client.get(path, headers=police)).status_code == 200
        assert (await api.client.get(f"/tips/{tip.id}/photos", headers=police)).status_code == 200
        audited = await api.session.exec(select(TipAudit).where(TipAudit.tip_id == tip.id))
        assert sorted((a.actor, a.action) for a in audited) == [
            ("polis-1", "list_photos"),
            ("polis-1", "read_photo"),
        ]

    async def test_photos_are_never_public(self, api: Api) -> None:
        tip, photo = await self._with_photo(api)
        for path in (f"/tips/{tip.id}/photos", f"/tips/{tip.id}/photos/{photo.id}"):
            assert (await api.client.get(path)).status_code == 401
            reporter = token(["tips:report"], municipalities=[HOME])
            assert (await api.client.get(path, headers=reporter)).status_code == 403
