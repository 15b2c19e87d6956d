"""Each voice test renders into a cache of its own, so a file another test (or the other database's run) left
behind never passes for a cache hit."""

import pytest

from kisaan_app.settings import get_settings


@pytest.fixture(autouse=True)
def own_voice_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("KISAAN_VOICE_CACHE_DIR", str(tmp_path / "voice"))
    get_settings.cache_clear()
    yield tmp_path / "voice"
    get_settings.cache_clear()
