"""Segregation of duties as the record's owners would defend it to an auditor: nobody changes their own
roles, a role that signs approvals takes effect only with a second person's countersignature, the person is
told of every change and sees it on their page, one person never signs a record in two judging meanings, and
a password reset of someone who signs ends their sessions and tokens and tells them."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient
from helpers import act, as_user, csrf, run_steward
from sqlmodel import select

from steward.demo import DEMO_PASSWORD as PW
from storage.errors import StewardError
from storage.models import ApiToken, AuditEntry, Outbox, Person, RoleChange, Task
from workflows.engine import machine
from workflows.engine.machine import actor_for
from workflows.people import logins, role_changes

pytestmark = pytest.mark.parametrize("db_url", ["sqlite", "postgresql"], indirect=True)
TEMP = "Temporary-Pass-2026"


def roles(plant, username: str) -> list[str]:
    with plant("reader") as s:
        return role_changes.roles_of(s, s.exec(select(Person).where(Person.username == username)).one())


def notices(plant, username: str) -> list[str]:
    with plant("reader") as s:
        person = s.exec(select(Person).where(Person.username == username)).one()
        return [o.subject for o in s.exec(select(Outbox).where(Outbox.person_id == person.id).order_by(Outbox.id))]


def test_nobody_grants_themselves_a_role_on_the_command_line(plant, steward_env):
    before = roles(plant, "lixf")
    own = run_steward(["user", "roles", "--as", "lixf", "lixf", "--role", "carbon_manager", "--role",
                       "top_management"], steward_env)
    assert own.returncode == 2 and "You cannot change your own roles" in own.stderr and "不能更改自己的角色" in own.stderr
    admin = run_steward(["user", "roles", "--as", "huangzq", "huangzq", "--role", "administrator", "--role",
                         "top_management"], steward_env)
    assert admin.returncode == 2 and "own roles" in admin.stderr
    assert roles(plant, "lixf") == before and roles(plant, "huangzq") == ["administrator"]
    with plant("reader") as s:
        assert s.exec(select(RoleChange)).all() == []


def test_a_signing_role_waits_for_top_management_who_countersigns_with_the_password(plant, web):
    keeper = as_user(web, "lixf")
    asked = keeper.post("/people/zhangw/roles", data={"roles": ["carbon_manager", "top_management"],
                                                     "reason": "副总经理任命", "csrf_token": csrf(keeper, "/people")},
                        follow_redirects=False)
    assert asked.status_code == 303 and asked.headers["location"] == "/role-changes"
    assert roles(plant, "zhangw") == ["carbon_manager"]  # nothing granted yet
    assert any("待最高管理者签批" in n for n in notices(plant, "zhangw"))  # the person is told at once
    with plant("reader") as s:
        change = s.exec(select(RoleChange)).one()
        tasks = s.exec(select(Task).where(Task.lifecycle == "role_change", Task.entity_id == change.id)).all()
        assert [s.get(Person, t.assignee_id).username for t in tasks] == ["wangjg"]
    # the person cannot countersign their own grant, and the requester holds no countersigning role
    with pytest.raises(StewardError, match="requires the role"):
        act(plant, "lixf", lambda s, a: machine.fire(s, role_changes.LIFECYCLE, s.get(RoleChange, change.id), "grant",
                                                     a, password=PW))
    boss = as_user(web, "wangjg")
    page = boss.get("/role-changes")
    assert page.status_code == 200 and "张伟" in page.text and "最高管理者" in page.text
    token = csrf(boss, "/role-changes")
    wrong = boss.post(f"/w/role_change/{change.id}/grant", data={"version": change.version, "password": "not-mine-1234",
                                                                 "back": "/role-changes", "csrf_token": token})
    assert wrong.status_code == 401 and roles(plant, "zhangw") == ["carbon_manager"]
    done = boss.post(f"/w/role_change/{change.id}/grant", data={"version": change.version, "password": PW,
                                                                "back": "/role-changes", "csrf_token": token},
                     follow_redirects=False)
    assert done.status_code == 303, done.text
    assert roles(plant, "zhangw") == ["carbon_manager", "top_management"]
    assert any("生效" in n and "took effect" in n for n in notices(plant, "zhangw"))
    own_page = as_user(web, "zhangw").get("/settings").text
    mine = own_page[own_page.index('id="my-role-changes"'):]
    assert "王建国" in mine and "已生效" in mine and "最高管理者" in mine  # who countersigned, on the person's page
    with plant("reader") as s:
        logged = s.exec(select(AuditEntry).where(AuditEntry.entity == "role_assignment",
                                                 AuditEntry.action == "insert")).all()
        assert any(e.after["role"] == "top_management" and e.actor == "web:wangjg" for e in logged)


def test_the_grantee_and_the_requester_cannot_countersign(plant, web):
    # zhangw becomes top management (countersigned by wangjg), then lixf asks top management for liuy:
    # wangjg or zhangw may countersign, but a grant to zhangw herself only wangjg
    ask = act(plant, "lixf", lambda s, a: logins.set_roles(s, a, "zhangw", ["carbon_manager", "top_management"]))
    act(plant, "wangjg", lambda s, a: machine.fire(s, role_changes.LIFECYCLE, s.get(RoleChange, ask.id), "grant", a,
                                                   password=PW))
    again = act(plant, "lixf", lambda s, a: logins.set_roles(s, a, "zhangw", ["carbon_manager", "top_management",
                                                                              "internal_auditor"]))
    with plant("reader") as s:
        zhangw = actor_for(s, "zhangw")
        row = s.get(RoleChange, again.id)
        offered = [t.trigger for t in role_changes.LIFECYCLE.available(row, zhangw, s)]
        assert "grant" not in offered and "refuse" not in offered  # no button for her own grant
    with pytest.raises(StewardError, match="granted to yourself"):
        act(plant, "zhangw", lambda s, a: machine.fire(s, role_changes.LIFECYCLE, s.get(RoleChange, again.id), "grant",
                                                       a, password=PW))
    assert "internal_auditor" not in roles(plant, "zhangw")


def test_removing_a_role_or_granting_one_that_signs_nothing_takes_effect_at_once_and_is_told(plant):
    change = act(plant, "lixf", lambda s, a: logins.set_roles(s, a, "zhaom", ["department_head", "carbon_body_member"]))
    assert change.state == "granted" and roles(plant, "zhaom") == ["carbon_body_member", "department_head"]
    assert any("生效" in n for n in notices(plant, "zhaom"))
    with pytest.raises(StewardError, match="unchanged"):
        act(plant, "lixf", lambda s, a: logins.set_roles(s, a, "zhaom", ["department_head", "carbon_body_member"]))


def test_a_new_user_with_a_signing_role_gets_it_only_after_the_countersignature(plant):
    act(plant, "lixf", lambda s, a: logins.add(s, a, enterprise_id=a.enterprise_id, code="E097", name="孙强",
                                               username="sunq", password=TEMP, roles=["staff", "internal_auditor"]))
    assert roles(plant, "sunq") == ["staff"]
    with plant("reader") as s:
        assert s.exec(select(RoleChange.state, RoleChange.roles_after)).one() == ("pending", ["internal_auditor",
                                                                                             "staff"])


def test_the_lead_auditor_who_signed_the_report_cannot_also_sign_its_acceptance(plant):
    from workflows.audit import internal_audit as audits
    with plant("setup") as s:  # a lead auditor who is also top management (granted before this rule, say)
        from storage.models import RoleAssignment
        zhaom = s.exec(select(Person).where(Person.username == "zhaom")).one()
        s.add(RoleAssignment(enterprise_id=zhaom.enterprise_id, person_id=zhaom.id, role="top_management"))
    audit = act(plant, "lixf", lambda s, a: audits.plan_year(s, a, 2026))
    with plant("setup") as s:  # the report was signed by the lead auditor as prepared
        row = s.get(type(audit), audit.id)
        machine.sign(s, audits.LIFECYCLE, row, actor_for(s, "zhaom"), "prepared", PW)
    with pytest.raises(StewardError) as err:
        act(plant, "zhaom", lambda s, a: machine.sign(s, audits.LIFECYCLE, s.get(type(audit), audit.id), a,
                                                      "reviewed", PW))
    assert "cannot also sign" in err.value.en and "同一人不能再签署" in err.value.zh
    # another top manager may
    act(plant, "wangjg", lambda s, a: machine.sign(s, audits.LIFECYCLE, s.get(type(audit), audit.id), a,
                                                   "reviewed", PW))


def test_a_password_reset_ends_sessions_revokes_tokens_and_tells_the_person(plant, web):
    boss = as_user(web, "wangjg")
    keeper = as_user(web, "lixf")
    page = keeper.post("/settings/token", data={"name": "能源在线监测", "csrf_token": csrf(keeper, "/settings")})
    token = re.search(r'<pre id="token">([^<]+)</pre>', page.text).group(1)
    with plant("setup") as s:  # the token is top management's (say it was issued to them before)
        row = s.exec(select(ApiToken)).one()
        row.person_id = s.exec(select(Person.id).where(Person.username == "wangjg")).one()
        s.add(row)
    api = TestClient(web.app)
    assert api.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"}).status_code == 200
    act(plant, "lixf", lambda s, a: logins.reset_password(s, a, "wangjg", TEMP))
    assert api.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"}).status_code == 401
    assert boss.get("/tasks", follow_redirects=False).headers["location"].startswith("/login")
    assert any("密码已被重置" in n and "password was reset" in n for n in notices(plant, "wangjg"))
    with pytest.raises(StewardError, match="your own password"):
        act(plant, "lixf", lambda s, a: logins.reset_password(s, a, "lixf", TEMP))
