"""`steward demo` seeds a realistic Shanxi cement group, once."""

from collections import Counter

from helpers import run_steward
from sqlmodel import Session, func, select

from steward import demo
from storage.models import ActivityRecord, AuditEntry, Meter, Person, RoleAssignment
from storage.vocab import Role
from workflows.engine.credentials import check_password, hash_password
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


def test_every_demo_user_has_an_own_salted_hash_at_the_products_cost(plant):
    """The demo password is published, but a database read must not show that every account shares it, nor
    crack at argon2's lightest cost: each login's hash has its own salt and real passwords' parameters."""
    with plant("reader") as s:
        people = s.exec(select(Person).where(Person.password_hash.is_not(None))).all()
    hashes = [p.password_hash for p in people]
    assert len(hashes) == len(demo.PEOPLE) + len(demo.GROUP_PEOPLE) and len(set(hashes)) == len(hashes)
    assert len({h.split("$")[4] for h in hashes}) == len(hashes)  # $argon2id$v=19$m=…,t=…,p=…$salt$hash
    product = hash_password("any password at all").split("$")[3]
    assert {h.split("$")[3] for h in hashes} == {product}
    assert check_password(people[0], demo.DEMO_PASSWORD) and check_password(people[-1], demo.DEMO_PASSWORD)


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
