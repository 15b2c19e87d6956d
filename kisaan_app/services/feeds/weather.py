"""IMD-style weather warnings for a district: issued by admins (FPO admins for their members' districts),
live on every farmer's dashboard in that district and in their inbox."""

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import case
from sqlalchemy import func as sa_func
from sqlmodel import Session, col, select

from kisaan_app import jobs
from kisaan_app.i18n import available_languages, t
from kisaan_app.models.accounts import FarmerProfile, User
from kisaan_app.models.base import utcnow
from kisaan_app.models.enums import Role
from kisaan_app.models.feeds import SEVERITIES, WeatherAlert
from kisaan_app.realtime import send_on_commit, user_target
from kisaan_app.realtime.payloads import WeatherUpdate
from kisaan_app.services import audit, district_names
from kisaan_app.services.authz import require_role
from kisaan_app.services.context import Principal, RequestMeta
from kisaan_app.services.errors import NotFound, PermissionDenied, ValidationFailed
from kisaan_app.services.notifications import Audience, notify
from kisaan_app.services.notifications.audience import Reach

CRITICAL = ("red", "orange")
_RANK = case({"red": 0, "orange": 1, "yellow": 2, "green": 3}, value=WeatherAlert.severity)


def farmers_in_district(session: Session, district: str, organization_id: int | None = None) -> list[User]:
    stmt = (
        select(User)
        .join(FarmerProfile, FarmerProfile.user_id == User.id)
        .where(sa_func.lower(FarmerProfile.district) == district.strip().lower(), User.is_active)
    )
    if organization_id is not None:
        stmt = stmt.where(User.organization_id == organization_id)
    return list(session.exec(stmt).all())


# Every channel a warning goes out on: the inbox at once, the others from a job after commit.
REACH_CHANNELS = ("in_app", "push", "sms", "email")


@dataclass(frozen=True)
class WarningReach:
    """Who a warning for a district would reach, before it is sent: the same count issue_alert acts on."""

    district: str  # as recorded for its farmers ("nashik " -> "Nashik"), or as typed when nobody is there
    farmers: int
    channels: dict[str, int] = field(default_factory=dict)  # people per channel
    languages: dict[str, int] = field(default_factory=dict)  # people per preferred language
    suggestion: str = ""  # "Nashik" when "Nasik" reaches nobody


def _scope(actor: Principal) -> int | None:
    """An FPO admin warns their own members only; a platform admin warns every farmer in the district."""
    return actor.organization_id if actor.role == Role.ORG_ADMIN else None


def _reach(session: Session, actor: Principal, district: str, severity: str) -> tuple[WarningReach, list[User]]:
    scope = _scope(actor)
    known = district_names.farmer_districts(session, scope)
    name = district_names.same(district, known) or " ".join(district.split())
    farmers = farmers_in_district(session, name, scope) if name else []
    if not farmers:
        suggestion = district_names.closest(name, known) or "" if name else ""
        return WarningReach(name, 0, dict.fromkeys(REACH_CHANNELS, 0), {}, suggestion), []
    reach = Reach.load(session, farmers)
    critical = severity in CRITICAL
    channels = {ch: sum(1 for f in farmers if reach.targets(f, ch, "weather", critical)) for ch in REACH_CHANNELS}
    languages: dict[str, int] = {}
    for farmer in farmers:
        languages[farmer.preferred_language] = languages.get(farmer.preferred_language, 0) + 1
    return WarningReach(name, len(farmers), channels, languages), farmers


def warning_reach(session: Session, actor: Principal, district: str, severity: str = "yellow") -> WarningReach:
    """The preview an admin confirms: how many farmers of `district` on which channels, in which languages."""
    require_role(actor, Role.ADMIN, Role.ORG_ADMIN)
    return _reach(session, actor, district, severity)[0]


def _refuse_no_reach(actor: Principal, reach: WarningReach, allow_empty: bool) -> None:
    if reach.suggestion:
        raise ValidationFailed("alert_district_unknown", field="district", suggestion=reach.suggestion)
    if actor.role == Role.ORG_ADMIN:
        raise PermissionDenied("alert_district_not_yours", field="district")
    if not allow_empty:
        raise ValidationFailed("alert_no_farmers", field="district", district=reach.district)


