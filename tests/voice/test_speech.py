"""Reading aloud on this machine: espeak-ng → Opus, real audio out, cached by hash, bounded, and a clear refusal
when the binaries are missing."""

import os

import pytest

from kisaan_app.services.errors import ServiceUnavailable
from kisaan_app.services.voice import cache, speech
from kisaan_app.services.voice.audio import ogg_opus_info, wav_seconds
from kisaan_app.services.voice.engines import EspeakEngine
from tests.voice.support import assert_real_speech

WARNING_HI = "लाल मौसम चेतावनी। भारी बारिश। कल नाशिक में बहुत भारी बारिश की संभावना है।"


@pytest.fixture
def voice_dir(own_voice_cache):
    return own_voice_cache


@pytest.mark.parametrize("language", ["hi", "en", "mr", "pa", "gu", "ta", "te"])
def test_every_language_is_real_opus_speech_at_about_16_kbits(voice_dir, language):
    audio = speech.speak(WARNING_HI if language == "hi" else "Kisaansay 2026", language)
    data = speech.audio_file(audio.hash).read_bytes()
    seconds = assert_real_speech(data)
    assert len(data) == audio.size
    assert len(data) * 8 / seconds < 24_000  # ~16 kbit/s plus the Ogg pages' overhead


def test_second_ask_is_a_cache_hit_and_the_name_depends_on_voice_language_and_words(voice_dir):
    first = speech.speak(WARNING_HI, "hi")
    again = speech.speak("  " + WARNING_HI.replace(" ", "  "), "hi")  # the same words, spaced differently
    other = speech.speak(WARNING_HI, "mr")  # read by the Marathi voice: another file
    assert (first.cached, again.cached, other.cached) == (False, True, False)
    assert again.hash == first.hash != other.hash
    assert first.hash == cache.key("espeak-ng", "hi", "hi", " ".join(WARNING_HI.split()))
    assert len(list((voice_dir / "audio").glob("*.opus"))) == 2


def test_cache_stays_within_its_budget_least_recently_heard_first(voice_dir):
    old = speech.speak("first words", "en")
    kept = speech.speak("second words", "en")
    newest = speech.speak("third words here", "en")
    os.utime(speech.audio_file(old.hash), (1, 1))  # heard long ago
    assert cache.evict(kept.size + newest.size + 100) == 1  # room for two of the three
    assert speech.audio_file(old.hash) is None
    assert speech.audio_file(kept.hash) is not None and speech.audio_file(newest.hash) is not None
    assert speech.speak("first words", "en").cached is False  # gone, so rendered again when asked


def test_names_that_are_not_hashes_never_reach_the_disk(voice_dir):
    for name in ("../../etc/passwd", "a" * 63, "A" * 64, "", "0" * 64 + "/x"):
        assert speech.audio_file(name) is None


def test_without_espeak_the_service_says_so_instead_of_crashing(voice_dir, monkeypatch, tmp_path):
    monkeypatch.setenv("PATH", str(tmp_path))  # a machine without espeak-ng and opusenc
    assert not speech.available()
    with pytest.raises(ServiceUnavailable) as refused:
        speech.speak("never rendered", "hi")
    assert refused.value.code == "voice_unavailable"


def test_text_goes_in_on_stdin_so_it_is_never_an_option(voice_dir):
    wav = EspeakEngine().render_wav("--version -w /tmp/evil.wav", "en")
    assert wav[:4] == b"RIFF" and (wav_seconds(wav) or 0) > 0.5
    assert not os.path.exists("/tmp/evil.wav")


def test_the_ogg_reader_refuses_what_is_not_ogg_opus():
    for junk in (b"", b"RIFF....WAVE", b"OggS" + b"\0" * 30):
        with pytest.raises(ValueError):
            ogg_opus_info(junk)


def test_the_same_words_asked_at_once_are_rendered_once(voice_dir):
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(4) as pool:
        results = list(pool.map(lambda _: speech.speak("चार लोग एक साथ सुनें", "hi"), range(4)))
    assert sorted(r.cached for r in results) == [False, True, True, True]
    assert len({r.hash for r in results}) == 1


def test_broken_wav_headers_are_not_wavs():
    good = EspeakEngine().render_wav("ok", "en")
    fmt_at = good.index(b"fmt ")
    for broken in (
        good[: fmt_at + 12],
        b"RIFF\0\0\0\0WAVEfmt \x10\0\0\0" + b"\0" * 30,
        good[:44].replace(b"data", b"junk"),
    ):
        assert wav_seconds(broken) is None
