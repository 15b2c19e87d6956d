"""BHASHINI (ULCA / Dhruva) as the protocol has it: one config call, then compute calls.

1. `POST {config_url}` (`…/ulca/apis/v0/model/getModelsPipeline`) with headers `userID` and `ulcaApiKey`, a body
   naming the tasks (`pipelineTasks`: asr | translation | tts, each with its languages) and the pipeline
   (`pipelineRequestConfig.pipelineId`). The answer names a `serviceId` per task and the inference endpoint:
   `pipelineInferenceAPIEndPoint.callbackUrl` plus the header to send there (`inferenceApiKey.name/value`).
2. `POST {callbackUrl}` with that header, the tasks chained in one call (each with its serviceId), and
   `inputData.input[].source` (text) or `inputData.audio[].audioContent` (base64 audio). The answer's
   `pipelineResponse` has one entry per task; the last one is what the chain produced.

The config answer is kept for a while per (tasks, languages), so a farmer's command costs one compute call.
Errors become BhashiniError (status, and whether a retry may help); no call here ever retries by itself.
"""

import base64
import threading
import time
from dataclasses import dataclass
from typing import Any

import httpx

DEFAULT_CONFIG_URL = "https://meity-auth.ulcacontrib.org/ulca/apis/v0/model/getModelsPipeline"
DEFAULT_PIPELINE_ID = "64392f96daac500b55c543cd"  # MeitY's public pipeline (ASR, NMT and TTS for 22 languages)
CONFIG_PATH = "/ulca/apis/v0/model/getModelsPipeline"
CONFIG_TTL_SECONDS = 3600.0


class BhashiniError(Exception):
    def __init__(self, message: str, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status

    @property
    def transient(self) -> bool:
        return self.status is None or self.status >= 500 or self.status == 429


@dataclass(frozen=True)
class Task:
    kind: str  # asr | translation | tts
    source: str  # language code (ISO 639-1: hi, mr, ta...)
    target: str | None = None  # translation only

    def language(self) -> dict[str, str]:
        lang = {"sourceLanguage": self.source}
        if self.target:
            lang["targetLanguage"] = self.target
        return lang


@dataclass(frozen=True)
class Pipeline:
    """What a config call answered: where to compute, with which header, and a serviceId per task."""

    callback_url: str
    key_name: str
    key_value: str
    service_ids: tuple[str, ...]
    fetched_at: float


class BhashiniClient:
    def __init__(
        self, config_url: str, user_id: str, api_key: str, pipeline_id: str = DEFAULT_PIPELINE_ID, timeout: float = 15
    ) -> None:
        self.config_url = config_url
        self.user_id = user_id
        self.api_key = api_key
        self.pipeline_id = pipeline_id
        self.timeout = timeout
        self._pipelines: dict[tuple[Task, ...], Pipeline] = {}
        self._lock = threading.Lock()

    # -- the two calls -----------------------------------------------------------------------------------------

    def _post(self, url: str, headers: dict[str, str], body: dict[str, Any]) -> dict[str, Any]:
        try:
            response = httpx.post(url, headers=headers, json=body, timeout=self.timeout)
        except httpx.HTTPError as err:
            raise BhashiniError(f"BHASHINI unreachable: {type(err).__name__}") from err
        if response.status_code >= 400:
            raise BhashiniError(
                f"BHASHINI answered {response.status_code}: {response.text[:200]}", response.status_code
            )
        try:
            data = response.json()
        except ValueError as err:
            raise BhashiniError("BHASHINI answered something that is not JSON", response.status_code) from err
        if not isinstance(data, dict):
            raise BhashiniError("BHASHINI answered an unexpected shape", response.status_code)
        return data

    def pipeline(self, tasks: tuple[Task, ...]) -> Pipeline:
        """The config call (kept CONFIG_TTL_SECONDS per task chain)."""
        with self._lock:
            known = self._pipelines.get(tasks)
        if known and time.monotonic() - known.fetched_at < CONFIG_TTL_SECONDS:
            return known
        body = {
            "pipelineTasks": [{"taskType": t.kind, "config": {"language": t.language()}} for t in tasks],
            "pipelineRequestConfig": {"pipelineId": self.pipeline_id},
        }
        data = self._post(self.config_url, {"userID": self.user_id, "ulcaApiKey": self.api_key}, body)
        try:
            endpoint = data["pipelineInferenceAPIEndPoint"]
            configs = data["pipelineResponseConfig"]
            service_ids = tuple(configs[i]["config"][0]["serviceId"] for i in range(len(tasks)))
            pipeline = Pipeline(
                callback_url=endpoint["callbackUrl"],
                key_name=endpoint["inferenceApiKey"]["name"],
                key_value=endpoint["inferenceApiKey"]["value"],
                service_ids=service_ids,
                fetched_at=time.monotonic(),
            )
        except (KeyError, IndexError, TypeError) as err:
            raise BhashiniError("BHASHINI's pipeline config lacks a field we need") from err
        with self._lock:
            self._pipelines[tasks] = pipeline
        return pipeline

    def compute(
        self, tasks: tuple[Task, ...], input_data: dict[str, Any], extra: dict[str, dict] | None = None
    ) -> list:
        """The compute call; `extra` adds per-task config (audioFormat, gender...) by task kind."""
        pipeline = self.pipeline(tasks)
        body = {
            "pipelineTasks": [
                {
                    "taskType": t.kind,
                    "config": {"language": t.language(), "serviceId": sid, **(extra or {}).get(t.kind, {})},
                }
                for t, sid in zip(tasks, pipeline.service_ids, strict=True)
            ],
            "inputData": input_data,
        }
        data = self._post(pipeline.callback_url, {pipeline.key_name: pipeline.key_value}, body)
        response = data.get("pipelineResponse")
        if not isinstance(response, list) or len(response) != len(tasks):
            raise BhashiniError("BHASHINI's answer has no result for every task")
        return response

    # -- what the app asks for ---------------------------------------------------------------------------------

    def recognise(self, audio: bytes, audio_format: str, language: str, sampling_rate: int = 16000) -> str:
        """ASR: the transcript of `audio` (wav | ogg | webm | flac) spoken in `language`."""
        tasks = (Task("asr", language),)
        config = {"asr": {"audioFormat": audio_format, "samplingRate": sampling_rate}}
        audio_in = {"audio": [{"audioContent": base64.b64encode(audio).decode()}]}
        out = self.compute(tasks, audio_in, config)
        return _first_text(out[-1], "source")

    def translate(self, text: str, source: str, target: str) -> str:
        out = self.compute((Task("translation", source, target),), {"input": [{"source": text}]})
        return _first_text(out[-1], "target")

    def speak(self, text: str, language: str, gender: str = "female") -> bytes:
        """TTS: audio (a WAV, possibly float32) of `text` read in `language`."""
        out = self.compute((Task("tts", language),), {"input": [{"source": text}]}, {"tts": {"gender": gender}})
        try:
            return base64.b64decode(out[-1]["audio"][0]["audioContent"], validate=True)
        except (KeyError, IndexError, TypeError, ValueError) as err:
            raise BhashiniError("BHASHINI's TTS answer has no audio") from err


def _first_text(result: dict, key: str) -> str:
    try:
        return str(result["output"][0][key]).strip()
    except (KeyError, IndexError, TypeError) as err:
        raise BhashiniError(f"BHASHINI's {result.get('taskType', 'task')} answer has no {key}") from err
