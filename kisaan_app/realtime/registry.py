"""Which Reflex clients this process holds, by address: `user:{id}`, `org:{id}`, `managers:{id}` and `all`.

Reflex has no rooms: each process keeps its own map and applies an event only to the tokens it holds.
"""

import threading
from dataclasses import dataclass

from kisaan_app.realtime.events import ALL, targets_for


@dataclass(frozen=True)
class ClientInfo:
    token: str
    user_id: int
    organization_id: int | None
    role: str


class ClientRegistry:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._clients: dict[str, ClientInfo] = {}
        self._by_target: dict[str, set[str]] = {}

    def register(self, info: ClientInfo) -> None:
        with self._lock:
            self._forget(info.token)
            self._clients[info.token] = info
            for target in targets_for(info.user_id, info.organization_id, info.role):
                self._by_target.setdefault(target, set()).add(info.token)

    def unregister(self, token: str) -> ClientInfo | None:
        with self._lock:
            return self._forget(token)

    def _forget(self, token: str) -> ClientInfo | None:
        info = self._clients.pop(token, None)
        if info is not None:
            for target in targets_for(info.user_id, info.organization_id, info.role):
                tokens = self._by_target.get(target)
                if tokens is not None:
                    tokens.discard(token)
                    if not tokens:
                        del self._by_target[target]
        return info

    def tokens_for(self, target: str) -> list[str]:
        with self._lock:
            if target == ALL:
                return list(self._clients)
            return list(self._by_target.get(target, ()))

    def tokens(self) -> list[str]:
        with self._lock:
            return list(self._clients)

    def get(self, token: str) -> ClientInfo | None:
        return self._clients.get(token)

    def __len__(self) -> int:
        return len(self._clients)


registry = ClientRegistry()
