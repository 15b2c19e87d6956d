"""Inputs bound to a state's draft (kisaan_app/state/drafts.py): the state can fill, check and re-fill them."""

import reflex as rx


def draft_input(state, name: str, *, multiline: bool = False, **props) -> rx.Component:
    control = rx.text_area if multiline else rx.input
    return control(
        value=state.draft.get(name, ""), on_change=lambda v: state.set_draft(name, v), id=props.pop("id", name), **props
    )


def draft_select(state, name: str, options, *, dynamic=None, **props) -> rx.Component:
    """A native select (like tables.native_select) but controlled, so filling the draft moves it."""
    children = [rx.el.option(label, value=val) for val, label in options]
    if dynamic is not None:
        children.append(dynamic)
    return rx.el.select(
        *children,
        name=name,
        id=props.pop("id", name),
        value=state.draft.get(name, ""),
        on_change=lambda v: state.set_draft(name, v),
        class_name="native-select",
        **props,
    )
