"""Tables that scroll sideways on a phone instead of squashing, and a pager under them."""

import reflex as rx

from kisaan_app.components.i18n import tr


def data_table(header_keys: list[str], rows: rx.Var, render_row, table_id: str, **props) -> rx.Component:
    """A table; class_name="stack-table" (cells with data-label) shows each row as a card on a phone."""
    return rx.box(
        rx.table.root(
            rx.table.header(rx.table.row(*[rx.table.column_header_cell(tr(k)) for k in header_keys])),
            rx.table.body(rx.foreach(rows, render_row)),
            variant="surface",
            size="1",
            width="100%",
            id=table_id,
        ),
        overflow_x="auto",
        width="100%",
        **props,
    )


def pager(page: rx.Var, pages: rx.Var, label: rx.Var, on_move) -> rx.Component:
    return rx.hstack(
        rx.button(tr("common.previous"), on_click=on_move(-1), disabled=page <= 1, variant="soft", size="2"),
        rx.text(label, size="2"),
        rx.button(tr("common.next"), on_click=on_move(1), disabled=page >= pages, variant="soft", size="2"),
        align="center",
        justify="center",
        spacing="3",
        width="100%",
    )


def native_select(
    name: str, options: list[tuple[str, rx.Var | str]] | None = None, *, dynamic=None, value=None, **props
) -> rx.Component:
    """A plain <select>: light, accessible, and friendly to old Android keyboards."""
    children = [rx.el.option(label, value=val) for val, label in (options or [])]
    if dynamic is not None:
        children.append(dynamic)
    extra = {"default_value": value} if value is not None else {}
    return rx.el.select(*children, name=name, id=props.pop("id", name), class_name="native-select", **extra, **props)


def filter_bar(on_submit, *controls: rx.Component) -> rx.Component:
    """A row of filter controls that wraps on a phone; submitting applies them all at once."""
    return rx.form(
        rx.flex(*controls, wrap="wrap", gap="2", width="100%", align="center"),
        on_submit=on_submit,
        reset_on_submit=False,
        width="100%",
    )
