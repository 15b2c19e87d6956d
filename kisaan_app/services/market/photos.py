"""Listing photos: size-limited, decoded with Pillow to prove they are images (names and declared types lie),
re-encoded as JPEG without metadata (no phone GPS in a public photo), stored under data/uploads/."""

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
from kisaan_app.settings import PROJECT_ROOT

MAX_BYTES = 2 * 1024 * 1024
ALLOWED_FORMATS = {"JPEG", "PNG", "WEBP"}
MAX_SIDE = 1600  # plenty for a phone screen; keeps pages light on 2G
UPLOADS = PROJECT_ROOT / "data" / "uploads" / "listings"


def attach(session: Session, actor: Principal, meta: RequestMeta | None, listing_id: int, stream: BinaryIO) -> Listing:
    listing = managed(session, actor, listing_id)
    raw = stream.read(MAX_BYTES + 1)
    if len(raw) > MAX_BYTES:
        raise ValidationFailed("photo_too_large", field="file", max_mb=2)
    try:
        with Image.open(io.BytesIO(raw)) as probe:
            image_format = probe.format
            probe.verify()
        image = Image.open(io.BytesIO(raw))
        image.load()
    except (UnidentifiedImageError, OSError, SyntaxError, Image.DecompressionBombError):
        raise ValidationFailed("photo_not_image", field="file") from None
    if image_format not in ALLOWED_FORMATS:
        raise ValidationFailed("photo_not_image", field="file")
    image.thumbnail((MAX_SIDE, MAX_SIDE))
    UPLOADS.mkdir(parents=True, exist_ok=True)
    target = UPLOADS / f"{listing.id}.jpg"
    image.convert("RGB").save(target, "JPEG", quality=82, optimize=True)
    listing.photo_path = str(target.relative_to(PROJECT_ROOT))
    session.add(listing)
    audit.record(session, "listing.photo", actor=actor, meta=meta, target_type="listing", target_id=listing.id)
    return listing


def path_of(listing: Listing) -> Path | None:
    if not listing.photo_path:
        return None
    path = (PROJECT_ROOT / listing.photo_path).resolve()
    return path if path.is_file() and UPLOADS.resolve() in path.parents else None
