"""The light build: the trimmed Radix stylesheet names every colour the app uses, Radix stays out of the run-time
component registry, and strings travel with the page's script (not its state), in every language."""

import ast
import re
from pathlib import Path

from kisaan_app.i18n import catalogues
from kisaan_app.light_build import COLOURS, RADIX, LightRadixThemes

APP = Path(__file__).resolve().parents[2] / "kisaan_app"
RADIX_COLOURS = (
    "tomato red ruby crimson pink plum purple violet iris indigo blue cyan teal jade green grass brown orange sky "
    "mint lime yellow amber gold bronze gray mauve slate sage olive sand"
).split()


def _colour_values(node: ast.AST) -> set[str]:
    """The colours a table or rx.match gives: a dict's values, a match's (value, colour) pairs and its default."""
    if isinstance(node, ast.Dict):
        return {v.value for v in node.values if isinstance(v, ast.Constant) and isinstance(v.value, str)}
    if isinstance(node, ast.Call):
        found = set()
        for arg in node.args[1:]:
            if isinstance(arg, ast.Tuple) and isinstance(arg.elts[-1], ast.Constant):
                found.add(arg.elts[-1].value)
            elif isinstance(arg, ast.Constant) and isinstance(arg.value, str):
                found.add(arg.value)
        return found
    return set()


def test_every_colour_the_app_names_is_in_the_stylesheet():
    named = set()
    for folder in ("pages", "components"):
        for source in (APP / folder).rglob("*.py"):
            text = source.read_text(encoding="utf-8")
            named |= set(re.findall(r'color_scheme="([a-z]+)"', text))
            named |= set(re.findall(r'rx\.color\("([a-z]+)"', text))
            for node in ast.walk(ast.parse(text)):  # colour tables: STATUS_COLOURS = {...}, colour = rx.match(...)
                if isinstance(node, ast.Assign) and any(
                    isinstance(t, ast.Name) and "colour" in t.id.lower() for t in node.targets
                ):
                    named |= _colour_values(node.value)
    assert {"green", "red", "gray"} <= named  # the scan finds what is there
    missing = (named & set(RADIX_COLOURS)) - set(COLOURS)
    assert not missing, f"add {sorted(missing)} to light_build.COLOURS"


def test_the_stylesheet_is_radix_in_parts():
    sheets = LightRadixThemes().get_stylesheet_paths()
    assert f"{RADIX}/styles.css" not in sheets
    assert sheets[0] == f"{RADIX}/tokens/base.css" and sheets[-2:] == (
        f"{RADIX}/components.css",
        f"{RADIX}/utilities.css",
    )


def test_radix_is_left_out_of_the_run_time_registry():
    from reflex_base.registry import RegistrationContext

    libraries = RegistrationContext.ensure_context().bundled_libraries
    libraries.append(RADIX)
    LightRadixThemes().pre_compile()
    assert RADIX not in libraries and "react" in libraries


def test_a_string_carries_its_texts_not_the_catalogue():
    from kisaan_app.components.i18n import tr

    js = str(tr("connection.offline"))
    assert catalogues()["en"]["connection.offline"] in js and catalogues()["hi"]["connection.offline"] in js
    assert "kisaanLang" in js and "login.title" not in js
    same = str(tr("language.name.__missing__"))  # a key without translations is a plain string
    assert "kisaanLang" not in same


def test_a_prefixed_string_carries_only_its_prefix():
    import reflex as rx

    from kisaan_app.components.i18n import tr_prefixed

    js = str(tr_prefixed("severity.", rx.Var("code")))
    assert catalogues()["hi"]["severity.red"] in js and "connection.offline" not in js
    both = str(tr_prefixed("", rx.Var("code"), among=("bid_status.", "order_status.")))
    assert "bid_status.accepted" in both or "bid_status." in both
    assert "connection.offline" not in both


def test_the_state_sends_no_catalogue():
    from kisaan_app.state.session import SessionState

    assert "t" not in SessionState.computed_vars and "lang" in SessionState.base_vars
