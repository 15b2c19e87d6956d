"""Rendered audio (and translations) on disk, named by a hash of everything that made them, bounded in size.

A name is sha256(kind, engine, voice, language, text): the same words in the same voice are rendered once, ever,
and a name says nothing about what it holds to someone who does not already know the words. Writes are atomic
(a temporary file renamed into place); reads touch the file, and when the directory grows past its budget the
least recently used files go first.
"""

import hashlib
import os
import re
import threading
import uuid
from collections.abc import Callable
from pathlib import Path

from kisaan_app.settings import get_settings

HASH_PATTERN = re.compile(r"^[0-9a-f]{64}$")
_locks: dict[str, threading.Lock] = {}
_locks_guard = threading.Lock()


def key(*parts: str) -> str:
    return hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()


def directory(kind: str) -> Path:
    path = get_settings().voice_cache_dir / kind
    path.mkdir(parents=True, exist_ok=True)
    return path


def path_for(kind: str, name: str, suffix: str) -> Path | None:
    """The file for `name` if it is a well-formed hash (never a path someone typed) and exists."""
    if not HASH_PATTERN.match(name):
        return None
    path = directory(kind) / f"{name}{suffix}"
    return path if path.is_file() else None


def _lock_for(name: str) -> threading.Lock:
    with _locks_guard:
        if len(_locks) > 1000:  # forget idle locks now and then
            for stale in [k for k, lock in _locks.items() if not lock.locked()]:
                del _locks[stale]
        return _locks.setdefault(name, threading.Lock())


def get_or_make(kind: str, name: str, suffix: str, make: Callable[[], bytes]) -> tuple[bytes, bool]:
    """(content, was_cached). Two requests for the same new name in one process render it once."""
    with _lock_for(name):
        found = path_for(kind, name, suffix)
        if found is not None:
            try:
                os.utime(found)  # recently used: evicted last
                return found.read_bytes(), True
            except FileNotFoundError:
                pass  # evicted between the check and the read: make it again
        content = make()
        target = directory(kind) / f"{name}{suffix}"
        temporary = target.with_name(f".{uuid.uuid4().hex}.tmp")
        temporary.write_bytes(content)
        os.replace(temporary, target)
    evict()
    return content, False


def evict(budget: int | None = None) -> int:
    """Remove the least recently used files until everything fits `budget` bytes (KISAAN_VOICE_CACHE_MAX_MB);
    returns how many went."""
    budget = get_settings().voice_cache_max_mb * 1024 * 1024 if budget is None else budget
    root = get_settings().voice_cache_dir
    files = []
    for path in root.glob("*/*"):
        try:
            stat = path.stat()
        except FileNotFoundError:
            continue
        files.append((stat.st_mtime, stat.st_size, path))
    total = sum(size for _, size, _ in files)
    removed = 0
    for _mtime, size, path in sorted(files):
        if total <= budget:
            break
        path.unlink(missing_ok=True)
        total -= size
        removed += 1
    return removed