def _check_text(title: str, message: str, suffix: str = "") -> None:
    if not 3 <= len(title.strip()) <= 160:
        raise ValidationFailed("alert_title", field="title" + suffix)
    if not 3 <= len(message.strip()) <= 1000:
        raise ValidationFailed("alert_message", field="message" + suffix)


def _clean_texts(texts: dict[str, dict[str, str]] | None) -> dict[str, dict[str, str]] | None:
    """The warning's other languages: known languages only, each a whole title and message."""
    if not texts:
        return None
    known = available_languages()
    clean = {}
    for language, text in texts.items():
        if language not in known or not isinstance(text, dict):
            raise ValidationFailed("invalid_language", field="texts")
        title, message = str(text.get("title", "")), str(text.get("message", ""))
        _check_text(title, message, f"_{language}")
        clean[language] = {"title": title.strip(), "message": message.strip()}
    return clean


def text_for(alert: WeatherAlert, language: str) -> tuple[str, str]:
    """(title, message) in the reader's language, else in the language the warning was first written in."""
    text = (alert.texts or {}).get(language)
    return (text["title"], text["message"]) if text else (alert.title, alert.message)


def _check(district: str, severity: str, title: str, message: str, valid_from: datetime, valid_until: datetime):
    if not district.strip():
        raise ValidationFailed("alert_district_required", field="district")
    if severity not in SEVERITIES:
        raise ValidationFailed("alert_severity", field="severity")
    _check_text(title, message)
    # A time without a zone is ambiguous (IST and UTC are 5½ hours apart) and cannot be compared with now.
    # Pages pass aware times and the API refuses bare ones with a 422, so this guards other callers only.
    for name, value in (("valid_from", valid_from), ("valid_until", valid_until)):
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValidationFailed("alert_validity", field=name)
    if valid_until <= valid_from or valid_until <= utcnow():
        raise ValidationFailed("alert_validity", field="valid_until")


def check_warning(
    session: Session,
    actor: Principal,
    *,
    district: str,
    severity: str,
    title: str,
    message: str,
    valid_from: datetime,
    valid_until: datetime,
    texts: dict[str, dict[str, str]] | None = None,
    allow_empty: bool = False,
) -> tuple[WarningReach, list[User], dict[str, dict[str, str]] | None]:
    """Every rule a warning must pass, without writing: the admin's preview shows its reach, and issue_alert
    runs it again when they confirm. A district that reaches nobody is refused (with "did you mean …" for a
    typo) unless a platform admin records it on purpose (allow_empty: for farmers who have not joined yet)."""
    require_role(actor, Role.ADMIN, Role.ORG_ADMIN)
    texts = _clean_texts(texts)  # first, so an error names the language's own field
    _check(district, severity, title, message, valid_from, valid_until)
    reach, farmers = _reach(session, actor, district, severity)
    if not farmers:
        _refuse_no_reach(actor, reach, allow_empty)
    return reach, farmers, texts


def issue_alert(
    session: Session,
    actor: Principal,
    meta: RequestMeta | None,
    *,
    district: str,
    state: str,
    severity: str,
    title: str,
    message: str,
    valid_from: datetime,
    valid_until: datetime,
    texts: dict[str, dict[str, str]] | None = None,
    allow_empty: bool = False,
) -> WeatherAlert:
    """Warn a district's farmers (see check_warning); `texts` holds the warning in more languages, and each
    farmer gets theirs, else title/message."""
    reach, farmers, texts = check_warning(
        session,
        actor,
        district=district,
        severity=severity,
        title=title,
        message=message,
        valid_from=valid_from,
        valid_until=valid_until,
        texts=texts,
        allow_empty=allow_empty,
    )
    scope = _scope(actor)
    alert = WeatherAlert(
        district=reach.district,
        state=state.strip() or (farmers[0].farmer_profile.state if farmers else "") or "",
        severity=severity,
        title=title.strip(),
        message=message.strip(),
        texts=texts,
        valid_from=valid_from,
        valid_until=valid_until,
        issued_by_id=actor.id,
        organization_id=scope,
    )
    session.add(alert)
    session.flush()
    payloads: dict[str, WeatherUpdate] = {}
    for farmer in farmers:
        language = farmer.preferred_language
        if language not in payloads:
            title_text, message_text = text_for(alert, language)
            payloads[language] = WeatherUpdate(
                id=alert.id,
                district=alert.district,
                severity=severity,
                title=title_text,
                message=message_text,
                valid_from=valid_from.isoformat(),
                valid_until=valid_until.isoformat(),
            )
        send_on_commit(session, user_target(farmer.id), payloads[language])
    # The inbox now, in this transaction (the dashboard shows it at once); push / SMS / email rows for a whole
    # district are written by a job after commit, so issuing a warning never waits on thousands of inserts.
    notify_farmers(session, alert, farmers, ["in_app"])
    jobs.enqueue_on_commit(session, "weather.send_alert", alert.id)
    audit.record(
        session,
        "weather.alert_issued",
        actor=actor,
        meta=meta,
        target_type="weather_alert",
        target_id=alert.id,
        details={
            "district": alert.district,
            "severity": severity,
            "farmers": len(farmers),
            "languages": sorted(texts or {}),
        },
    )
    return alert


