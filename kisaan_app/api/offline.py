"""/api/offline/copy: what the phone keeps for when the network drops (services/offline_copy.py), with the
offline screen's words in the person's language. The service worker caches the last answer; it is never
cached by the browser's HTTP cache or a proxy (it is one person's data)."""

from fastapi import APIRouter, Response

from kisaan_app.api.deps import CurrentPrincipal, SessionDep
from kisaan_app.i18n import catalogue
from kisaan_app.services.offline_copy import offline_copy

router = APIRouter(prefix="/api/offline", tags=["offline"])


# Catalogue families the offline screen shows beside its own `offline.*` words, under short prefixes.
BORROWED = {"crop_issue.": "issue_", "unit.": "unit_", "listing_status.": "listing_", "order_status.": "order_"}


def offline_words(language: str) -> dict[str, str]:
    """The offline screen's words in the person's language: `offline.*`, crop problems, units and statuses."""
    words = {}
    for key, text in catalogue(language).items():
        if key.startswith("offline."):
            words[key.removeprefix("offline.")] = text
        for family, prefix in BORROWED.items():
            if key.startswith(family):
                words[prefix + key.removeprefix(family)] = text
    return words


@router.get("/copy")
def my_offline_copy(session: SessionDep, viewer: CurrentPrincipal, response: Response) -> dict:
    """Your dashboard, listings, offers waiting for you and orders, as of now (`as_of`)."""
    response.headers["Cache-Control"] = "private, no-store"
    copy = offline_copy(session, viewer)
    return {**copy.as_dict(), "words": offline_words(copy.language)}
