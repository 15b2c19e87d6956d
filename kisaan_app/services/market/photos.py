"""Listing photos: size-limited, decoded with Pillow to prove they are images (names and declared types lie),
re-encoded as JPEG without metadata (no phone GPS in a public photo), stored under data/uploads/.

Decoding is the expensive, dangerous part: a 2 MB PNG can declare 12,000 x 12,000 pixels (half a gigabyte
once decoded). So only the JPEG, PNG and WebP decoders are tried, the pixel count is read from the header
(Image.open is lazy) and refused before anything is decoded, and JPEGs decode at reduced scale (draft).
Callers on an event loop run attach() in a worker thread (state/market.py); the API route is a plain def."""

import io
from pathlib import Path
from typing import BinaryIO

from PIL import Image, UnidentifiedImageError
from sqlmodel import Session

from kisaan_app.models.market import Listing
from kisaan_app.services import audit
from kisaan_app.services.context import Principal, RequestMeta
from kisaan_app.services.errors import ValidationFailed
from kisaan_app.services.market.listings import managed
from kisaan_app.settings import PROJECT_ROOT, get_settings

ALLOWED_FORMATS = ("JPEG", "PNG", "WEBP")
MAX_PIXELS = 40_000_000  # a 40-megapixel phone photo; more is refused from the header, undecoded
MAX_SIDE = 1600  # plenty for a phone screen; keeps pages light on 2G
UPLOADS = PROJECT_ROOT / "data" / "uploads" / "listings"
# Pillow's own bomb guard (it warns past this and refuses past twice this), for any other caller in the process.
Image.MAX_IMAGE_PIXELS = MAX_PIXELS
_NOT_AN_IMAGE = (UnidentifiedImageError, OSError, SyntaxError, ValueError)


def max_bytes() -> int:
    """The largest photo accepted: a phone camera's JPEG (3–14 MB) fits; the page shrinks most before upload."""
    return get_settings().photo_max_mb * 1024 * 1024


def attach(session: Session, actor: Principal, meta: RequestMeta | None, listing_id: int, stream: BinaryIO) -> Listing:
    listing = managed(session, actor, listing_id)
    limit = max_bytes()
    raw = stream.read(limit + 1)
    if len(raw) > limit:
        raise ValidationFailed("photo_too_large", field="file", max_mb=get_settings().photo_max_mb)
    image = decode_photo(raw)
    UPLOADS.mkdir(parents=True, exist_ok=True)
    target = UPLOADS / f"{listing.id}.jpg"
    image.convert("RGB").save(target, "JPEG", quality=82, optimize=True)
    listing.photo_path = str(target.relative_to(PROJECT_ROOT))
    session.add(listing)
    audit.record(session, "listing.photo", actor=actor, meta=meta, target_type="listing", target_id=listing.id)
    return listing


def decode_photo(raw: bytes) -> Image.Image:
    """The photo decoded and shrunk to MAX_SIDE, or ValidationFailed; its size is checked before decoding."""
    try:
        with Image.open(io.BytesIO(raw), formats=ALLOWED_FORMATS) as probe:
            _check_pixels(probe)
            probe.verify()
        image = Image.open(io.BytesIO(raw), formats=ALLOWED_FORMATS)
        _check_pixels(image)
        image.draft(None, (MAX_SIDE, MAX_SIDE))  # JPEG only: decode at 1/2, 1/4 or 1/8 scale
        image.load()
    except Image.DecompressionBombError:  # Pillow's own header check, past twice MAX_PIXELS
        raise _too_many_pixels() from None
    except _NOT_AN_IMAGE:
        raise ValidationFailed("photo_not_image", field="file") from None
    image.thumbnail((MAX_SIDE, MAX_SIDE))
    return image


def _check_pixels(image: Image.Image) -> None:
    width, height = image.size
    if width * height > MAX_PIXELS:
        raise _too_many_pixels()


def _too_many_pixels() -> ValidationFailed:
    return ValidationFailed("photo_too_many_pixels", field="file", max_megapixels=MAX_PIXELS // 1_000_000)


def path_of(listing: Listing) -> Path | None:
    if not listing.photo_path:
        return None
    path = (PROJECT_ROOT / listing.photo_path).resolve()
    return path if path.is_file() and UPLOADS.resolve() in path.parents else None
