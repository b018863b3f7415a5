"""Building the organisation: enterprises, their sites, facilities, meters, people and duties."""

from datetime import date

import pytest
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, func, select

from storage.errors import Conflict, NotFound, StewardError
from storage.models import AuditEntry, Meter, Person, RoleAssignment
from workflows.people import organisation as org


@pytest.fixture
def two_plants(uow):
    with uow("alice") as s:
        org.add(s, "enterprise", {"code": "GRP", "name_zh": "集团", "industry": "cement"})
        for code in ("PLANT-A", "PLANT-B"):
            org.add(s, "enterprise", {"code": code, "name_zh": code, "industry": "cement", "parent": "GRP"})
            org.add(s, "process", {"code": "P30", "name": "熟料煅烧"}, enterprise_ref=code)
            org.add(s, "facility", {"code": "KILN1", "name": "回转窑", "process": "P30", "fuel": "烟煤",
                                    "key_emitter": True}, enterprise_ref=code)
        org.add(s, "facility", {"code": "ONLY-B", "name": "仅B厂设备"}, enterprise_ref="PLANT-B")


def _audit_count(engine):
    with Session(engine) as s:
        return s.exec(select(func.count()).select_from(AuditEntry)).one()


def test_a_meter_is_attached_to_a_facility_of_its_own_enterprise(uow, two_plants, engine):
    with uow() as s:
        meter = org.add(s, "meter", {"code": "M1", "name": "入窑煤秤", "meter_type": "belt_scale",
                                     "facility": "KILN1", "last_calibrated": "2026-03-31"},
                        enterprise_ref="PLANT-A")
    with Session(engine) as s:
        m = s.get(Meter, meter.id)
        kiln = org.resolve(s, "facility", org.enterprise(s, "PLANT-A"), "KILN1", "facility")
    assert m.facility_id == kiln.id
    assert m.calibration_due == date(2027, 3, 31)


def test_a_meter_on_another_enterprises_facility_is_answered_like_one_that_does_not_exist(uow, two_plants, engine):
    """Naming the other plant told whoever tried what the other enterprises have (and who works there)."""
    before = _audit_count(engine)
    with Session(engine) as s:
        other_id = org.resolve(s, "facility", org.enterprise(s, "PLANT-B"), "ONLY-B", "facility").id
    answers = {}
    for ref in ("ONLY-B", "NOWHERE", other_id, 999_999):
        with pytest.raises(StewardError) as err, uow() as s:
            org.add(s, "meter", {"code": "M9", "name": "x", "meter_type": "electricity", "facility": ref},
                    enterprise_ref="PLANT-A")
        e = err.value
        answers[ref] = (e.code, e.status, e.field, e.zh.replace(str(ref), "?"), e.en.replace(str(ref), "?"))
    assert answers["ONLY-B"] == answers["NOWHERE"] == answers[other_id] == answers[999_999]
    assert answers["ONLY-B"][:3] == ("facility_not_found", 404, "facility") and "PLANT-B" not in str(answers)
    assert _audit_count(engine) == before


def test_the_database_itself_refuses_a_cross_enterprise_meter(uow, two_plants, engine):
    with Session(engine) as s:
        a = org.enterprise(s, "PLANT-A")
        b_kiln = org.resolve(s, "facility", org.enterprise(s, "PLANT-B"), "KILN1", "facility")
    with pytest.raises(IntegrityError), uow() as s:
        s.add(Meter(enterprise_id=a.id, code="RAW", name="raw", meter_type="electricity", facility_id=b_kiln.id))


def test_duplicate_codes_are_refused_and_nothing_is_written(uow, two_plants, engine):
    before = _audit_count(engine)
    with pytest.raises(Conflict, match="KILN1"), uow() as s:
        org.add(s, "facility", {"code": "KILN1", "name": "又一台"}, enterprise_ref="PLANT-A")
    with pytest.raises(Conflict, match="GRP"), uow() as s:
        org.add(s, "enterprise", {"code": "GRP", "name_zh": "重复", "industry": "coal"})
    assert _audit_count(engine) == before


def test_the_same_code_may_exist_in_two_enterprises(uow, two_plants, engine):
    with Session(engine) as s:
        assert len(org.listing(s, "facility", "PLANT-A")) == 1
        assert len(org.listing(s, "facility", "PLANT-B")) == 2


def test_wrong_values_get_field_level_messages_in_both_languages(uow, two_plants):
    with pytest.raises(StewardError) as err, uow() as s:
        org.add(s, "meter", {"code": "M 1", "name": "x", "meter_type": "voltmeter",
                             "calibration_interval_months": "0"}, enterprise_ref="PLANT-A")
    fields = {d["field"] for d in err.value.details}
    assert fields == {"code", "meter_type", "calibration_interval_months"}
    assert "器具类型" in err.value.zh and "Meter type" in err.value.en


def test_people_hold_roles_only_in_their_enterprise(uow, two_plants, engine):
    with uow() as s:
        org.add(s, "department", {"code": "ENV", "name": "能源环保部"}, enterprise_ref="PLANT-A")
        p = org.add(s, "person", {"code": "E1", "name": "李秀芳", "department": "ENV", "username": "lixf",
                                  "roles": ["carbon_manager", "internal_auditor"]}, enterprise_ref="PLANT-A")
        org.set_password(s, p, "correct horse battery")
    with Session(engine) as s:
        person = s.exec(select(Person).where(Person.username == "lixf")).one()
        assert org.roles_of(s, person) == {"carbon_manager", "internal_auditor"}
        assert org.check_password(person, "correct horse battery")
        assert not org.check_password(person, "wrong")
        assert person.password_hash.startswith("$argon2")
    with pytest.raises(StewardError, match="Roles"), uow() as s:
        org.add(s, "person", {"code": "E2", "name": "x", "roles": ["emperor"]}, enterprise_ref="PLANT-A")
    with pytest.raises(IntegrityError), uow() as s:
        b = org.enterprise(s, "PLANT-B")
        s.add(RoleAssignment(enterprise_id=b.id, person_id=person.id, role="top_management"))


def test_duties_of_4_2_and_4_3_are_assigned_to_people_or_departments(uow, two_plants, engine):
    with uow() as s:
        org.add(s, "person", {"code": "GM", "name": "王总", "roles": ["top_management"]}, enterprise_ref="PLANT-A")
        org.add(s, "department", {"code": "ENV", "name": "能源环保部"}, enterprise_ref="PLANT-A")
        org.add(s, "responsibility", {"clause_id": "4.2d", "person": "GM"}, enterprise_ref="PLANT-A")
        org.add(s, "responsibility", {"clause_id": "4.3a", "department": "ENV"}, enterprise_ref="PLANT-A")
    with Session(engine) as s:
        assert {r.clause_id for r in org.listing(s, "responsibility", "PLANT-A")} == {"4.2d", "4.3a"}
    with pytest.raises(StewardError, match="4.9z"), uow() as s:
        org.add(s, "responsibility", {"clause_id": "4.9z", "person": "GM"}, enterprise_ref="PLANT-A")
    with pytest.raises(StewardError, match="Name a person or a department"), uow() as s:
        org.add(s, "responsibility", {"clause_id": "4.2a"}, enterprise_ref="PLANT-A")


def test_unknown_enterprise_and_kind_are_reported(uow, two_plants):
    with pytest.raises(NotFound, match="NOPE"), uow() as s:
        org.add(s, "site", {"code": "S1", "name": "x"}, enterprise_ref="NOPE")
    with pytest.raises(StewardError, match="Unknown kind"), uow() as s:
        org.add(s, "spaceship", {}, enterprise_ref="PLANT-A")
