"""Fault tests: real app processes cut off from the parts they depend on, bounded in time by KISAAN_FAULT_* settings."""

from urllib.parse import urlsplit

import pytest

from tests.faults.proxy import TcpProxy
from tests.services import require_redis


@pytest.fixture
def redis_proxy():
    """A TCP proxy of this test's own in front of the shared Redis: black-hole it, never the server itself."""
    target = urlsplit(require_redis())
    with TcpProxy(target.hostname or "127.0.0.1", target.port or 6379) as proxy:
        yield proxy
