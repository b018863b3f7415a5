"""Lab assays of coal batches: the month's quantity-weighted NCV and carbon content are in force for that month,
with the reports kept by hash; a percentage typed where a fraction belongs is caught with the fraction suggested;
a finished month that burned coal without an assay is a finding."""

from __future__ import annotations

from datetime import date

import pytest
from helpers import act, plant_id
from sqlmodel import Session, select

from storage.errors import StewardError
from storage.models import EnterpriseFactor, FuelAssay
from workflows.accounting import anomalies, assays, calculation

pytestmark = pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)


def add(plant, store, **over):
    values = {"material": "bituminous_coal", "sampled_on": date(2025, 11, 6), "quantity": 3000.0, "ncv": 22.0,
              "carbon_content": 0.58, "ash": 0.21, "moisture": 0.08, "lab": "晋中煤质检测中心",
              "report_name": "JZ-2025-1106.pdf", "report": b"%PDF-1.4 report 1106", "max_bytes": 1 << 20, **over}
    return act(plant, "lixf", lambda s, a: assays.record(s, a, store, **values))


def test_two_batches_become_the_months_weighted_values_in_force_for_that_month_only(plant, engine, store):
    add(plant, store)
    add(plant, store, sampled_on=date(2025, 11, 20), quantity=1000.0, ncv=24.0, carbon_content=0.62,
        report_name="JZ-2025-1120.pdf", report=b"%PDF-1.4 report 1120")
    ncv = (3000 * 22.0 + 1000 * 24.0) / 4000
    carbon = (3000 * 0.58 + 1000 * 0.62) / 4000
    with Session(engine) as s:
        eid = plant_id(s)
        lib = calculation.library(s, eid)
        chosen = lib.get("ncv", "bituminous_coal", date(2025, 11, 15)).factor
        assert chosen.value == pytest.approx(ncv) and chosen.measured and "JZ-2025-1120.pdf" in chosen.evidence
        per_heat = lib.get("carbon_content", "bituminous_coal", date(2025, 11, 15)).factor.value
        assert per_heat == pytest.approx(carbon / ncv, rel=1e-4)
        assert lib.get("ncv", "bituminous_coal", date(2025, 10, 15)).factor.value == 22.90  # October keeps its own
        kept = s.exec(select(FuelAssay)).all()
        assert all(store.verify(k.report_sha256) for k in kept) and len(kept) == 2
        assert len(s.exec(select(EnterpriseFactor).where(EnterpriseFactor.evidence.startswith(assays.EVIDENCE))).all()) == 2


@pytest.mark.parametrize("over, field, said", [
    ({"carbon_content": 58.0}, "carbon_content", "did you mean 0.58?"),
    ({"ash": 21.0}, "ash", "did you mean 0.21?"),
    ({"ncv": 2.2}, "ncv", "outside the plausible"),
    ({"quantity": -5.0}, "quantity", "positive"),
    ({"sampled_on": date(2099, 1, 1)}, "sampled_on", "after today"),
    ({"report": b""}, "report", "Attach"),
    ({"carbon_content": 0.9}, "carbon_content", "outside the plausible"),
])
def test_a_wrong_assay_is_refused_by_its_field_and_nothing_is_kept(plant, engine, store, over, field, said):
    with pytest.raises(StewardError) as err:
        add(plant, store, **over)
    assert err.value.field == field and said in err.value.en
    with Session(engine) as s:
        assert s.exec(select(FuelAssay)).all() == []


def test_a_finished_month_without_the_assay_the_plan_wants_is_a_finding(plant, engine, store):
    add(plant, store)  # coal is now assayed: from November on every month that burns coal needs one
    with Session(engine) as s:
        found = assays.missing(s, plant_id(s), today=date(2026, 1, 10))
    assert [(f.kind, f.period) for f in found] == [("assay_missing", date(2025, 12, 1))]
    assert "2025-12" in found[0].zh and "assay" in found[0].en
    with plant("scan") as s:
        added = anomalies.scan(s, plant_id(s))
    assert not [a for a in added if a.kind == "assay_missing" and a.period < date(2025, 11, 1)]


def test_a_viewer_may_not_record_an_assay(plant, store):
    from storage.errors import Forbidden
    with pytest.raises(Forbidden):
        act(plant, "wangjg", lambda s, a: assays.record(s, a, store, material="bituminous_coal",
                                                       sampled_on=date(2025, 11, 6), quantity=1.0, ncv=22.0,
                                                       carbon_content=0.58, ash=None, moisture=None, lab="x",
                                                       report_name="r.pdf", report=b"x", max_bytes=100))
