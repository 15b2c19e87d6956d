"""Critical weather warnings are read aloud before anyone asks: the job that sends a red or orange warning renders
it once per language of its farmers, so "Listen" plays from the cache at once, even on 2G."""

import logging

from kisaan_app.db import session_scope
from kisaan_app.models.feeds import WeatherAlert
from kisaan_app.services.errors import DomainError
from kisaan_app.services.feeds.weather import CRITICAL, farmers_in_district
from kisaan_app.services.voice.items import alert_words
from kisaan_app.services.voice.speech import SpokenAudio, available, speak

log = logging.getLogger(__name__)


def prerender_alert(alert_id: int) -> dict[str, SpokenAudio]:
    """Audio per recipient language of a critical warning ({} for others, or when this machine cannot speak).
    The words are read in one short transaction; rendering happens after it closes."""
    with session_scope() as session:
        alert = session.get(WeatherAlert, alert_id)
        if alert is None or alert.cancelled_at is not None or alert.severity not in CRITICAL:
            return {}
        languages = {f.preferred_language for f in farmers_in_district(session, alert.district, alert.organization_id)}
        words = {language: alert_words(alert, language) for language in sorted(languages)}
    if not available():
        log.warning("weather alert %s: no speech engine here, audio not pre-rendered", alert_id)
        return {}
    rendered = {}
    for language, text in words.items():
        try:
            rendered[language] = speak(text, language)
        except DomainError as err:  # one language failing must not cost the others their audio
            log.warning("weather alert %s: %s audio not rendered (%s)", alert_id, language, err.code)
    return rendered
