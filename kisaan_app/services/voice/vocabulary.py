"""The closed vocabulary a spoken or typed command is matched onto: what the farmer wants (price, weather, sell)
and what about (a crop, a district), in any script or spelling. Crop and district names come from the project's
glossary (services/glossary.py); the three intents keep their words here, folded the same way."""

from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache

from kisaan_app.services import glossary

# Words for each intent in the languages farmers use (Roman spellings too). Folding (glossary.skeleton) covers
# careless spellings and transliteration, so this lists words, not their variants.
INTENT_WORDS: dict[str, tuple[str, ...]] = {
    "price": tuple(
        "price rate rates bhav bhaav dam kimat mandi भाव दाम कीमत दर रेट मंडी ਭਾਅ ਕੀਮਤ ਮੰਡੀ ભાવ કિંમત விலை ధర".split()
    ),
    "weather": tuple(
        "weather rain forecast mausam barish baarish मौसम बारिश हवामान पाऊस ਮੌਸਮ ਮੀਂਹ હવામાન વરસાદ வானிலை மழை "
        "వాతావరణం వర్షం".split()
    ),
    "sell": tuple(
        "sell sale bechna bechni bech vikri बेचना बेचनी बेच बेचूं विकणे विक्री विकायचा ਵੇਚਣਾ ਵੇਚ વેચવું વેચ விற்க "
        "விற்பனை అమ్మాలి అమ్మకం".split()
    ),
}
MAX_WORDS = 12  # a command is a few words; a longer text is cut before matching


@dataclass(frozen=True)
class Heard:
    intents: tuple[str, ...]
    crops: tuple[str, ...]  # glossary keys (or the farmer's own crop names)
    districts: tuple[str, ...]


@cache
def _intent_index() -> dict[str, str]:
    return {glossary.skeleton(word): intent for intent, words in INTENT_WORDS.items() for word in words}


def _phrases(words: list[str]) -> Iterator[str]:
    """Every run of one to three words: "bajra", "paddy dhan", "sri ganganagar"."""
    for size in (3, 2, 1):
        for start in range(len(words) - size + 1):
            yield " ".join(words[start : start + size])


def understand(text: str, own_crops: list[str] | None = None) -> Heard:
    """Intents, crops and districts named in `text`, in the order first heard, each once."""
    words = text.replace("?", " ").replace(",", " ").replace("।", " ").split()[:MAX_WORDS]
    intents: list[str] = []
    crops: list[str] = []
    districts: list[str] = []
    own = {glossary.skeleton(c): c for c in own_crops or () if c}
    for phrase in _phrases(words):
        folded = glossary.skeleton(phrase)
        if not folded:
            continue
        intent = _intent_index().get(folded)
        # An intent word is that word only ("दाम" is price, though it folds like "dhan"; "rain" is not "rai").
        crop = None if intent else glossary.match("crop", phrase) or own.get(folded)
        district = None if intent else glossary.match("district", phrase)
        for found, bucket in ((intent, intents), (crop, crops), (district, districts)):
            if found and found not in bucket:
                bucket.append(found)
    return Heard(tuple(intents), tuple(crops), tuple(districts))