PROVIDER_CHANNELS = ["push", "sms", "email"]


def notify_farmers(session: Session, alert: WeatherAlert, farmers: list[User], channels: list[str]) -> None:
    """Into the notification pipeline, on the channels each farmer chose, in their language. Red and orange
    are critical: they ignore quiet hours, and an unread one is escalated by SMS."""
    by_language: dict[str, list[int]] = {}
    for farmer in farmers:
        by_language.setdefault(farmer.preferred_language, []).append(farmer.id)
    for language, farmer_ids in by_language.items():
        title, message = text_for(alert, language)
        notify(
            session,
            None,  # the issuer's right to warn these farmers was checked when the alert was issued
            Audience(user_ids=tuple(farmer_ids), role=""),
            "weather",
            subject=t(language, f"severity.{alert.severity}") + " · " + title,
            text=message,
            channels=channels,
            critical=alert.severity in CRITICAL,
            idempotency_key=f"weather:{alert.id}",
        )


def send_on_provider_channels(session: Session, alert_id: int) -> None:
    """The job's half of issue_alert: push, SMS and email rows for the warning's farmers (idempotent)."""
    alert = session.get(WeatherAlert, alert_id)
    if alert is None or alert.cancelled_at is not None:
        return
    farmers = farmers_in_district(session, alert.district, alert.organization_id)
    notify_farmers(session, alert, farmers, PROVIDER_CHANNELS)


def active_alerts(session: Session, district: str, now: datetime | None = None) -> list[WeatherAlert]:
    """Warnings in force for a district: red first, then orange, yellow, green; newest first within each."""
    now = now or utcnow()
    return list(
        session.exec(
            select(WeatherAlert)
            .where(
                sa_func.lower(WeatherAlert.district) == district.strip().lower(),
                col(WeatherAlert.valid_from) <= now,
                col(WeatherAlert.valid_until) > now,
                col(WeatherAlert.cancelled_at).is_(None),
            )
            .order_by(_RANK, col(WeatherAlert.id).desc())
        ).all()
    )


def alerts_for_viewer(session: Session, viewer: Principal, now: datetime | None = None) -> list[WeatherAlert]:
    """Every warning in force an admin may see (an FPO admin: the ones their FPO issued)."""
    require_role(viewer, Role.ADMIN, Role.ORG_ADMIN)
    now = now or utcnow()
    stmt = select(WeatherAlert).where(col(WeatherAlert.valid_until) > now, col(WeatherAlert.cancelled_at).is_(None))
    if viewer.role == Role.ORG_ADMIN:
        stmt = stmt.where(WeatherAlert.organization_id == viewer.organization_id)
    return list(session.exec(stmt.order_by(_RANK, col(WeatherAlert.id).desc())).all())


def cancel_alert(session: Session, actor: Principal, meta: RequestMeta | None, alert_id: int) -> WeatherAlert:
    require_role(actor, Role.ADMIN, Role.ORG_ADMIN)
    alert = session.get(WeatherAlert, alert_id)
    if alert is None or (actor.role == Role.ORG_ADMIN and alert.organization_id != actor.organization_id):
        raise NotFound("alert_not_found")
    if alert.cancelled_at is not None:
        return alert  # a second click (or a retried request) changes nothing and tells nobody twice
    alert.cancelled_at = utcnow()
    session.add(alert)
    for farmer in farmers_in_district(session, alert.district, alert.organization_id):
        send_on_commit(session, user_target(farmer.id), WeatherUpdate(id=alert.id, cancelled=True))
    audit.record(
        session, "weather.alert_cancelled", actor=actor, meta=meta, target_type="weather_alert", target_id=alert.id
    )
    return alert
