"""`tr("key")`: a catalogue string in the reader's current language, as a reactive Var."""

from kisaan_app.state.session import SessionState


def tr(key: str):
    return SessionState.t[key]
