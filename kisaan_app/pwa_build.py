"""The service worker is built, not written by hand: after every production build, this Reflex plugin runs
tools/service-worker/build.mjs (esbuild + Workbox injectManifest) over the finished build, so the worker
precaches exactly the files of this build: the shell and the farmer's pages with the hashed scripts and styles
they load. Other pages are cached as they are visited."""

import shutil
import subprocess
from pathlib import Path

import reflex as rx

TOOLS = Path(__file__).resolve().parents[1] / "tools"
BUILD_SCRIPT = TOOLS / "service-worker" / "build.mjs"

# The pages a farmer needs on a bad day: the dashboard (the signed-in home), the market, selling, orders, and
# the login page. Admin pages are left to the network (and the runtime cache once visited).
OFFLINE_ROUTES = ("/", "/login", "/market", "/market/listing", "/market/sell", "/orders")


class ServiceWorkerPlugin(rx.plugins.Plugin):
    def post_build(self, **context) -> None:
        node = shutil.which("node")
        if node is None:
            raise RuntimeError("node is not on PATH: the service worker cannot be built (make setup installs it)")
        static_dir = Path(context["static_dir"]).resolve()
        subprocess.run([node, str(BUILD_SCRIPT), str(static_dir), *OFFLINE_ROUTES], check=True, cwd=TOOLS)
