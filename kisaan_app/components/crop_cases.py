"""A crop-health case's step as a coloured badge, the same on the farmer's dashboard and the helpers' page."""

import reflex as rx

from kisaan_app.components.i18n import tr_prefixed


def case_status_badge(status: rx.Var) -> rx.Component:
    colour = rx.match(status, ("open", "red"), ("acknowledged", "amber"), ("advised", "blue"), "gray")
    return rx.badge(tr_prefixed("crop_cases.status.", status), color_scheme=colour, class_name="case-status")
