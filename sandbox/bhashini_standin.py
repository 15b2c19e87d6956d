"""A local stand-in for BHASHINI's ULCA pipeline API: the config call, then the compute call.

- `POST /ulca/apis/v0/model/getModelsPipeline` checks the `userID` and `ulcaApiKey` headers, reads `pipelineTasks`
  and `pipelineRequestConfig.pipelineId`, and answers `pipelineResponseConfig` (a serviceId per task and language)
  and `pipelineInferenceAPIEndPoint` (callbackUrl + inferenceApiKey {name, value}), as ULCA does.
- `POST /services/inference/pipeline` checks that header, runs the tasks chained (ASR → translation → TTS: each
  task's output is the next one's input) and answers `pipelineResponse`, one entry per task.
- ASR is fixture-based (sandbox/bhashini_fixtures.py); translation knows a few sentences; TTS is espeak-ng's WAV.
- Error mode: `SandboxConfig.provider_faults["bhashini"] = "error"` makes every compute call fail with Dhruva's
  500 JSON (`{"detail": {"kind", "message"}}`); the config call still answers, as in a real inference outage.
"""

from __future__ import annotations

import base64
import binascii
from typing import TYPE_CHECKING

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from kisaan_app.providers.bhashini import CONFIG_PATH
from kisaan_app.providers.sandbox_keys import (
    SANDBOX_BHASHINI_API_KEY,
    SANDBOX_BHASHINI_INFERENCE_KEY,
    SANDBOX_BHASHINI_USER_ID,
)
from sandbox import bhashini_fixtures
from sandbox.outbox import Outbox

if TYPE_CHECKING:
    from sandbox.server import SandboxConfig

PROVIDER = "bhashini"
COMPUTE_PATH = "/services/inference/pipeline"
LANGUAGES = ("en", "hi", "mr", "pa", "gu", "ta", "te", "bn", "kn", "ml", "or", "as", "ur")
TASK_TYPES = ("asr", "translation", "tts")
INFERENCE_HEADER = "Authorization"


def _service_id(task: str, language: dict) -> str:
    """A serviceId shaped like ULCA's ("ai4bharat/indictrans-v2-all-gpu--t4"), fixed per task and languages."""
    source, target = language.get("sourceLanguage", ""), language.get("targetLanguage", "")
    return f"sandbox/{task}-{source}{'-' + target if target else ''}--cpu"


def _error(status: int, message: str, kind: str = "Error") -> JSONResponse:
    return JSONResponse({"detail": {"kind": kind, "message": message}}, status_code=status)


def _languages_ok(task: dict) -> dict | None:
    config = task.get("config") if isinstance(task, dict) else None
    language = config.get("language") if isinstance(config, dict) else None
    if not isinstance(language, dict) or language.get("sourceLanguage") not in LANGUAGES:
        return None
    if task.get("taskType") == "translation" and language.get("targetLanguage") not in LANGUAGES:
        return None
    return language


