"""Image files as residents' phones send them, for the tests of photos: with EXIF, GPS, the
camera's make and model, an ICC profile, XMP and a comment."""

import io
import random
import struct
import zlib

from PIL import ExifTags, Image, ImageCms

CAMERA_MAKE = "Canon"
CAMERA_MODEL = "EOS 5D Mark IV"
SECRET_XMP = b'<x:xmpmeta xmlns:x="adobe:ns:meta/">exif:GPSLatitude 57,10.0N</x:xmpmeta>'
SECRET_COMMENT = b"taken from Anna's kitchen window"


def _gps() -> dict[int, object]:
    return {
        ExifTags.GPS.GPSLatitudeRef: "N",
        ExifTags.GPS.GPSLatitude: (57.0, 9.0, 58.0),
        ExifTags.GPS.GPSLongitudeRef: "E",
        ExifTags.GPS.GPSLongitude: (13.0, 49.0, 34.0),
    }


def camera_exif(orientation: int = 1) -> Image.Exif:
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = CAMERA_MAKE
    exif[ExifTags.Base.Model] = CAMERA_MODEL
    exif[ExifTags.Base.DateTime] = "2026:11:28 21:30:00"
    exif[ExifTags.Base.Orientation] = orientation
    exif[ExifTags.Base.GPSInfo] = _gps()
    return exif


def camera_jpeg(
    size: tuple[int, int] = (64, 32), orientation: int = 1, noise: bool = False
) -> bytes:
    """A JPEG whose left half is red and right half blue (or noise, which compresses badly),
    carrying everything a phone writes into one."""
    image = _noise(size) if noise else _halves(size)
    srgb = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    out = io.BytesIO()
    image.save(
        out,
        format="JPEG",
        exif=camera_exif(orientation),
        icc_profile=srgb,
        xmp=SECRET_XMP,
        comment=SECRET_COMMENT,
        quality=95,
    )
    return out.getvalue()


def _halves(size: tuple[int, int]) -> Image.Image:
    image = Image.new("RGB", size, "blue")
    image.paste("red", (0, 0, size[0] // 2, size[1]))
    return image


def _noise(size: tuple[int, int]) -> Image.Image:
    pixels = random.Random(size[0]).randbytes(size[0] * size[1] * 3)
    return Image.frombytes("RGB", size, pixels)


def encoded(image: Image.Image, format: str, **options: object) -> bytes:
    out = io.BytesIO()
    image.save(out, format=format, **options)
    return out.getvalue()


def transparent_png() -> bytes:
    image = Image.new("RGBA", (40, 40), (255, 0, 0, 255))
    image.paste((0, 0, 0, 0), (0, 0, 20, 40))
    return encoded(image, "PNG")


def many_pixels_png(side: int = 8000) -> bytes:
    """A tiny file of `side` x `side` pixels: 64 million by default, which decode to far more
    memory than the file suggests."""
    return encoded(Image.new("1", (side, side)), "PNG")


def bomb_header_png(side: int = 100_000) -> bytes:
    """A PNG whose header claims `side` x `side` pixels and whose data is a handful of bytes:
    the guard must act on the header, before anything is decoded."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", side, side, 8, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\x00" * 16))
        + chunk(b"IEND", b"")
    )


def read(content: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(content))
    image.load()
    return image
