"""/payouts — where a seller is paid, and what each sale sends them (fee, hold, release, bank); for admins, the
reconciliation of Razorpay Route's transfers and settlements against ours."""

import reflex as rx

from kisaan_app.components.feedback import empty_state, error_banner, success_banner
from kisaan_app.components.forms import field, submit_button, text_input
from kisaan_app.components.i18n import tr, tr_prefixed
from kisaan_app.components.layout import page_shell
from kisaan_app.components.tables import native_select
from kisaan_app.state.payouts import PayoutsState as S

STATUS_COLOURS = {
    "awaiting_account": "amber",
    "pending": "gray",
    "on_hold": "blue",
    "released": "green",
    "settled": "green",
    "reversed": "purple",
    "cancelled": "gray",
    "failed": "red",
}
# How far along the money is, for the progress bar: paid → on hold → released → in the bank.
PROGRESS = {"awaiting_account": 10, "pending": 25, "on_hold": 50, "released": 75, "settled": 100}


def _status(status: rx.Var) -> rx.Component:
    colour = rx.match(status, *STATUS_COLOURS.items(), "gray")
    return rx.badge(tr_prefixed("payout_status.", status), color_scheme=colour, size="2", class_name="payout-status")


def _input(name: str, label_key: str, **props) -> rx.Component:
    return field(label_key, text_input(name, **props), S.field_errors.get(name, ""))


def _account_form() -> rx.Component:
    return rx.form(
        rx.vstack(
            rx.heading(tr("payouts.account_heading"), size="4"),
            rx.text(tr("payouts.account_intro"), size="2", color=rx.color("gray", 11)),
            field(
                "payouts.kind",
                native_select(
                    "kind",
                    [("bank", tr("payouts.kind_bank")), ("upi", tr("payouts.kind_upi"))],
                    id="payout-kind",
                    on_change=S.set_payout_kind,
                ),
                S.field_errors.get("kind", ""),
            ),
            rx.cond(
                S.kind == "upi",
                _input("upi_vpa", "payouts.upi_vpa", placeholder="name@bank", auto_complete="off"),
                rx.grid(
                    _input("account_number", "payouts.account_number", input_mode="numeric", auto_complete="off"),
                    _input("ifsc", "payouts.ifsc", placeholder="SBIN0001234", auto_complete="off"),
                    columns=rx.breakpoints(initial="1", sm="2"),
                    spacing="3",
                    width="100%",
                ),
            ),
            rx.grid(
                _input("beneficiary_name", "payouts.beneficiary_name"),
                _input("legal_name", "payouts.legal_name"),
                _input("pan", "payouts.pan", placeholder="ABCDE1234F", auto_complete="off"),
                _input("phone", "payouts.phone", input_mode="tel"),
                _input("email", "payouts.email", input_type="email"),
                _input("street", "payouts.street"),
                _input("city", "payouts.city"),
                _input("state", "payouts.state"),
                _input("pincode", "payouts.pincode", input_mode="numeric"),
                columns=rx.breakpoints(initial="1", sm="2"),
                spacing="3",
                width="100%",
            ),
            error_banner(S.field_errors.get("form", "")),
            submit_button("payouts.save_account", id="payout-account-save", loading=S.busy, disabled=S.busy),
            spacing="3",
            width="100%",
        ),
        on_submit=S.save_account,
        reset_on_submit=False,
        width="100%",
    )


def _account_card() -> rx.Component:
    return rx.card(
        rx.hstack(
            rx.icon("landmark", size=28, color=rx.color("green", 9)),
            rx.vstack(
                rx.text(tr("payouts.paid_to"), size="2", color=rx.color("gray", 11)),
                rx.text(S.account["to"], weight="bold", id="payout-account-to"),
                rx.text(S.account["name"], size="2"),
                spacing="1",
            ),
            rx.spacer(),
            rx.badge(tr_prefixed("linked_account_status.", S.account["status"]), color_scheme="green"),
            align="center",
            width="100%",
        ),
        width="100%",
    )


def _figure(label_key: str, value: rx.Var, **props) -> rx.Component:
    return rx.vstack(
        rx.text(tr(label_key), size="1", color=rx.color("gray", 11)),
        rx.text(value, size="3", **props),
        spacing="0",
    )


def _payout_card(p: rx.Var) -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.hstack(
                rx.text(p.order_number, weight="bold"),
                rx.spacer(),
                _status(p.status),
                width="100%",
                align="center",
            ),
            rx.progress(value=rx.match(p.status, *PROGRESS.items(), 0), color_scheme="green", width="100%"),
            rx.grid(
                _figure("payouts.buyer_paid", p.amount),
                _figure("payouts.fee", p.fee),
                _figure("payouts.you_get", p.seller, weight="bold", color=rx.color("green", 11)),
                columns="3",
                spacing="2",
                width="100%",
            ),
            rx.cond(p.refunded != "", rx.text(tr("payouts.refunded"), " ", p.refunded, size="2")),
            rx.text(
                rx.cond(p.status == "on_hold", tr("payouts.held_until"), tr("payouts.updated")),
                " ",
                p.release,
                size="1",
                color=rx.color("gray", 11),
            ),
            rx.cond(p.mismatch != "", rx.callout(p.mismatch, icon="triangle_alert", color_scheme="red", size="1")),
            spacing="2",
            width="100%",
        ),
        width="100%",
        class_name="payout-card",
    )


def _reconciliation() -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.heading(tr("payouts.reconcile_heading"), size="4"),
            rx.text(tr("payouts.reconcile_intro"), size="2", color=rx.color("gray", 11)),
            rx.button(
                tr("payouts.reconcile_run"), on_click=S.run_reconciliation, loading=S.busy, id="payout-reconcile"
            ),
            rx.cond(S.reconcile_message != "", rx.text(S.reconcile_message, size="2", id="payout-reconciled")),
            rx.cond(
                S.flagged.length() > 0,
                rx.vstack(rx.foreach(S.flagged, _payout_card), spacing="2", width="100%"),
                rx.text(tr("payouts.no_mismatches"), size="2"),
            ),
            spacing="3",
            width="100%",
        ),
        width="100%",
    )


def payouts_page() -> rx.Component:
    return page_shell(
        "nav.payouts",
        rx.callout(S.explainer, icon="info", color_scheme="blue", size="1", width="100%", id="payout-explainer"),
        rx.cond(S.account_saved, success_banner(tr("payouts.account_saved"), id="payout-account-saved")),
        rx.cond(
            S.user_role == "admin",
            _reconciliation(),
            rx.cond(S.has_account, _account_card(), rx.cond(S.loaded, _account_form())),
        ),
        rx.heading(
            rx.cond(S.user_role == "farmer", tr("payouts.list_heading"), tr("payouts.list_heading_all")), size="4"
        ),
        error_banner(S.error),
        rx.cond(
            S.rows.length() > 0,
            rx.vstack(rx.foreach(S.rows, _payout_card), spacing="3", width="100%", id="payouts-list"),
            empty_state("payouts.none", icon="wallet"),
        ),
    )
