"""The huey task queue: SQLite file by default, Redis when REDIS_URL is set. Run with `python -m kisaan_app worker`."""

from huey import RedisHuey, SqliteHuey

from kisaan_app.settings import get_settings


def _make_huey():
    settings = get_settings()
    if settings.redis_url:
        return RedisHuey("kisaansay", url=settings.redis_url)
    settings.huey_path.parent.mkdir(parents=True, exist_ok=True)
    return SqliteHuey("kisaansay", filename=str(settings.huey_path))


huey = _make_huey()


# Registers every task module's tasks (kisaan_app/tasks/*.py); they import `huey` from here.
import kisaan_app.tasks  # noqa: E402, F401
