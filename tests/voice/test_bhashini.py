"""The BHASHINI adapter against the protocol-faithful stand-in: config call (credentials checked), compute call
(inference key checked, tasks chained), fixture ASR, translation, espeak TTS, and the error mode."""

import base64
from collections.abc import Iterator

import httpx
import pytest
from fastapi import FastAPI

from kisaan_app.providers.bhashini import CONFIG_PATH, BhashiniClient, BhashiniError, Task
from kisaan_app.providers.sandbox_keys import SANDBOX_BHASHINI_API_KEY, SANDBOX_BHASHINI_USER_ID
from kisaan_app.services.voice.audio import wav_seconds, wav_to_opus
from kisaan_app.services.voice.vocabulary import understand
from sandbox import bhashini_fixtures, bhashini_standin
from sandbox.outbox import Outbox
from sandbox.server import SandboxConfig, ServedApp, free_port
from tests.voice.support import assert_real_speech


@pytest.fixture(scope="module")
def standin() -> Iterator[tuple[SandboxConfig, Outbox]]:
    config, outbox = SandboxConfig(port=free_port()), Outbox()
    app = FastAPI()
    app.include_router(bhashini_standin.make_router(config, outbox))
    with ServedApp(app, config.port):
        yield config, outbox


@pytest.fixture
def client(standin) -> BhashiniClient:
    config, outbox = standin
    config.provider_faults.pop("bhashini", None)
    outbox.clear()
    return BhashiniClient(config.url + CONFIG_PATH, SANDBOX_BHASHINI_USER_ID, SANDBOX_BHASHINI_API_KEY, timeout=10)


def test_config_then_compute_and_the_config_is_reused(client, standin):
    _config, outbox = standin
    pipeline = client.pipeline((Task("translation", "en", "hi"),))
    assert pipeline.key_name == "Authorization" and pipeline.callback_url.endswith("/services/inference/pipeline")
    assert client.translate("Can you deliver to Pune?", "en", "hi") == "क्या आप पुणे तक पहुँचा सकते हैं?"
    assert client.translate("Fresh red onions, dried for two weeks.", "en", "hi").startswith("ताज़ा")
    kinds = [r.kind for r in outbox.list("bhashini")]
    assert kinds.count("config") == 1 and kinds.count("compute") == 2  # one config call for the same chain


def test_wrong_credentials_are_refused_at_the_config_call(standin):
    config, _ = standin
    bad = BhashiniClient(config.url + CONFIG_PATH, SANDBOX_BHASHINI_USER_ID, "not-the-key", timeout=10)
    with pytest.raises(BhashiniError) as refused:
        bad.translate("hello", "en", "hi")
    assert refused.value.status == 401 and not refused.value.transient


def test_compute_checks_the_inference_key_from_the_config_answer(client, standin):
    config, _ = standin
    pipeline = client.pipeline((Task("translation", "en", "hi"),))
    body = {
        "pipelineTasks": [
            {"taskType": "translation", "config": {"language": {"sourceLanguage": "en", "targetLanguage": "hi"}}}
        ],
        "inputData": {"input": [{"source": "hello"}]},
    }
    answer = httpx.post(pipeline.callback_url, json=body, headers={"Authorization": "guessed"}, timeout=10)
    assert answer.status_code == 401 and answer.json()["detail"]["kind"] == "Unauthorized"


def test_chained_tasks_asr_then_translation_then_tts(client):
    fixture = bhashini_fixtures.FIXTURES[0]  # "प्याज का भाव"
    tasks = (Task("asr", "hi"), Task("translation", "hi", "en"), Task("tts", "en"))
    out = client.compute(
        tasks,
        {"audio": [{"audioContent": base64.b64encode(bhashini_fixtures.fixture_wav(fixture)).decode()}]},
        {"asr": {"audioFormat": "wav", "samplingRate": 22050}, "tts": {"gender": "female"}},
    )
    assert [r["taskType"] for r in out] == ["asr", "translation", "tts"]
    assert out[0]["output"][0]["source"] == fixture.phrase
    assert out[1]["output"][0]["target"].startswith("[en]")  # a sentence the stand-in has no translation for
    assert out[2]["audio"][0]["audioContent"]


def test_tts_gives_real_speech(client):
    wav = client.speak("नमस्ते किसान भाइयों", "hi")
    assert (wav_seconds(wav) or 0) > 0.5
    assert_real_speech(wav_to_opus(wav))


def test_error_mode_is_a_transient_failure(client, standin):
    config, _ = standin
    config.provider_faults["bhashini"] = "error"
    with pytest.raises(BhashiniError) as failed:
        client.translate("hello", "en", "hi")
    assert failed.value.status == 500 and failed.value.transient


def test_every_fixture_is_recognised_and_understood(client):
    """The figure for the notes: spoken commands (espeak-rendered fixtures) → transcript → intent and crop."""
    right = 0
    for fixture in bhashini_fixtures.FIXTURES:
        heard = client.recognise(bhashini_fixtures.fixture_wav(fixture), "wav", fixture.language)
        meaning = understand(heard)
        right += (
            heard == fixture.phrase
            and fixture.intent in meaning.intents
            and (fixture.crop is None or fixture.crop in meaning.crops)
        )
    assert right == len(bhashini_fixtures.FIXTURES)


def test_audio_it_has_no_fixture_for_is_heard_as_silence(client):
    assert client.recognise(bhashini_fixtures.espeak_wav("something else entirely", "en"), "wav", "en") == ""
