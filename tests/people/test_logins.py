"""Credentials over their life: a password policy, a set or reset password changed at first sign-in,
sign-out and disabling ending every session at once, and API tokens that expire and can be revoked."""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone

import pytest
from fastapi.testclient import TestClient
from helpers import act, as_user, csrf
from sqlmodel import select

from steward.demo import DEMO_PASSWORD as PW
from storage.errors import StewardError
from storage.models import ApiToken
from workflows.people import logins

pytestmark = pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
TEMP = "Temporary-Pass-2026"


def test_the_password_policy_names_what_is_wrong(plant):
    for bad, reason in (("short-1", "at least 10"), ("yangf-2026-abc", "username"), ("password123", "common"),
                        ("qwertyuiop", "common"), ("aaaaaaaaaaaa", "common")):
        with pytest.raises(StewardError) as err:
            act(plant, "lixf", lambda s, a, p=bad: logins.reset_password(s, a, "yangf", p))
        assert err.value.field == "password" and reason in err.value.en, bad
    with pytest.raises(StewardError, match="requires one of"):  # only a keeper resets someone else's
        act(plant, "zhaom", lambda s, a: logins.reset_password(s, a, "yangf", TEMP))


def test_a_reset_password_must_be_changed_at_the_next_sign_in(web, plant):
    act(plant, "lixf", lambda s, a: logins.reset_password(s, a, "yangf", TEMP))
    client = as_user(web, "yangf", TEMP)
    assert client.get("/tasks", follow_redirects=False).headers["location"] == "/password"
    token = csrf(client, "/password")
    wrong = client.post("/password", data={"old_password": "nope-nope-nope", "new_password": "Meter-Reader-77x",
                                           "confirm": "Meter-Reader-77x", "csrf_token": token})
    assert wrong.status_code == 401 and 'id="error-field">old_password' in wrong.text
    weak = client.post("/password", data={"old_password": TEMP, "new_password": "password123",
                                          "confirm": "password123", "csrf_token": token})
    assert weak.status_code == 400 and "常见密码" in weak.text
    done = client.post("/password", data={"old_password": TEMP, "new_password": "Meter-Reader-77x",
                                          "confirm": "Meter-Reader-77x", "csrf_token": token}, follow_redirects=False)
    assert done.status_code == 303 and client.get("/tasks").status_code == 200  # this session goes on
    as_user(web, "yangf", "Meter-Reader-77x")


def test_signing_out_or_being_disabled_ends_every_session_at_once(web, plant):
    laptop, tablet = as_user(web, "zhaom"), as_user(web, "zhaom")
    assert tablet.get("/audits").status_code == 200
    laptop.post("/logout", data={"csrf_token": csrf(laptop, "/")})
    assert tablet.get("/audits", follow_redirects=False).headers["location"].startswith("/login")
    colleague = as_user(web, "zhangw")  # the other carbon manager, with a token of their own
    page = colleague.post("/settings/token", data={"name": "测试", "csrf_token": csrf(colleague, "/settings")})
    token = re.search(r'<pre id="token">([^<]+)</pre>', page.text).group(1)
    api = TestClient(web.app)
    assert api.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"}).status_code == 200
    act(plant, "lixf", lambda s, a: logins.disable(s, a, "zhangw"))
    assert colleague.get("/tasks", follow_redirects=False).headers["location"].startswith("/login")
    assert api.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"}).status_code == 401
    login = TestClient(web.app)
    refused = login.post("/login", data={"username": "zhangw", "password": PW, "csrf_token": csrf(login)})
    assert refused.status_code == 401


def test_tokens_are_listed_revoked_and_expire_and_a_bad_one_names_nothing(web, plant, engine):
    manager = as_user(web, "lixf")
    token_csrf = csrf(manager, "/settings")
    tokens = [re.search(r'<pre id="token">([^<]+)</pre>', manager.post(
        "/settings/token", data={"name": f"系统{i}", "days": "30", "csrf_token": token_csrf}).text).group(1)
        for i in range(3)]
    api = TestClient(web.app)
    answers = lambda t: api.get("/api/v1/me", headers={"Authorization": f"Bearer {t}"})  # noqa: E731
    assert all(answers(t).status_code == 200 for t in tokens)
    listing = manager.get("/settings").text
    assert "系统0" in listing and tokens[0] not in listing  # shown once, never again
    revoke_id = re.findall(r'action="/settings/token/(\d+)/revoke"', listing)[0]
    manager.post(f"/settings/token/{revoke_id}/revoke", data={"csrf_token": token_csrf})
    with plant("test") as s:
        for row in s.exec(select(ApiToken)):
            if row.name == "系统1":
                row.expires_at = datetime.now(timezone.utc) - timedelta(minutes=1)
                s.add(row)
    unknown = answers("cs_not-a-token")
    for revoked_or_expired in (t for t in tokens if answers(t).status_code != 200):
        reply = answers(revoked_or_expired)
        assert reply.status_code == 401 and reply.json() == unknown.json()  # names nothing
    assert sum(answers(t).status_code == 401 for t in tokens) == 2
    assert "已吊销" in manager.get("/settings").text and "已过期" in manager.get("/settings").text


