"""Crop-health reports and field sensors over the API: device keys, thresholds, who hears about it."""

from sqlmodel import select

from kisaan_app.db import session_scope
from kisaan_app.models.feeds import CropHealthReport, SensorDevice
from kisaan_app.models.realtime import RealTimeEvent
from kisaan_app.realtime import managers_target, user_target
from tests.factories import bearer, make_org, make_user, token_for


def test_farmer_reports_a_problem_and_a_buyer_cannot(api):
    farmer, buyer = make_user("farmer"), make_user("buyer")
    body = {"crop": "Onion", "issue_type": "pest", "note": "Thrips"}
    created = api.post("/api/crop-health/reports", json=body, headers=bearer(token_for(farmer)))
    assert created.status_code == 201 and created.json()["source"] == "farmer"
    assert api.post("/api/crop-health/reports", json=body, headers=bearer(token_for(buyer))).status_code == 403
    bad = api.post("/api/crop-health/reports", json=body | {"issue_type": "aliens"}, headers=bearer(token_for(farmer)))
    assert bad.status_code == 422


def test_sensor_readings_need_the_device_key_and_raise_alerts_only_past_thresholds(api):
    org = make_org("Nashik FPO")
    farmer = make_user("farmer", org_id=org)
    device = api.post(
        "/api/crop-health/devices", json={"name": "Plot 3 probe", "crop": "Onion"}, headers=bearer(token_for(farmer))
    )
    assert device.status_code == 201
    key = device.json()["api_key"]
    with session_scope() as session:
        stored = session.exec(select(SensorDevice)).one()
        assert key not in stored.api_key_hash and len(stored.api_key_hash) == 64  # only a digest is kept

    url = "/api/crop-health/readings"
    assert api.post(url, json={"metric": "soil_moisture_pct", "value": 5}).status_code == 401
    assert (
        api.post(url, json={"metric": "soil_moisture_pct", "value": 5}, headers={"X-Device-Key": key + "x"}).status_code
        == 401
    )
    assert api.post(url, json={"metric": "rainfall", "value": 5}, headers={"X-Device-Key": key}).status_code == 422
    normal = api.post(url, json={"metric": "soil_moisture_pct", "value": 30}, headers={"X-Device-Key": key})
    assert normal.status_code == 200 and normal.json() == {"alert": None}
    dry = api.post(url, json={"metric": "soil_moisture_pct", "value": 6.5}, headers={"X-Device-Key": key})
    assert dry.json()["alert"]["severity"] == "red" and dry.json()["alert"]["issue_type"] == "water_stress"
    hot = api.post(url, json={"metric": "temperature_c", "value": 43}, headers={"X-Device-Key": key})
    assert hot.json()["alert"]["severity"] == "orange"
    with session_scope() as session:
        assert len(session.exec(select(CropHealthReport)).all()) == 2
        targets = [
            e.target for e in session.exec(select(RealTimeEvent).where(RealTimeEvent.topic == "crop_health")).all()
        ]
        assert targets == [user_target(farmer.id), managers_target(org)] * 2  # the farmer and their FPO's admins
