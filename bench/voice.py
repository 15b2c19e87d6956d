"""Voice figures: audio bytes per spoken weather alert in every language (Opus at KISAAN_VOICE_BITRATE_KBPS,
against the WAV espeak-ng renders, the same-run baseline), render time cold and from the cache, and command
recognition on the BHASHINI stand-in's fixtures (ASR → glossary matching).

    .venv/bin/python bench/voice.py [--bitrate 16]

Needs espeak-ng and opus-tools (`make voice-tools`). Renders into a temporary cache; starts the stand-in on a
free port.
"""

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

ALERT = {
    "en": "Red weather warning. Very heavy rain. Very heavy rain is likely in Nashik tomorrow; harvest onions today "
    "and keep them covered.",
    "hi": "लाल मौसम चेतावनी। बहुत भारी बारिश। कल नाशिक में बहुत भारी बारिश की संभावना है; आज प्याज़ निकाल लें और ढक कर रखें।",
    "mr": "लाल हवामान इशारा. खूप मुसळधार पाऊस. उद्या नाशिकमध्ये खूप मुसळधार पावसाची शक्यता आहे; आज कांदा काढून झाकून ठेवा.",
    "pa": "ਲਾਲ ਮੌਸਮ ਚੇਤਾਵਨੀ। ਬਹੁਤ ਭਾਰੀ ਮੀਂਹ। ਕੱਲ੍ਹ ਨਾਸਿਕ ਵਿੱਚ ਬਹੁਤ ਭਾਰੀ ਮੀਂਹ ਦੀ ਸੰਭਾਵਨਾ ਹੈ; ਅੱਜ ਪਿਆਜ਼ ਕੱਢ ਕੇ ਢੱਕ ਕੇ ਰੱਖੋ।",
    "gu": "લાલ હવામાન ચેતવણી. ખૂબ ભારે વરસાદ. કાલે નાશિકમાં ખૂબ ભારે વરસાદની શક્યતા છે; આજે ડુંગળી કાઢીને ઢાંકીને રાખો.",
    "ta": "சிவப்பு வானிலை எச்சரிக்கை. மிக கனமழை. நாளை நாசிக்கில் மிக கனமழை பெய்யக்கூடும்; இன்றே வெங்காயத்தை அறுவடை "
    "செய்து மூடி வையுங்கள்.",
    "te": "ఎరుపు వాతావరణ హెచ్చరిక. అతి భారీ వర్షం. రేపు నాసిక్‌లో అతి భారీ వర్షం కురిసే అవకాశం ఉంది; ఈరోజే ఉల్లిపాయలు తీసి కప్పి ఉంచండి.",
}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--bitrate", type=int, default=16)
    args = parser.parse_args()
    os.environ["KISAAN_VOICE_CACHE_DIR"] = tempfile.mkdtemp(prefix="kisaan-voice-bench-")
    os.environ["KISAAN_VOICE_BITRATE_KBPS"] = str(args.bitrate)

    from kisaan_app.services.voice import speech
    from kisaan_app.services.voice.audio import ogg_opus_info, wav_seconds
    from kisaan_app.services.voice.engines import EspeakEngine

    if not speech.available():
        print("espeak-ng / opusenc are missing: run `make voice-tools`")
        return 1
    print(f"Spoken red alert per language (Opus {args.bitrate} kbit/s vs the WAV espeak-ng makes, same run)")
    columns = (("lang", -5), ("seconds", 8), ("opus bytes", 12), ("kbit/s", 8), ("wav bytes", 11), ("ratio", 7))
    header = "".join(name.ljust(-w) if w < 0 else name.rjust(w) for name, w in columns)
    print(header + "  cold ms  hit ms")
    engine = EspeakEngine()
    for language, text in ALERT.items():
        wav = engine.render_wav(text, language)
        start = time.perf_counter()
        cold = speech.speak(text, language)
        cold_ms = (time.perf_counter() - start) * 1000
        start = time.perf_counter()
        assert speech.speak(text, language).cached
        hit_ms = (time.perf_counter() - start) * 1000
        data = speech.audio_file(cold.hash).read_bytes()
        seconds = ogg_opus_info(data).seconds
        wav_bytes = int((wav_seconds(wav) or 0) * 22050 * 2) + 44  # the stream's real length, not its header's
        print(
            f"{language:<5}{seconds:>8.1f}{len(data):>12,}{len(data) * 8 / seconds / 1000:>8.1f}{wav_bytes:>11,}"
            f"{wav_bytes / len(data):>6.0f}×{cold_ms:>9.0f}{hit_ms:>8.1f}"
        )
    return recognition()


def recognition() -> int:
    from fastapi import FastAPI

    from kisaan_app.providers.bhashini import CONFIG_PATH, BhashiniClient
    from kisaan_app.providers.sandbox_keys import SANDBOX_BHASHINI_API_KEY, SANDBOX_BHASHINI_USER_ID
    from kisaan_app.services.voice.vocabulary import understand
    from sandbox import bhashini_fixtures, bhashini_standin
    from sandbox.outbox import Outbox
    from sandbox.server import SandboxConfig, ServedApp, free_port

    config = SandboxConfig(port=free_port())
    app = FastAPI()
    app.include_router(bhashini_standin.make_router(config, Outbox()))
    fixtures = bhashini_fixtures.FIXTURES
    with ServedApp(app, config.port):
        client = BhashiniClient(config.url + CONFIG_PATH, SANDBOX_BHASHINI_USER_ID, SANDBOX_BHASHINI_API_KEY)
        heard = intent = crop = 0
        recordings = [bhashini_fixtures.fixture_wav(f) for f in fixtures]
        start = time.perf_counter()
        for fixture, recording in zip(fixtures, recordings, strict=True):
            text = client.recognise(recording, "wav", fixture.language)
            meaning = understand(text)
            heard += text == fixture.phrase
            intent += fixture.intent in meaning.intents
            crop += fixture.crop is None or fixture.crop in meaning.crops
        per = (time.perf_counter() - start) / len(fixtures) * 1000
    n = len(fixtures)
    languages = sorted({f.language for f in fixtures})
    print(f"\nCommands on the stand-in's fixtures ({n} phrases in {', '.join(languages)}; ASR is fixture-based):")
    print(
        f"  transcribed {heard}/{n}, intent right {intent}/{n}, crop right {crop}/{n}; {per:.0f} ms"
        " per command (config + compute over HTTP)"
    )
    return 0 if intent == n else 1


if __name__ == "__main__":
    sys.exit(main())