def make_router(config: SandboxConfig, outbox: Outbox) -> APIRouter:
    router = APIRouter(tags=["bhashini"])

    @router.post(CONFIG_PATH)
    async def pipeline_config(request: Request) -> JSONResponse:
        if (
            request.headers.get("userID") != SANDBOX_BHASHINI_USER_ID
            or request.headers.get("ulcaApiKey") != SANDBOX_BHASHINI_API_KEY
        ):
            outbox.record(PROVIDER, "config.refused", "pipeline config refused: bad userID / ulcaApiKey")
            return JSONResponse({"message": "Invalid userID or ulcaApiKey", "status": 401}, status_code=401)
        body = await request.json()
        tasks = body.get("pipelineTasks") if isinstance(body, dict) else None
        pipeline_id = (body.get("pipelineRequestConfig") or {}).get("pipelineId") if isinstance(body, dict) else None
        if not isinstance(tasks, list) or not tasks or not pipeline_id:
            return JSONResponse({"message": "pipelineTasks and pipelineRequestConfig.pipelineId are required"}, 400)
        configs = []
        for task in tasks:
            language = _languages_ok(task)
            if task.get("taskType") not in TASK_TYPES or language is None:
                return JSONResponse({"message": f"unsupported task {task!r}"}, status_code=400)
            configs.append(
                {
                    "taskType": task["taskType"],
                    "config": [
                        {
                            "serviceId": _service_id(task["taskType"], language),
                            "modelId": f"sandbox-{task['taskType']}",
                            "language": language,
                            **({"supportedVoices": ["male", "female"]} if task["taskType"] == "tts" else {}),
                        }
                    ],
                }
            )
        outbox.record(PROVIDER, "config", f"pipeline {pipeline_id}: {', '.join(t['taskType'] for t in tasks)}")
        return JSONResponse(
            {
                "languages": [{"sourceLanguage": code, "targetLanguageList": list(LANGUAGES)} for code in LANGUAGES],
                "pipelineResponseConfig": configs,
                "feedbackUrl": f"{config.url}/services/feedback/submit",
                "pipelineInferenceAPIEndPoint": {
                    "callbackUrl": f"{config.url}{COMPUTE_PATH}",
                    "inferenceApiKey": {"name": INFERENCE_HEADER, "value": SANDBOX_BHASHINI_INFERENCE_KEY},
                    "isMultilingualEnabled": True,
                    "isSyncApi": True,
                },
                "pipelineInferenceSocketEndPoint": None,
            }
        )

    @router.post(COMPUTE_PATH)
    async def compute(request: Request) -> JSONResponse:
        if request.headers.get(INFERENCE_HEADER) != SANDBOX_BHASHINI_INFERENCE_KEY:
            outbox.record(PROVIDER, "compute.refused", "compute refused: bad inference key")
            return _error(401, "Invalid or missing inference API key", "Unauthorized")
        if config.provider_faults.get(PROVIDER) == "error":
            outbox.record(PROVIDER, "compute.error", "compute failed (error mode)")
            return _error(500, "Model inference failed: upstream Triton server unavailable", "InferenceError")
        body = await request.json()
        tasks = body.get("pipelineTasks") if isinstance(body, dict) else None
        data = body.get("inputData") if isinstance(body, dict) else None
        if not isinstance(tasks, list) or not tasks or not isinstance(data, dict):
            return _error(400, "pipelineTasks and inputData are required", "ValidationError")
        text: str | None = None
        audio: bytes | None = None
        try:
            if data.get("input"):
                text = str(data["input"][0]["source"])
            if data.get("audio"):
                audio = base64.b64decode(data["audio"][0]["audioContent"], validate=True)
        except (KeyError, IndexError, TypeError, binascii.Error):
            return _error(
                400, "inputData.input[].source or inputData.audio[].audioContent is malformed", "ValidationError"
            )
        results = []
        for task in tasks:
            kind = task.get("taskType") if isinstance(task, dict) else None
            language = _languages_ok(task)
            if kind not in TASK_TYPES or language is None:
                return _error(400, f"unsupported task {task!r}", "ValidationError")
            if task["config"].get("serviceId") != _service_id(kind, language):
                return _error(400, f"unknown serviceId {task['config'].get('serviceId')!r}", "ValidationError")
            source = language["sourceLanguage"]
            if kind == "asr":
                if audio is None:
                    return _error(400, "asr needs inputData.audio", "ValidationError")
                text = bhashini_fixtures.transcribe(audio)
                results.append({"taskType": "asr", "config": None, "output": [{"source": text}], "audio": None})
            elif kind == "translation":
                if text is None:
                    return _error(400, "translation needs text", "ValidationError")
                target = language["targetLanguage"]
                out = bhashini_fixtures.translate(text, source, target)
                results.append({"taskType": "translation", "config": None, "output": [{"source": text, "target": out}]})
                text = out
            else:  # tts
                if not text:
                    return _error(400, "tts needs text", "ValidationError")
                if task["config"].get("gender") not in ("male", "female"):
                    return _error(400, "tts needs config.gender male|female", "ValidationError")
                wav = bhashini_fixtures.espeak_wav(text, source)
                results.append(
                    {
                        "taskType": "tts",
                        "config": {
                            "language": language,
                            "audioFormat": "wav",
                            "encoding": "base64",
                            "samplingRate": 22050,
                        },
                        "output": None,
                        "audio": [{"audioContent": base64.b64encode(wav).decode(), "audioUri": None}],
                    }
                )
        outbox.record(PROVIDER, "compute", "compute: " + " → ".join(t["taskType"] for t in tasks))
        return JSONResponse({"pipelineResponse": results})

    return router
