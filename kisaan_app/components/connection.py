"""The connection banner: "Reconnecting…" while the state socket is down, "Offline — showing what you saw at
10:42" while the browser has no network, nothing while live. It replaces Reflex's English-only toast
("Cannot connect to server: websocket error", see kisaan_app.py) and speaks the farmer's language.

It runs in the browser: the page cannot ask the server whether the server is reachable. One React hook
follows navigator.onLine and Reflex's socket errors, and notes the time the page stopped having live data
(online, socket up, state hydrated). Every Var below carries that hook, so whichever component function
renders one declares it."""

import reflex as rx
from reflex.vars import VarData

from kisaan_app.components.i18n import tr

_HYDRATED = rx.State.is_hydrated

# The time shows as the rest of the app shows times: 24-hour clock, Indian Standard Time (i18n/formatting.py).
_HOOK = f"""
const kisaanConnectErrors = useContext(EventLoopContext)[1];
const [kisaanOnline, setKisaanOnline] = useState(true);
const [kisaanLastLive, setKisaanLastLive] = useState("");
const kisaanWasLive = useRef(false);
useEffect(() => {{
  const follow = () => setKisaanOnline(navigator.onLine);
  follow();
  window.addEventListener("online", follow);
  window.addEventListener("offline", follow);
  return () => {{
    window.removeEventListener("online", follow);
    window.removeEventListener("offline", follow);
  }};
}}, []);
const kisaanLive = kisaanOnline && kisaanConnectErrors.length === 0 && Boolean({_HYDRATED!s});
useEffect(() => {{
  if (kisaanLive) {{
    kisaanWasLive.current = true;
  }} else if (kisaanWasLive.current) {{
    kisaanWasLive.current = false;
    setKisaanLastLive(new Date().toLocaleTimeString("en-GB", {{
      hour: "2-digit", minute: "2-digit", hourCycle: "h23", timeZone: "Asia/Kolkata",
    }}));
  }}
}}, [kisaanLive]);
const kisaanConnection = !kisaanOnline ? "offline" : (kisaanConnectErrors.length > 0 ? "reconnecting" : "live");
"""

_VAR_DATA = VarData.merge(
    _HYDRATED._get_all_var_data(),
    VarData(
        imports={
            "react": ["useContext", "useEffect", "useRef", "useState"],
            "$/utils/context": ["EventLoopContext"],
        },
        hooks={_HOOK: None},
    ),
)

# "live" | "reconnecting" | "offline"
connection_mode = rx.Var(_js_expr="kisaanConnection", _var_data=_VAR_DATA).to(str)
# HH:MM when the page last had live data, "" if it never had any.
last_live_time = rx.Var(_js_expr="kisaanLastLive", _var_data=_VAR_DATA).to(str)


def _offline_text() -> rx.Var:
    return rx.cond(
        last_live_time != "",
        tr("connection.offline_at").to(str).replace("{time}", last_live_time),
        tr("connection.offline"),
    )


def connection_banner() -> rx.Component:
    """Always mounted (so the hook keeps its memory of the last live moment); hidden while live."""
    return rx.el.div(
        rx.cond(
            connection_mode == "offline",
            rx.icon("wifi_off", size=16),
            rx.icon("refresh_cw", size=16),
        ),
        rx.el.span(rx.cond(connection_mode == "offline", _offline_text(), tr("connection.reconnecting"))),
        id="connection-banner",
        role="status",
        aria_live="polite",
        custom_attrs={"data-state": connection_mode},
        display=rx.cond(connection_mode == "live", "none", "flex"),
        align_items="center",
        justify_content="center",
        gap="0.5em",
        padding="0.35em 0.75em",
        margin="0.5rem -0.75rem -0.5rem",
        font_size="0.9rem",
        font_weight="500",
        color="#3b2a00",
        background_color=rx.cond(connection_mode == "offline", "#ffd98a", "#fff3c4"),
    )