def test_users_from_the_command_line(plant, steward_env):

    def steward(args, stdin=""):
        from helpers import run_steward
        return run_steward(args, steward_env, stdin=stdin)
    added = steward(["user", "add", "sunl", "--name", "孙磊", "--code", "E090", "--role", "staff", "--as", "lixf",
                     "--password-stdin"], "Kiln-Shift-2026x\n")
    assert added.returncode == 0, added.stderr
    weak = steward(["user", "add", "sunm", "--name", "孙敏", "--code", "E091", "--role", "staff", "--as", "lixf",
                    "--password-stdin"], "12345678\n")
    assert weak.returncode == 2 and "at least 10" in weak.stderr
    assert steward(["user", "roles", "--as", "lixf", "sunl", "--role", "staff", "--role", "department_head"]).returncode == 0
    own = steward(["user", "passwd", "--as", "sunl", "sunl", "--password-stdin"],
                  "Kiln-Shift-2026x\nMill-Shift-2027y\n")
    assert own.returncode == 0, own.stderr
    assert steward(["user", "disable", "--as", "lixf", "sunl"]).returncode == 0
    assert steward(["tasks", "--as", "sunl"]).returncode == 2  # disabled: acts as nobody


def test_departments_and_duties_are_kept_in_the_people_page(web, plant, engine):
    from sqlmodel import Session

    from storage.models import Department, Person, Responsibility
    manager = as_user(web, "lixf")
    token = csrf(manager, "/people")
    manager.post("/people/departments", data={"code": "D-EN", "name": "能源管理部", "csrf_token": token})
    assert "能源管理部" in manager.get("/people").text
    manager.post("/people/add", data={"code": "E096", "name": "钱磊", "username": "qianl", "password": TEMP,
                                      "roles": ["staff"], "department": "D-EN", "csrf_token": token})
    duty = manager.post("/people/duties", data={"clause_id": "4.3a", "person": "E096", "note": "能源计量",
                                                "csrf_token": token})
    assert duty.status_code in (200, 303)
    wrong = manager.post("/people/duties", data={"clause_id": "9.9z", "person": "E096", "csrf_token": token},
                         headers={"HX-Request": "true"})
    assert wrong.status_code in (400, 422) and wrong.json()["field"] == "clause_id"
    page = manager.get("/people").text
    assert "钱磊" in page[page.index('id="duty-table"'):]
    with Session(engine) as s:
        person = s.exec(select(Person).where(Person.username == "qianl")).one()
        assert s.get(Department, person.department_id).code == "D-EN"
        row = s.exec(select(Responsibility).where(Responsibility.person_id == person.id)).one()
    manager.post(f"/people/duties/{row.id}/remove", data={"csrf_token": token})
    with Session(engine) as s:
        assert s.get(Responsibility, row.id) is None
    staff = as_user(web, "yangf")
    refused = staff.post("/people/departments", data={"code": "D-X", "name": "x", "csrf_token": csrf(staff, "/")})
    assert refused.status_code == 403


def test_a_person_moves_department_a_department_is_renamed_and_a_disabled_login_comes_back(web, plant, engine):
    from sqlmodel import Session

    from storage.models import Department, Person
    admin = as_user(web, "huangzq")  # the administrator keeps people and the structure
    token = csrf(admin, "/people")
    admin.post("/people/yangf/department", data={"department": "QC", "csrf_token": token})
    renamed = admin.post("/people/departments/QC", data={"name": "质量与计量部", "parent": "PROD", "csrf_token": token})
    assert renamed.status_code in (200, 303)
    loop = admin.post("/people/departments/PROD", data={"name": "生产技术部", "parent": "QC", "csrf_token": token},
                      headers={"HX-Request": "true"})
    assert loop.status_code == 400 and loop.json()["field"] == "parent"  # QC already sits under PROD
    with Session(engine) as s:
        person = s.exec(select(Person).where(Person.username == "yangf")).one()
        qc = s.get(Department, person.department_id)
        assert qc.name == "质量与计量部" and s.get(Department, qc.parent_id).code == "PROD"
    act(plant, "huangzq", lambda s, a: logins.disable(s, a, "wux"))
    weak = admin.post("/people/wux/enable", data={"password": "short", "csrf_token": token}, headers={"HX-Request": "true"})
    assert weak.status_code == 400 and weak.json()["field"] == "password"
    admin.post("/people/wux/enable", data={"password": TEMP, "csrf_token": token})
    back = TestClient(web.app)
    signed = back.post("/login", data={"username": "wux", "password": TEMP, "csrf_token": csrf(back)})
    assert signed.url.path == "/password"  # back, and must choose a password of their own
