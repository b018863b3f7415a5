"""`steward demo` seeds a realistic Shanxi cement group, once."""

from collections import Counter

from helpers import run_steward
from sqlmodel import Session, func, select

from steward import demo
from storage.models import ActivityRecord, AuditEntry, Meter, RoleAssignment
from storage.vocab import Role
from workflows.people import organisation as org


def test_demo_seeds_every_role_and_three_years_of_monthly_data(uow, engine):
    with uow("demo-seed") as s:
        assert demo.seed(s).created
    with Session(engine) as s:
        plant = org.enterprise(s, demo.PLANT)
        assert org.enterprise(s, demo.GROUP).id == plant.parent_id
        roles = set(s.exec(select(RoleAssignment.role).where(RoleAssignment.enterprise_id == plant.id)).all())
        assert roles == {r.value for r in Role}
        kinds = {f.kind for f in org.listing(s, "facility", demo.PLANT)}
        assert {"kiln", "mill", "captive_power"} <= kinds
        months = Counter(
            (r.material, r.category) for r in s.exec(select(ActivityRecord).where(ActivityRecord.enterprise_id == plant.id)))
        assert months[("clinker", "production")] == 36
        assert months[("bituminous_coal", "fuel_combustion")] == 36
        assert months[("grid_electricity", "electricity_purchased")] == 36
        coal = s.exec(select(ActivityRecord).where(ActivityRecord.material == "bituminous_coal")).all()
        clinker = {r.period: r.quantity for r in s.exec(select(ActivityRecord).where(ActivityRecord.material == "clinker"))}
        running = [c for c in coal if clinker[c.period] > 0]
        # realistic coal use: 0.13–0.16 t raw coal per t clinker
        assert all(0.13 < c.quantity / clinker[c.period] < 0.16 for c in running)
        assert all(r.meter_id for r in coal)
        assert all(m.calibration_due for m in s.exec(select(Meter).where(Meter.enterprise_id == plant.id)))


def test_demo_twice_adds_nothing(uow, engine):
    with uow("demo-seed") as s:
        demo.seed(s)
    with Session(engine) as s:
        before = s.exec(select(func.count()).select_from(AuditEntry)).one()
    with uow("demo-seed") as s:
        assert not demo.seed(s).created
    with Session(engine) as s:
        assert s.exec(select(func.count()).select_from(AuditEntry)).one() == before


def test_demo_command_seeds_and_leaves_a_verifiable_log(steward_env):
    first = run_steward(["demo", "--no-serve"], steward_env, check=True)
    assert "JYCEM" in first.stdout
    again = run_steward(["demo", "--no-serve"], steward_env, check=True)
    assert "已存在" in again.stdout
    check = run_steward(["verify"], steward_env)
    assert check.returncode == 0, check.stderr
    listed = run_steward(["org", "list", "meter", "--enterprise", "JYCEM"], steward_env, check=True)
    assert "M-W001" in listed.stdout
