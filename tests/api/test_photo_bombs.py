"""Listing photos are checked from their header before any decoding: a small PNG that declares
12,000 x 12,000 pixels is refused at once, only JPEG/PNG/WebP decoders run, and the page's upload handler
decodes in a worker thread, never on the event loop."""

import io
import struct
import time
import zlib

import pytest
from PIL import Image

from kisaan_app.services.errors import ValidationFailed
from kisaan_app.services.market import photos
from tests.factories import bearer, make_org, make_user, token_for

LISTING = {
    "crop": "onion",
    "quantity": 50,
    "unit": "quintal",
    "price_paise": 200_000,
    "district": "nashik",
    "state": "Maharashtra",
}


def png_bomb(width: int, height: int) -> bytes:
    """A 1-bit PNG of the given size whose pixels are all zero: a few KB on the wire, width x height once
    decoded. Built by hand so the test itself never holds the decoded image."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    row = b"\x00" * (1 + (width + 7) // 8)  # filter byte + packed bits
    compressor = zlib.compressobj(9)
    data = b"".join(compressor.compress(row) for _ in range(height)) + compressor.flush()
    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)  # bit depth 1, greyscale
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", data) + chunk(b"IEND", b"")


def _encoded(image: Image.Image, fmt: str) -> bytes:
    out = io.BytesIO()
    image.save(out, fmt)
    return out.getvalue()


def test_a_png_bomb_is_refused_from_its_header_quickly():
    bomb = png_bomb(12_000, 12_000)
    assert len(bomb) < photos.max_bytes()  # small enough to pass the byte limit
    started = time.monotonic()
    with pytest.raises(ValidationFailed) as refused:
        photos.decode_photo(bomb)
    assert time.monotonic() - started < 1.0
    assert refused.value.code == "photo_too_many_pixels" and refused.value.params == {"max_megapixels": 40}


@pytest.mark.filterwarnings("ignore::PIL.Image.DecompressionBombWarning")
def test_a_photo_just_over_our_pixel_limit_is_refused_by_our_check():
    # 7,000 x 7,000 = 49 MP: over MAX_PIXELS but under Pillow's own hard stop (twice that).
    with pytest.raises(ValidationFailed) as refused:
        photos.decode_photo(png_bomb(7_000, 7_000))
    assert refused.value.code == "photo_too_many_pixels"


def test_pillow_itself_is_told_the_limit():
    assert Image.MAX_IMAGE_PIXELS == photos.MAX_PIXELS


@pytest.mark.parametrize("fmt", ["GIF", "BMP", "TIFF", "ICO"])
def test_only_jpeg_png_and_webp_are_decoded(fmt):
    with pytest.raises(ValidationFailed) as refused:
        photos.decode_photo(_encoded(Image.new("RGB", (32, 32), (10, 200, 10)), fmt))
    assert refused.value.code == "photo_not_image"


@pytest.mark.parametrize("fmt", ["JPEG", "PNG", "WEBP"])
def test_real_photos_decode_and_shrink(fmt):
    image = photos.decode_photo(_encoded(Image.new("RGB", (3200, 2400), (200, 40, 40)), fmt))
    assert max(image.size) <= photos.MAX_SIDE


def test_the_api_refuses_a_png_bomb_with_a_clear_error(api):
    farmer = make_user("farmer", org_id=make_org("Nashik Onion FPO"), district="Nashik")
    headers = bearer(token_for(farmer))
    listing = api.post("/api/market/listings", json=LISTING, headers=headers)
    assert listing.status_code == 201, listing.text
    url = f"/api/market/listings/{listing.json()['id']}/photo"
    started = time.monotonic()
    res = api.post(url, files={"file": ("onion.png", png_bomb(12_000, 12_000), "image/png")}, headers=headers)
    assert time.monotonic() - started < 2.0
    assert res.status_code == 422
    error = res.json()["error"]
    assert error["code"] == "photo_too_many_pixels" and error["field"] == "file" and "40" in error["message"]


def test_photos_are_decoded_off_the_event_loop():
    """The page uploads its (already shrunk) photo to the API route, which FastAPI runs in its thread pool
    because it is a plain def: decoding never stalls the event loop that carries every open page."""
    import inspect

    from kisaan_app.api import market as market_api
    from kisaan_app.state import market as market_state

    assert not inspect.iscoroutinefunction(market_api.upload_photo)
    assert not hasattr(market_state.ListingState, "upload_photo")  # no second, in-loop path to the decoder
