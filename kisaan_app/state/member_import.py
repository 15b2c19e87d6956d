"""/admin/members/import: an FPO admin uploads a members CSV, sees every bad line at once (nothing imported),
or the import's progress bar move live as the job works through it, and downloads the results."""

from dataclasses import dataclass
from typing import ClassVar

import reflex as rx

from kisaan_app.db import session_scope
from kisaan_app.i18n.formatting import local_time
from kisaan_app.models.enums import Role
from kisaan_app.realtime.events import LiveEvent
from kisaan_app.services.context import Principal, RequestMeta
from kisaan_app.services.onboarding import members
from kisaan_app.settings import get_settings
from kisaan_app.state.guard import guarded, off_loop
from kisaan_app.state.session import SessionState


@dataclass(frozen=True)
class ImportCard:
    id: int
    file_name: str
    status: str
    done: int
    total: int
    created: int
    existing: int
    percent: int
    when: str


def _cards(principal: Principal, lang: str) -> list[ImportCard]:
    with session_scope() as session:
        return [
            ImportCard(
                j.id,
                j.file_name,
                j.status,
                j.done_rows,
                j.total_rows,
                j.created_count,
                j.existing_count,
                (100 * j.done_rows // j.total_rows) if j.total_rows else 100,
                local_time(j.created_at, lang),
            )
            for j in members.recent_imports(session, principal)
        ]


def _start(principal: Principal, meta: RequestMeta, raw: bytes, name: str) -> int:
    with session_scope() as session:
        return members.start_import(session, principal, meta, raw, name).total_rows


class MemberImportState(SessionState):
    guard_roles: ClassVar[tuple[str, ...]] = (Role.ORG_ADMIN, Role.ADMIN)
    imports: list[ImportCard] = []
    problems: list[str] = []  # "Line 7, phone: …" for a refused file
    error: str = ""
    message: str = ""
    max_rows: int = 5000
    max_kb: int = 2000

    def _ask(self) -> str:
        return self.lang

    @staticmethod
    def _fetch(principal: Principal, lang: str) -> list[ImportCard]:
        return _cards(principal, lang)

    def _show(self, result: list[ImportCard]) -> None:
        self.imports = result

    @guarded(clear=("message",))
    async def load(self, principal: Principal):
        settings = get_settings()
        self.max_rows, self.max_kb = settings.member_import_max_rows, settings.member_import_max_bytes // 1000
        self.problems = []
        await self._reload(principal)

    @guarded(clear=("message",))
    async def upload(self, principal: Principal, files: list[rx.UploadFile]):
        """The chosen file, read up to the limit (one byte more tells us it is over), checked whole in a thread."""
        self.problems = []
        if not files:
            return
        upload = files[0]
        raw = upload.file.read(get_settings().member_import_max_bytes + 1)
        try:
            total = await off_loop(_start, principal, self._meta(), raw, upload.filename or "members.csv")
        except members.ImportRefused as refused:
            self.problems = refused.lines
            raise
        finally:
            await self._reload(principal)
        self.message = self._tr("onboarding.started", total=total)

    live_topics: ClassVar[tuple[str, ...]] = ("member_import",)
    live_roles: ClassVar[tuple[str, ...]] = (Role.ORG_ADMIN, Role.ADMIN)

    async def _apply_live(self, events: list[LiveEvent]) -> None:
        """The job moved an import on: the progress bars reload from the database."""
        await off_loop(self._reload_live)
