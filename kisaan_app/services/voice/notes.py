"""Free text people write to each other (a listing's description, a message in an offer thread) translated for
the reader through BHASHINI's NMT, cached by hash; the original always stays one tap away on the page.

Only text the reader may already see can be translated (the same visibility rules as the listing page), so the
route is no free translation service. The source language is read from the script: Devanagari is the writer's
own language when they chose Hindi or Marathi (else Hindi), Latin letters are English."""

from dataclasses import dataclass

from sqlmodel import Session

from kisaan_app.i18n import resolve_language
from kisaan_app.models.accounts import User
from kisaan_app.models.market import Bid, Listing, Negotiation
from kisaan_app.providers.bhashini import BhashiniError
from kisaan_app.services.context import Principal
from kisaan_app.services.errors import NotFound, ServiceUnavailable, ValidationFailed
from kisaan_app.services.market import listings
from kisaan_app.services.voice import cache
from kisaan_app.services.voice.provider import bhashini

KINDS = ("listing", "offer")
TEXT_KIND = "text"
_SCRIPT_LANGUAGE = {0x0A00: "pa", 0x0A80: "gu", 0x0B80: "ta", 0x0C00: "te", 0x0980: "bn"}


@dataclass(frozen=True)
class Note:
    text: str
    writer_language: str


@dataclass(frozen=True)
class Translation:
    original: str
    text: str
    source: str
    target: str
    translated: bool


def note_for(session: Session, reader: Principal, kind: str, ref: int) -> Note:
    """The note the reader may see, with its writer's chosen language; NotFound otherwise."""
    if kind == "listing":
        listing = listings.visible(session, reader, ref)
        writer = session.get(User, listing.farmer_id)
        text = listing.description or ""
    elif kind == "offer":
        entry = session.get(Negotiation, ref)
        bid = session.get(Bid, entry.bid_id) if entry else None
        listing_row = session.get(Listing, bid.listing_id) if bid else None
        if not (entry and bid and listing_row) or not (
            reader.id == bid.buyer_id or listings.can_manage(reader, listing_row)
        ):
            raise NotFound("voice_item_not_found")
        writer = session.get(User, entry.author_id)
        text = entry.message or ""
    else:
        raise ValidationFailed("voice_item_invalid", field="kind")
    if not text.strip():
        raise NotFound("voice_item_not_found")
    return Note(text, writer.preferred_language if writer else "en")


def source_language(text: str, writer_language: str) -> str:
    for ch in text:
        block = ord(ch) & ~0x7F
        if block == 0x0900:
            return writer_language if writer_language in ("hi", "mr") else "hi"
        if block in _SCRIPT_LANGUAGE:
            return _SCRIPT_LANGUAGE[block]
    return "en"


def translate(note: Note, reader_language: str) -> Translation:
    """The note in the reader's language (cached); untouched when it is already in it. Call outside any DB
    transaction: this may wait on BHASHINI."""
    target = resolve_language(reader_language)
    source = source_language(note.text, note.writer_language)
    if source == target:
        return Translation(note.text, note.text, source, target, False)
    name = cache.key("nmt", source, target, note.text)

    def ask() -> bytes:
        try:
            return bhashini().translate(note.text, source, target).encode("utf-8")
        except BhashiniError as err:
            raise ServiceUnavailable("voice_provider_failed", retry_after_seconds=30) from err

    text, _cached = cache.get_or_make(TEXT_KIND, name, ".txt", ask)
    return Translation(note.text, text.decode("utf-8"), source, target, True)
