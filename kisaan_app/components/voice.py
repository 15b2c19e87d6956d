"""Voice pieces for any page (behaviour in assets/voice.js, work on the server in api/voice.py): a Listen button
for an item, the push-to-talk box with its typed fallback, and a Translate button for someone's note. Each
carries its words in the reader's language as data-* attributes; the script hides them when the server says
it cannot speak, hear or translate."""

import reflex as rx

from kisaan_app.components.i18n import tr
from kisaan_app.state.session import SessionState

COMMAND_MAX_SECONDS = 8  # the browser stops recording here; the server has its own limit (settings)


def listen_button(kind: str, ref: rx.Var | str) -> rx.Component:
    """Reads an inbox item, a weather warning or a price row aloud (kind: inbox | weather | price)."""
    return rx.button(
        rx.icon("volume_2", size=14),
        rx.el.span(tr("voice.listen"), custom_attrs={"data-voice-label": ""}),
        type="button",
        size="1",
        variant="soft",
        color_scheme="green",
        class_name="listen-button",
        aria_label=tr("voice.listen"),
        custom_attrs={
            "data-listen-kind": kind,
            "data-listen-ref": ref,
            "data-listen-label": tr("voice.listen"),
            "data-loading": tr("voice.loading"),
            "data-stop": tr("voice.stop"),
            "data-lang": SessionState.lang,
        },
    )


def translate_button(kind: str, item_id: rx.Var | int) -> rx.Component:
    """Swaps the surrounding [data-translate-box]'s [data-translate-text] for its translation, and back."""
    return rx.button(
        rx.icon("languages", size=14),
        rx.el.span(tr("voice.translate"), custom_attrs={"data-voice-label": ""}),
        type="button",
        size="1",
        variant="ghost",
        color_scheme="gray",
        class_name="translate-button",
        custom_attrs={
            "data-translate-kind": kind,
            "data-translate-id": item_id,
            "data-translate-label": tr("voice.translate"),
            "data-original-label": tr("voice.show_original"),
            "data-loading": tr("voice.loading"),
            "data-lang": SessionState.lang,
        },
    )


def voice_search(box_id: str) -> rx.Component:
    """Hold the microphone and say "प्याज़ का भाव", or type it: the matches come back as tappable choices."""
    return rx.card(
        rx.vstack(
            rx.heading(tr("voice.ask_title"), size="3"),
            rx.el.form(
                rx.button(
                    rx.icon("mic", size=18),
                    rx.el.span(tr("voice.hold_to_speak"), custom_attrs={"data-voice-label": ""}),
                    type="button",
                    size="3",
                    color_scheme="green",
                    class_name="voice-mic",
                    custom_attrs={
                        "data-voice-mic": "",
                        "data-idle-label": tr("voice.hold_to_speak"),
                        "data-recording": tr("voice.listening"),
                        "data-max-seconds": str(COMMAND_MAX_SECONDS),
                        "data-lang": SessionState.lang,
                    },
                ),
                rx.el.input(
                    name="text",
                    type="search",
                    max_length=200,
                    placeholder=tr("voice.type_hint"),
                    aria_label=tr("voice.type_hint"),
                    class_name="voice-text",
                    id=f"{box_id}-text",
                ),
                rx.button(tr("voice.go"), type="submit", size="3", variant="soft", color_scheme="green"),
                class_name="voice-form",
                custom_attrs={"data-voice-form": ""},
            ),
            rx.box(class_name="voice-results", role="status", custom_attrs={"data-voice-results": ""}),
            spacing="2",
            align="stretch",
            width="100%",
        ),
        class_name="voice-box",
        id=box_id,
        width="100%",
        custom_attrs={
            "data-voice-box": "",
            "data-lang": SessionState.lang,
            "data-heard": tr("voice.heard"),
            "data-not-understood": tr("voice.not_understood"),
            "data-mic-unavailable": tr("voice.mic_unavailable"),
        },
    )
