"""`python -m sandbox`: the provider stand-ins on 127.0.0.1, sending their webhooks to the app.

Ports and the app's URL come from the app's settings (KISAAN_SANDBOX_PORT, KISAAN_SANDBOX_SMTP_PORT,
KISAAN_PUBLIC_URL), so the stand-ins listen where the app's SDKs look for them. Ctrl-C (SIGINT) stops it.
"""

import sys
import time

from kisaan_app.settings import get_settings
from sandbox.server import SandboxConfig, SandboxServer


def main() -> int:
    settings = get_settings()
    config = SandboxConfig(
        port=settings.sandbox_port, app_url=settings.public_url, smtp_port=settings.sandbox_smtp_port
    )
    with SandboxServer(config):
        print(f"provider sandbox on {config.url} (outbox: {config.url}/outbox)", flush=True)
        try:
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            return 0


if __name__ == "__main__":
    sys.exit(main())
