"""/api/offline/copy: what the phone keeps for when the network drops (services/offline_copy.py), with the
offline screen's words in the person's language. The service worker caches the last answer; it is never
cached by the browser's HTTP cache or a proxy (it is one person's data)."""

from fastapi import APIRouter, Response

from kisaan_app.api.deps import CurrentPrincipal, SessionDep
from kisaan_app.i18n import catalogue
from kisaan_app.services.offline_copy import offline_copy

router = APIRouter(prefix="/api/offline", tags=["offline"])


def offline_words(language: str) -> dict[str, str]:
    """The offline screen's words: every `offline.*` entry, and the crop problem types as `issue_<type>`."""
    words = catalogue(language)
    found = {key.removeprefix("offline."): text for key, text in words.items() if key.startswith("offline.")}
    issues = {
        f"issue_{key.removeprefix('crop_issue.')}": text for key, text in words.items() if key.startswith("crop_issue.")
    }
    return found | issues


@router.get("/copy")
def my_offline_copy(session: SessionDep, viewer: CurrentPrincipal, response: Response) -> dict:
    """Your dashboard, listings, offers waiting for you and orders, as of now (`as_of`)."""
    response.headers["Cache-Control"] = "private, no-store"
    copy = offline_copy(session, viewer)
    return {**copy.as_dict(), "words": offline_words(copy.language)}
