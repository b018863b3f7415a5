"""The metrologist records a calibration from its certificate: the meter is in date again, and so is the
evidence for 8.1.3 d; a date in the future, before the last one, or without a certificate is refused."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from helpers import act, as_user, csrf, plant_id
from sqlmodel import Session, select

from storage.errors import NotFound, StewardError
from storage.models import Meter
from workflows.accounting import meters
from workflows.audit import evidence_map
from workflows.engine import clock

pytestmark = pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)


def test_a_calibration_moves_the_due_date_on_and_the_evidence_is_current_again(plant, engine):
    today = clock.today()
    with Session(engine) as s:
        before = [i for i in evidence_map.build(s, plant_id(s)) if i.clause.id == "8.1.3d"][0]
    assert before.status == "stale" and "M-E021" in before.found[0].zh
    on = today - timedelta(days=3)
    act(plant, "zhoul", lambda s, a: meters.calibrate(s, a, "M-E021", on=on, certificate="JL-2026-0917"))
    with Session(engine) as s:
        m = s.exec(select(Meter).where(Meter.code == "M-E021")).one()
        assert (m.last_calibrated, m.last_certificate) == (on, "JL-2026-0917") and m.calibration_due > today
        after = [i for i in evidence_map.build(s, plant_id(s)) if i.clause.id == "8.1.3d"][0]
    assert after.status == "present"


@pytest.mark.parametrize("wrong, field", [  # dates from the day the test runs, not the day it was collected
    (lambda today: {"on": today + timedelta(days=1)}, "on"), (lambda today: {"on": date(2020, 1, 1)}, "on"),
    (lambda today: {"certificate": " "}, "certificate"),
    (lambda today: {"next_due": today - timedelta(days=10)}, "next_due")])
def test_a_wrong_calibration_is_refused_by_field_and_nothing_changes(plant, engine, wrong, field):
    today = clock.today()
    values = {"on": today - timedelta(days=1), "certificate": "JL-1", **wrong(today)}
    with pytest.raises(StewardError) as err:
        act(plant, "zhoul", lambda s, a: meters.calibrate(s, a, "M-E021", **values))
    assert err.value.field == field
    with Session(engine) as s:
        assert s.exec(select(Meter).where(Meter.code == "M-E021")).one().last_calibrated == date(2025, 8, 20)
    with pytest.raises(NotFound):
        act(plant, "zhoul", lambda s, a: meters.calibrate(s, a, "M-X999", on=clock.today(), certificate="x"))


def test_the_ledger_page_shows_the_overdue_meter_and_takes_the_calibration(web):
    zhoul = as_user(web, "zhoul")
    page = zhoul.get("/meters").text
    assert 'id="m-M-E021" class="overdue"' in page and "已逾期" in page
    answer = zhoul.post("/meters/calibration", data={
        "code": "M-E021", "on": (clock.today() - timedelta(days=2)).isoformat(), "certificate": "JL-2026-0917",
        "csrf_token": csrf(zhoul, "/meters")}, follow_redirects=True)
    assert answer.status_code == 200 and "JL-2026-0917" in answer.text
    assert 'id="m-M-E021" class="overdue"' not in answer.text
    bad = zhoul.post("/meters/calibration", data={"code": "M-E021", "on": "2099-01-01", "certificate": "x",
                                                          "csrf_token": csrf(zhoul, "/meters")},
                     headers={"HX-Request": "true"})
    assert bad.status_code == 400 and bad.json()["field"] == "on"
