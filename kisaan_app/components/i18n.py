"""`tr("key")`: a catalogue string in the reader's current language, as a reactive Var."""

from kisaan_app.state.session import SessionState


def tr(key: str):
    return SessionState.t[key]


def tr_prefixed(prefix: str, code):
    """A catalogue string whose key ends in a value only known in the browser, e.g. `severity.` + "red"."""
    return SessionState.t[prefix + code]
