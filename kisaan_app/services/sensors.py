"""Field sensors: a farmer registers a device and gets its API key once; readings that cross a threshold
become a crop-health report, live to the farmer and to their FPO's admins.

Only a SHA-256 of the key is stored: keys are long random tokens, so a fast hash is enough to make a
leaked table useless, and it lets a reading find its device with one indexed lookup.
"""

import hashlib
import secrets
from dataclasses import dataclass

from sqlmodel import Session, col, select

from kisaan_app.models.accounts import User
from kisaan_app.models.base import utcnow
from kisaan_app.models.enums import Role
from kisaan_app.models.feeds import CropHealthReport, SensorDevice
from kisaan_app.realtime import managers_target, send_on_commit, user_target
from kisaan_app.realtime.payloads import CropHealthUpdate
from kisaan_app.services import crop_cases, ratelimit
from kisaan_app.services.authz import require_role
from kisaan_app.services.context import Principal
from kisaan_app.services.errors import AuthenticationFailed, ValidationFailed
from kisaan_app.services.notifications.events import tell
from kisaan_app.settings import get_settings


@dataclass(frozen=True)
class Threshold:
    metric: str
    below: float | None
    above: float | None
    severity: str
    issue_type: str


# Checked most severe first: the first that matches decides the alert.
THRESHOLDS = (
    Threshold("soil_moisture_pct", 8, None, "red", "water_stress"),
    Threshold("soil_moisture_pct", 15, None, "orange", "water_stress"),
    Threshold("temperature_c", None, 45, "red", "sensor"),
    Threshold("temperature_c", None, 42, "orange", "sensor"),
    Threshold("leaf_wetness_hours", None, 10, "yellow", "disease"),
)
METRICS = {t.metric for t in THRESHOLDS}


def _digest(api_key: str) -> str:
    return hashlib.sha256(api_key.encode()).hexdigest()


def register_device(session: Session, farmer: Principal, name: str, crop: str | None) -> tuple[SensorDevice, str]:
    require_role(farmer, Role.FARMER)
    name = (name or "").strip()
    if not 1 <= len(name) <= 80:
        raise ValidationFailed("device_name", field="name")
    api_key = "ks_" + secrets.token_urlsafe(32)
    device = SensorDevice(
        farmer_id=farmer.id, name=name, crop=(crop or "").strip() or None, api_key_hash=_digest(api_key)
    )
    session.add(device)
    session.flush()
    return device, api_key


def _breach(metric: str, value: float) -> Threshold | None:
    for rule in THRESHOLDS:
        if rule.metric == metric and (
            (rule.below is not None and value < rule.below) or (rule.above is not None and value > rule.above)
        ):
            return rule
    return None


SEVERITY_RANK = {"green": 0, "yellow": 1, "orange": 2, "red": 3}


def _open_case(session: Session, device: SensorDevice, metric: str) -> CropHealthReport | None:
    """A breach while the same device's case for the same metric is still being followed up adds to that case
    (latest reading, the worse colour) instead of opening another: one problem, one case, one SMS."""
    query = select(CropHealthReport).where(
        CropHealthReport.device_id == device.id,
        CropHealthReport.metric == metric,
        col(CropHealthReport.status).in_(crop_cases.OPEN_STATES),
    )
    return session.exec(query.order_by(col(CropHealthReport.id).desc())).first()


def record_reading(
    session: Session, api_key: str | None, metric: str, value: float, crop: str | None = None
) -> CropHealthReport | None:
    """Store nothing for a normal reading; a breach becomes a report and an alert. Bad key: 401."""
    device = session.exec(
        select(SensorDevice).where(SensorDevice.api_key_hash == _digest(api_key or ""), SensorDevice.is_active)
    ).first()
    if device is None or not api_key:
        raise AuthenticationFailed("bad_device_key")
    # Counted once the key is known good, so nobody can use up a real device's budget by guessing.
    settings = get_settings()
    ratelimit.take(settings.sensor_reading_rate_per_device, "sensor-device", str(device.id))
    ratelimit.take(settings.sensor_reading_rate_per_farmer, "sensor-farmer", str(device.farmer_id))
    if metric not in METRICS:
        raise ValidationFailed("unknown_metric", field="metric", metrics=", ".join(sorted(METRICS)))
    device.last_seen_at = utcnow()
    session.add(device)
    rule = _breach(metric, value)
    if rule is None:
        return None
    farmer = session.get(User, device.farmer_id)
    report = _open_case(session, device, metric)
    is_new = report is None
    if report is None:
        report = CropHealthReport(
            farmer_id=farmer.id,
            organization_id=farmer.organization_id,
            device_id=device.id,
            crop=(crop or device.crop or "—")[:60],
            issue_type=rule.issue_type,
            source="sensor",
            severity=rule.severity,
            metric=metric,
            value=value,
            alert_raised=True,
        )
    elif SEVERITY_RANK[rule.severity] > SEVERITY_RANK.get(report.severity, 0):
        report.severity, report.issue_type = rule.severity, rule.issue_type
    report.value, report.note, report.updated_at = value, f"{device.name}: {metric} = {value:g}", utcnow()
    session.add(report)
    session.flush()
    if is_new:  # the farmer hears once per case, and the case's helpers are told (crop_cases.py)
        words = {"crop": report.crop, "device": device.name, "reading": f"{metric} = {value:g}"}
        tell(session, "crop.sensor_alert", farmer, f"sensor-alert:{report.id}", words, url="/", critical=True)
        crop_cases.opened(session, report)
    payload = CropHealthUpdate(
        id=report.id,
        farmer_id=farmer.id,
        crop=report.crop,
        issue_type=rule.issue_type,
        severity=rule.severity,
        note=report.note,
        source="sensor",
    )
    send_on_commit(session, user_target(farmer.id), payload)
    if farmer.organization_id:
        send_on_commit(session, managers_target(farmer.organization_id), payload)
    return report
