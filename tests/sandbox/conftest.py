"""Fixtures every stand-in test module gets its own of: an outbox, and a config on free ports."""

import pytest

from sandbox.outbox import Outbox
from sandbox.server import SandboxConfig, free_port


@pytest.fixture(scope="module")
def outbox() -> Outbox:
    return Outbox()


@pytest.fixture(scope="module")
def config() -> SandboxConfig:
    return SandboxConfig(port=free_port(), smtp_port=free_port())
