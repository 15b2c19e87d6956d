"""The BHASHINI client the voice services use: real credentials when set, else the local stand-in (never in prod)."""

from functools import lru_cache

from kisaan_app.providers.bhashini import CONFIG_PATH, BhashiniClient
from kisaan_app.providers.sandbox_keys import SANDBOX_BHASHINI_API_KEY, SANDBOX_BHASHINI_USER_ID
from kisaan_app.services.errors import ServiceUnavailable
from kisaan_app.settings import get_settings


@lru_cache
def _client(config_url: str, user_id: str, api_key: str, pipeline_id: str, timeout: float) -> BhashiniClient:
    return BhashiniClient(config_url, user_id, api_key, pipeline_id, timeout)


def bhashini() -> BhashiniClient:
    """One client per configuration (it keeps the pipeline config it was given); 503 when BHASHINI is off."""
    settings = get_settings()
    if not settings.bhashini_enabled:
        raise ServiceUnavailable("voice_not_configured", retry_after_seconds=3600)
    if settings.bhashini_sandbox:
        url = f"http://127.0.0.1:{settings.sandbox_port}{CONFIG_PATH}"
        creds = (SANDBOX_BHASHINI_USER_ID, SANDBOX_BHASHINI_API_KEY)
    else:
        url = settings.bhashini_config_url
        creds = (settings.bhashini_user_id or "", settings.bhashini_api_key or "")
    return _client(url, *creds, settings.bhashini_pipeline_id, settings.bhashini_timeout_seconds)
