"""Data saver: on a phone that asks for it (the device's own data-saver, which also sends `Save-Data`, or the
switch on the settings page), photos and charts wait behind a "Show photo" / "Show chart" button until tapped.

The switch lives on the device (localStorage), not the account: it is about this phone's data plan. The tap and
the switch are handled in the browser by assets/kisaan-offline.js, which marks <html> `kisaan-data-saver`;
assets/styles.css hides what is marked heavy. Hidden photos are `loading="lazy"`, so they are not fetched."""

import reflex as rx

from kisaan_app.components.i18n import tr

SETTING_ID = "data-saver-setting"


def data_heavy(content: rx.Component, label_key: str) -> rx.Component:
    """A photo or chart shown at once normally, and only when tapped in data-saver mode."""
    return rx.box(
        rx.el.button(tr(label_key), type="button", class_name="data-heavy-reveal"),
        content,
        class_name="data-heavy",
        width="100%",
    )


def data_saver_setting() -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.heading(tr("data_saver.title"), size="4"),
            rx.text(tr("data_saver.hint"), size="2", color=rx.color("gray", 11)),
            rx.el.select(
                rx.el.option(tr("data_saver.auto"), value="auto"),
                rx.el.option(tr("data_saver.on"), value="on"),
                rx.el.option(tr("data_saver.off"), value="off"),
                id=SETTING_ID,
                class_name="native-select",
                aria_label=tr("data_saver.title"),
            ),
            spacing="2",
            width="100%",
        ),
        width="100%",
    )
