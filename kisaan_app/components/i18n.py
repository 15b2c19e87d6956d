"""`tr("key")`: a catalogue string in the reader's language, as a reactive Var.

The strings travel with the page's script, not with its state: each `tr` call compiles to a small literal of that
key's text in every language, picked in the browser by the reader's language (assets/reader_language.js: the
state's `lang` once it has come over the socket, the language cookie before that and offline). So the state sent
on every page load carries no catalogue (it used to carry all of it, 50–90 KB per hydrate), a page's script
carries only the keys it shows, and a page served offline by the service worker still speaks the reader's
language."""

import json
from collections.abc import Iterable
from typing import Any

import reflex as rx
from reflex.vars import VarData

from kisaan_app.i18n import DEFAULT_LANGUAGE, catalogues
from kisaan_app.state.session import SessionState

_LANG: Any = SessionState.lang  # state vars are typed as their values for mypy; these are Vars
_HYDRATED: Any = rx.State.is_hydrated
_HOOK = f"const kisaanLang = useReaderLanguage({_LANG!s}, Boolean({_HYDRATED!s}));"
_VAR_DATA = VarData.merge(
    _LANG._get_all_var_data(),
    _HYDRATED._get_all_var_data(),
    VarData(imports={"$/public/reader_language.js": ["useReaderLanguage"]}, hooks={_HOOK: None}),
)
# The JS name of the reader's language inside a component that uses any `tr` Var.
READER_LANGUAGE = rx.Var(_js_expr="kisaanLang", _var_data=_VAR_DATA).to(str)


def _texts(key: str) -> tuple[str, dict[str, str]]:
    """(English text, {other language: its text}) — a language lacking the key falls back to English."""
    default = catalogues()[DEFAULT_LANGUAGE].get(key, key)
    others = {
        code: text
        for code, cat in catalogues().items()
        if code != DEFAULT_LANGUAGE and (text := cat.get(key)) is not None and text != default
    }
    return default, others


def tr(key: str) -> rx.Var:
    default, others = _texts(key)
    if not others:  # the same in every language: a plain string, no language needed
        return rx.Var.create(default)
    return rx.Var(
        _js_expr=f"({json.dumps(others, ensure_ascii=False)}[kisaanLang] ?? {json.dumps(default, ensure_ascii=False)})",
        _var_data=_VAR_DATA,
    ).to(str)


def tr_prefixed(prefix: str, code: rx.Var | str, among: Iterable[str] = ()) -> rx.Var:
    """A catalogue string whose key ends in a value only known in the browser, e.g. `severity.` + "red".

    Every key starting with `prefix` travels with the page (or, with `among`, only keys starting with one of
    those), so keep prefixes narrow."""
    starts = tuple(among) or (prefix,)
    keys = sorted(k for k in catalogues()[DEFAULT_LANGUAGE] if k.startswith(starts) and k.startswith(prefix))
    table: dict[str, dict[str, str]] = {}
    for key in keys:
        default, others = _texts(key)
        suffix = key[len(prefix) :]
        table.setdefault(DEFAULT_LANGUAGE, {})[suffix] = default
        for lang, text in others.items():
            table.setdefault(lang, {})[suffix] = text
    english = json.dumps(table.get(DEFAULT_LANGUAGE, {}), ensure_ascii=False)
    localised = json.dumps({k: v for k, v in table.items() if k != DEFAULT_LANGUAGE}, ensure_ascii=False)
    code_js = str(rx.Var.create(code))
    return rx.Var(
        _js_expr=f"((({localised}[kisaanLang] ?? {{}})[{code_js}]) ?? ({english}[{code_js}] ?? ({code_js})))",
        _var_data=VarData.merge(_VAR_DATA, rx.Var.create(code)._get_all_var_data()),
    ).to(str)
