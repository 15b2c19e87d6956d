"""What the production build leaves out so a farmer's phone downloads less (issue 13's byte budgets).

Radix Themes' one stylesheet (`@radix-ui/themes/styles.css`, ~52 KB brotli) carries all 30 colour scales, light
and dark, in sRGB and P3. Radix documents importing its parts instead: the base tokens, only the colour scales
the app uses, the components and the utilities. The app's colours are green (the accent; its grey is "auto",
which for green is sage) and the status colours of badges and callouts below.

Reflex also hands every plugin's npm package to `window.__reflex` for components built at run time from state
(`rx.Component` vars), importing the whole of `@radix-ui/themes` into the root script of every page: all ~60
components, ~60 KB brotli, whether a page shows a table, a dialog or neither. Kisaansay builds no component at
run time, so the build leaves Radix out of that registry and each page loads only the components it uses."""

from typing import Any

import reflex as rx
from reflex_base.registry import RegistrationContext

RADIX = "@radix-ui/themes"
# Every colour a `color_scheme=` or `rx.color(...)` in kisaan_app names (tests/unit/test_light_build.py checks).
COLOURS = ("gray", "sage", "green", "red", "orange", "amber", "blue", "purple")


class LightRadixThemes(rx.plugins.RadixThemesPlugin):
    def get_stylesheet_paths(self, **context: Any) -> tuple[str, ...]:
        if not self.enabled:
            return ()
        return (
            f"{RADIX}/tokens/base.css",
            *(f"{RADIX}/tokens/colors/{colour}.css" for colour in COLOURS),
            f"{RADIX}/components.css",
            f"{RADIX}/utilities.css",
        )

    def pre_compile(self, **context: Any) -> None:
        # Runs after Reflex registered the plugins' packages for run-time components, before the root is written.
        libraries = RegistrationContext.ensure_context().bundled_libraries
        libraries[:] = [library for library in libraries if library != RADIX]
