"""A TCP proxy of the test's own, to cut an app off from a shared server (Redis) without touching that server.

`black_hole()` makes the network silent the way a dead route or a hung server does: connections stay open and
new ones are accepted, but nothing gets through either way, so every client waits on its own timeouts.
`restore()` lets traffic through again; connections opened before or during the silence are closed (their
bytes were lost, their protocol state is broken, as after a real partition the peer would time them out).
"""

import asyncio
import threading
from dataclasses import dataclass, field


@dataclass(eq=False)  # links are told apart by identity (kept in a set)
class _Link:
    writers: list[asyncio.StreamWriter] = field(default_factory=list)
    silenced: bool = False


class TcpProxy:
    def __init__(self, upstream_host: str, upstream_port: int) -> None:
        self.upstream = (upstream_host, upstream_port)
        self.port = 0
        self.silent = False
        self._links: set[_Link] = set()
        self._loop = asyncio.new_event_loop()
        self._server: asyncio.Server | None = None
        self._thread = threading.Thread(target=self._loop.run_forever, name="test-tcp-proxy", daemon=True)

    def __enter__(self) -> "TcpProxy":
        self._thread.start()
        asyncio.run_coroutine_threadsafe(self._start(), self._loop).result(timeout=5)
        return self

    def __exit__(self, *_exc) -> None:
        asyncio.run_coroutine_threadsafe(self._stop(), self._loop).result(timeout=5)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=5)
        self._loop.close()

    def url(self, scheme: str = "redis", path: str = "/0") -> str:
        return f"{scheme}://127.0.0.1:{self.port}{path}"

    def black_hole(self) -> None:
        asyncio.run_coroutine_threadsafe(self._set_silent(True), self._loop).result(timeout=5)

    def restore(self) -> None:
        asyncio.run_coroutine_threadsafe(self._set_silent(False), self._loop).result(timeout=5)

    async def _start(self) -> None:
        self._server = await asyncio.start_server(self._accept, "127.0.0.1", 0)
        self.port = self._server.sockets[0].getsockname()[1]

    async def _stop(self) -> None:
        if self._server is not None:
            self._server.close()
        for link in list(self._links):
            self._close(link)
        pending = [task for task in asyncio.all_tasks() if task is not asyncio.current_task()]
        for task in pending:
            task.cancel()
        await asyncio.gather(*pending, return_exceptions=True)

    async def _set_silent(self, silent: bool) -> None:
        self.silent = silent
        for link in list(self._links):
            if silent:
                link.silenced = True
            elif link.silenced:
                self._close(link)

    def _close(self, link: _Link) -> None:
        for writer in link.writers:
            writer.close()
        self._links.discard(link)

    async def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        link = _Link(writers=[writer], silenced=self.silent)
        self._links.add(link)
        if link.silenced:  # accepted, then nothing: read and drop until the client gives up or we restore
            await self._pipe(reader, None, link)
            return
        try:
            up_reader, up_writer = await asyncio.open_connection(*self.upstream)
        except OSError:
            self._close(link)
            return
        link.writers.append(up_writer)
        await asyncio.gather(self._pipe(reader, up_writer, link), self._pipe(up_reader, writer, link))
        self._close(link)

    async def _pipe(self, source: asyncio.StreamReader, sink: asyncio.StreamWriter | None, link: _Link) -> None:
        try:
            while data := await source.read(65536):
                if sink is None or link.silenced:
                    continue  # the black hole: bytes vanish
                sink.write(data)
                await sink.drain()
        except (OSError, asyncio.CancelledError):
            pass
        finally:
            if not link.silenced:
                self._close(link)
