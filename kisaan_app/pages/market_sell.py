"""/market/sell: list produce. Crop, district and state come from lists in the reader's language (typing
anything still works and is matched across scripts); every wrong field shows its own error at once, what was
typed stays, the button is busy while it sends, and a double tap lists once."""

import reflex as rx

from kisaan_app.components.feedback import empty_state, error_banner, success_banner
from kisaan_app.components.forms import field
from kisaan_app.components.i18n import tr
from kisaan_app.components.layout import page_shell
from kisaan_app.components.tables import native_select
from kisaan_app.pages.market import _card
from kisaan_app.state.selling import SellState as S

UNITS = ("quintal", "kg", "tonne")
LISTS = {"crop": S.crop_choices, "district": S.district_choices, "state": S.state_choices}


def _text_field(key: str, name: str, **props) -> rx.Component:
    """An input bound to the draft (so the price hint follows it), with its error underneath; crop, district and
    state offer their list as the person types."""
    choices = LISTS.get(name)
    extra = {"custom_attrs": {"list": f"{name}-choices"}, "auto_complete": "off"} if choices is not None else {}
    return rx.box(
        field(
            key,
            rx.input(
                name=name,
                id=f"sell-{name}",
                on_change=lambda v: S.update_draft(name, v),
                default_value=S.draft.get(name, ""),
                aria_invalid=rx.cond(S.field_errors.contains(name), "true", "false"),
                **extra,
                **props,
            ),
            S.field_errors.get(name, ""),
        ),
        rx.el.datalist(rx.foreach(choices, lambda c: rx.el.option(value=c)), id=f"{name}-choices")
        if choices is not None
        else rx.fragment(),
        flex="1 1 10em",
        min_width="0",
    )


def _form() -> rx.Component:
    return rx.form(
        rx.vstack(
            rx.el.input(type="hidden", name="form_key", value=S.form_key),
            rx.cond(
                S.members.length() > 0,
                field(
                    "market.for_farmer",
                    native_select(
                        "farmer_id",
                        [("", tr("market.choose_farmer"))],
                        dynamic=rx.foreach(S.members, lambda m: rx.el.option(m[1], value=m[0])),
                        id="sell-farmer",
                    ),
                    S.field_errors.get("farmer_id", ""),
                ),
            ),
            rx.flex(
                _text_field("market.crop", "crop", required=True),
                _text_field("market.variety", "variety"),
                _text_field("market.grade", "grade"),
                wrap="wrap",
                gap="2",
            ),
            rx.flex(
                _text_field("market.quantity", "quantity", input_mode="decimal", required=True),
                rx.box(
                    field(
                        "market.unit",
                        native_select(
                            "unit",
                            [(u, tr(f"unit.{u}")) for u in UNITS],
                            id="sell-unit",
                            on_change=lambda v: S.update_draft("unit", v),
                        ),
                    ),
                    flex="0 1 8em",
                ),
                _text_field("market.price_per_unit", "price", input_mode="decimal", required=True),
                wrap="wrap",
                gap="2",
            ),
            rx.cond(
                S.hint != "",
                rx.callout(
                    S.hint,
                    icon="chart_line",
                    size="1",
                    id="price-hint",
                    color_scheme=rx.cond(S.hint_warning, "orange", "blue"),
                ),
            ),
            rx.cond(
                S.hint_warning,
                rx.text(tr("market.far_below"), color=rx.color("orange", 11), size="2", id="price-warning"),
            ),
            _text_field("market.auto_accept", "auto_accept", input_mode="decimal"),
            rx.flex(
                rx.box(
                    field(
                        "market.available_from",
                        rx.input(name="available_from", type="date", id="sell-available_from"),
                        S.field_errors.get("available_from", ""),
                    ),
                    flex="1 1 10em",
                ),
                rx.box(
                    field(
                        "market.available_until",
                        rx.input(name="available_until", type="date", id="sell-available_until"),
                        S.field_errors.get("available_until", ""),
                    ),
                    flex="1 1 10em",
                ),
                wrap="wrap",
                gap="2",
            ),
            rx.flex(
                _text_field("market.village", "village"),
                _text_field("market.district", "district", required=True),
                _text_field("market.state", "state", required=True),
                wrap="wrap",
                gap="2",
            ),
            field(
                "market.description",
                rx.text_area(name="description", max_length=1000, id="sell-description"),
                S.field_errors.get("description", ""),
            ),
            rx.button(
                tr("market.list"),
                type="submit",
                id="sell-submit",
                size="3",
                loading=S.sending,
                disabled=S.sending,
            ),
            error_banner(S.field_errors.get("form", "")),
            success_banner(S.message),
            align="stretch",
        ),
        on_submit=S.create,
        reset_on_submit=False,
        key=S.form_key,  # a new key after a success remounts the form: empty again, the farmer's place refilled
    )


def sell_page() -> rx.Component:
    return page_shell(
        "nav.sell",
        rx.card(_form(), width="100%"),
        rx.heading(tr("market.my_listings"), size="4"),
        rx.cond(
            S.mine.length() > 0,
            rx.vstack(rx.foreach(S.mine, _card), width="100%", id="my-listings"),
            empty_state("market.no_listings", icon="wheat"),
        ),
    )
