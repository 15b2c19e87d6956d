"""The REST API as a process of its own: `uvicorn --factory kisaan_app.asgi:create_app`.

A composition root, like the Reflex app (kisaan_app.kisaan_app) that mounts the same API: it imports the tasks
package so every job services enqueue by name is registered in this process.
"""

from fastapi import FastAPI

import kisaan_app.tasks  # noqa: F401 - registers every named job (see kisaan_app/jobs.py)
from kisaan_app import observability
from kisaan_app.api import create_api


def create_app() -> FastAPI:
    observability.setup("api")  # before the app is built, so its routes and engine are traced when asked for
    return create_api()
