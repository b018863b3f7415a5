"""The web application over HTTP: every page with every role, CSRF, other enterprises' ids, lockout,
bilingual errors, and the token-authenticated JSON API."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient
from helpers import as_user, csrf, sign_in
from sqlmodel import Session, func, select

from steward.demo import DEMO_PASSWORD as PW
from storage.models import ActivityRecord, AuditEntry, Document, Enterprise, InternalAudit, Revision
from workflows.audit import internal_audit

# What each role should see: written out here, apart from the code, so the two have to agree.
USERS = {"wangjg": "top_management", "lixf": "carbon_manager", "zhaom": "internal_auditor", "chenj": "department_head",
         "yangf": "staff", "zhengl": "external_provider", "qianc": "viewer", "huangzq": "administrator"}
EXPECTED = {
    "/": set(USERS), "/tasks": set(USERS), "/settings": set(USERS),
    "/documents": set(USERS) - {"zhengl"}, "/nonconformities": set(USERS) - {"zhengl"},
    "/registers": {"wangjg", "lixf", "zhaom", "chenj", "qianc"}, "/objectives": {"wangjg", "lixf", "zhaom", "chenj", "qianc"},
    "/assets": {"wangjg", "lixf", "zhaom", "chenj", "qianc"}, "/records": set(USERS) - {"zhengl"},
    "/calendar": set(USERS) - {"zhengl"}, "/readiness": {"wangjg", "lixf", "zhaom", "chenj", "qianc"},
    "/audits": {"wangjg", "lixf", "zhaom", "chenj", "qianc"}, "/reviews": {"wangjg", "lixf", "zhaom", "chenj", "qianc"},
    "/accounting": {"wangjg", "lixf", "zhaom", "chenj", "qianc", "yangf"}, "/obligations": {"wangjg", "lixf", "zhaom", "chenj",
                                                                                   "qianc"},
    "/ets": {"wangjg", "lixf", "zhaom", "chenj", "qianc"},
    "/people": {"lixf", "huangzq"}, "/countersign": {"lixf"}, "/role-changes": {"wangjg", "lixf", "huangzq"}, "/meters": {"wangjg", "lixf", "zhaom", "chenj", "qianc", "yangf"},
    "/readings": {"wangjg", "lixf", "zhaom", "chenj", "qianc", "yangf"},
    "/assays": {"wangjg", "lixf", "zhaom", "chenj", "qianc", "yangf"},
}

pytestmark = pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)


def test_every_page_admits_exactly_the_expected_roles(web):
    from steward.web.access import BY_PATH
    assert set(EXPECTED) == set(BY_PATH)
    for username in USERS:
        client = as_user(web, username)
        for path, allowed in EXPECTED.items():
            status = client.get(path).status_code
            assert status == (200 if username in allowed else 403), f"{username} {path} → {status}"


def test_pages_need_a_login(web):
    response = web.get("/documents", follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"] == "/login?next=/documents"


def test_a_forged_csrf_token_is_refused_and_nothing_is_written(web, engine):
    client = as_user(web, "lixf")
    with Session(engine) as s:
        before = s.exec(select(func.count()).select_from(AuditEntry)).one()
    response = client.post("/audits/plan", data={"year": 2026, "csrf_token": "forged"})
    assert response.status_code == 403 and "CSRF" in response.text
    with Session(engine) as s:
        assert s.exec(select(func.count()).select_from(AuditEntry)).one() == before
        assert not s.exec(select(InternalAudit)).all()


def test_another_enterprises_document_is_not_found(web, engine):
    with Session(engine) as s:
        sister = s.exec(select(Enterprise).where(Enterprise.code == "JYXNC")).one()
    with web.app.state.ctx.unit_of_work("test") as s:
        doc = Document(enterprise_id=sister.id, number="JYXNC-PR-001", doc_type="procedure", title="孝义制度")
        s.add(doc)
        s.flush()
        s.add(Revision(enterprise_id=sister.id, document_id=doc.id, rev=1))
    client = as_user(web, "lixf")
    assert client.get("/documents/JYXNC-PR-001").status_code == 404


def test_a_wrong_value_gets_a_field_message_in_the_users_language(web, engine):
    with web.app.state.ctx.unit_of_work("test") as s:
        from helpers import plant_id
        audit = internal_audit.plan_for_year(s, plant_id(s), 2026, "test")
    client = as_user(web, "zhaom")
    client.post(f"/w/internal_audit/{audit.number}/start", data={"version": 1, "csrf_token": csrf(client, "/audits")})
    token = csrf(client, "/audits")
    zh = client.post(f"/audits/{audit.number}/check", data={"clause_id": "4.1", "result": "bogus", "csrf_token": token})
    assert zh.status_code == 400 and "结果须为符合" in zh.text and 'id="error-field">result' in zh.text
    client.get("/lang/en")
    en = client.post(f"/audits/{audit.number}/check", data={"clause_id": "4.1", "result": "bogus", "csrf_token": token})
    assert "Result must be one of: conforms" in en.text and "结果须为" not in en.text and "Nothing was written" in en.text


def test_five_failed_logins_lock_the_account(web):
    for _ in range(5):
        assert sign_in(web, "yangf", "wrong").status_code == 401
    locked = sign_in(web, "yangf")
    assert locked.status_code == 429 and "锁定" in locked.text


def test_the_api_takes_a_token_and_meter_data(web, engine):
    client = as_user(web, "lixf")
    page = client.post("/settings/token", data={"name": "能源在线监测", "scope": "activity",
                                                "csrf_token": csrf(client, "/settings")})
    token = re.search(r'<pre id="token">([^<]+)</pre>', page.text).group(1)
    api = TestClient(web.app)
    assert api.get("/api/v1/me").status_code == 401
    assert api.get("/api/v1/me", headers={"Authorization": "Bearer nope"}).status_code == 401
    auth = {"Authorization": f"Bearer {token}"}
    assert api.get("/api/v1/me", headers=auth).json()["username"] == "lixf"
    rows = [{"period": "2026-01", "facility": "F-MV01", "category": "fuel_combustion", "material": "diesel",
             "quantity": 41.2, "unit": "t", "meter": "M-D001"}]
    # 2026 has not been accounted here: nothing to run again
    assert api.post("/api/v1/activity", json={"rows": rows}, headers=auth).json() == {"imported": 1, "rerun": None}
    bad = api.post("/api/v1/activity", json={"rows": [{**rows[0], "period": "2026-02", "quantity": -1}]}, headers=auth)
    assert bad.status_code == 400 and bad.json()["details"][0]["field"] == "quantity"
    anode = {**rows[0], "period": "2026-02", "category": "process", "material": "prebaked_anode", "unit": "MWh"}
    wrong = api.post("/api/v1/activity", json={"rows": [anode]}, headers=auth)  # a unit of another kind: named
    assert wrong.status_code == 400 and wrong.json()["details"][0]["field"] == "unit"
    assert "converts to t (t, kg, 万t)" in wrong.json()["details"][0]["en"]
    with Session(engine) as s:
        assert s.exec(select(func.count()).select_from(ActivityRecord).where(
            ActivityRecord.period >= __import__("datetime").date(2026, 1, 1))).one() == 1
    assert "/api/v1/activity" in api.get("/api/openapi.json").json()["paths"]



def test_a_viewer_is_refused_every_write(web):
    """Every POST route but login, logout and one's own channel refuses a viewer, whatever the form says."""
    client = as_user(web, "qianc")
    token = csrf(client, "/")
    open_to_all = {"/login", "/logout", "/settings/channel", "/password"}  # one's own: tested elsewhere
    from steward.web.routes import ROUTERS
    from workflows.lifecycles import LIFECYCLES
    posts = [r.path for router in ROUTERS for r in router.routes if "POST" in getattr(r, "methods", ())
             and r.path not in open_to_all and not r.path.startswith("/api/")]
    generic = "/w/{lifecycle}/{number}/{trigger}"
    assert generic in posts  # every lifecycle's every trigger, on a row that exists where the demo has one
    posts.remove(generic)
    posts += [f"/w/{name}/{{number}}/{t.trigger}" for name, lc in LIFECYCLES.items() for t in lc.transitions]
    assert len(posts) >= 15
    form = {"csrf_token": token, "version": "1", "year": "2026", "trigger": "review", "clause_id": "4.1",
            "result": "conform", "password": PW, "name": "x", "effective": "yes", "action_id": "1", "note": "x",
            "kind": "corrective", "description": "x", "owner": "lixf", "due": "2099-01-01", "text": "x",
            "attendees": "x", "minutes": "x", "conclusion": "x", "consequence": "x", "disposition": "x",
            "root_cause": "x", "period": "2026-05", "category": "fuel_combustion", "material": "diesel",
            "quantity": "1", "unit": "t", "code": "X9", "username": "x9user", "roles": "staff",
            "doc_type": "procedure", "title": "x", "summary": "x", "base_year": "2025", "abatement_t": "1",
            "achieved_t": "1", "verification": "x", "evidence": "x", "vintage": "2025", "on": "2026-01-01",
            "price": "1", "source": "x", "topics": "x", "audience": "x", "schedule": "x", "target_year": "2030",
            "reduction_pct": "5", "start": "2099-01-05", "end": "2099-01-06", "lead": "zhaom",
            "planned_on": "2099-12-15", "amount": "1", "receipt": "x", "comment": "x", "sector": "cement",
            "listed_from": "2024", "item": "coal_used", "part": "1"}
    for path in posts:
        url = path.replace("{number}", "JYCEM-BL-2023-001" if path.startswith("/w/baseline/") else "JYCEM-XX-001")
        url = url.replace("{token_id}", "1").replace("{username}", "yangf").replace("{channel_id}", "1").replace("{duty_id}", "1").replace("{form}", "training_plan").replace("{record_id}", "1").replace(
            "{period:path}", "2026").replace("{month}", "2026-01")
        files = {"file": ("a.csv", b"x")} if path.endswith(("/import", "/upload")) else None
        status = client.post(url, data=form, files=files).status_code
        assert status in (403, 404), f"{path} → {status}"


def test_a_nonconformity_is_worked_through_in_the_pages(web, engine):
    from helpers import plant_id

    from workflows.improvement import nonconformity as ncs
    with web.app.state.ctx.unit_of_work("test") as s:
        number = ncs.raise_nc(s, plant_id(s), source="audit", clause_id="8.3c", title="M-E021 检定过期",
                              raised_by="zhaom").number
    lixf = as_user(web, "lixf")
    token = csrf(lixf, "/")

    def version(client):  # the version the form on the page carries, as a browser would send it
        return re.search(r'name="version" value="(\d+)"', client.get(f"/nonconformities/{number}").text).group(1)
    lixf.post(f"/nonconformities/{number}/analyse", data={"consequence": "9 月电耗偏差小", "disposition": "关口表复核",
                                                           "root_cause": "台账遗漏", "version": version(lixf),
                                                           "csrf_token": token})
    lixf.post(f"/nonconformities/{number}/plan", data={"kind": "corrective", "description": "送检", "owner": "lixf",
                                                       "due": "2099-01-01", "version": version(lixf), "csrf_token": token})
    stale = lixf.post(f"/nonconformities/{number}/analyse", data={"consequence": "x", "disposition": "x",
                                                                   "root_cause": "x", "version": 1, "csrf_token": token})
    assert stale.status_code == 409  # a stale form is refused
    page = lixf.get(f"/nonconformities/{number}")
    action_id = re.search(r'action="/w/corrective_action/(\d+)/complete"', page.text).group(1)
    lixf.post(f"/w/corrective_action/{action_id}/complete", data={"comment": "已送检合格", "version": 0,
                                                                   "csrf_token": token})
    zhaom = as_user(web, "zhaom")
    closed = zhaom.post(f"/nonconformities/{number}/verify", data={"effective": "yes", "note": "复查有效",
                                                                   "version": version(zhaom), "csrf_token": csrf(zhaom, "/")})
    assert 'id="nc-state">已关闭' in closed.text
    story = closed.text[closed.text.index('id="history-block"'):]
    assert "待分析 → 已分析" in story and "李秀芳" in story and "原因" in story and "root_cause" not in story


def test_an_accounting_run_reports_its_progress(web):
    import time
    client = as_user(web, "lixf")
    started = client.post("/accounting/run", data={"year": 2024, "csrf_token": csrf(client, "/accounting")})
    job = re.search(r'hx-get="/jobs/([^"]+)"', started.text)
    assert 'id="progress"' in started.text
    for _ in range(100):
        status = client.get(f"/jobs/{job.group(1)}").text if job else started.text
        if 'id="job-result"' in status or 'role="alert"' in status:
            break
        time.sleep(0.1)
    assert 'id="job-result"' in status and "(4/4)" in status
    link = re.search(r'id="job-result" href="([^"]+)"', status).group(1)
    assert "2024" in client.get(link).text


def test_a_figure_typed_in_goes_through_the_import_checks(web, engine):
    from datetime import date
    client = as_user(web, "yangf")  # the operator who reads the meters
    token = csrf(client, "/")
    entry = {"period": "2026-03", "facility": "F-MV01", "category": "fuel_combustion", "material": "diesel",
             "quantity": "38.5", "unit": "t", "meter": "M-D001", "csrf_token": token}
    assert 'id="imported"' in client.post("/accounting/entry", data=entry).text
    bad = client.post("/accounting/entry", data={**entry, "period": "2026-04", "unit": "MWh"})
    assert bad.status_code == 422 and "不匹配" in bad.text  # the page again, the mistake beside its field
    again = client.post("/accounting/entry", data=entry)
    assert again.status_code == 422 and "重复月份" in again.text
    with Session(engine) as s:
        assert s.exec(select(func.count()).select_from(ActivityRecord).where(
            ActivityRecord.period >= date(2026, 3, 1))).one() == 1



def audit_log_count(engine) -> int:
    with Session(engine) as s:
        return s.exec(select(func.count()).select_from(AuditEntry)).one()


def test_bad_transitions_get_a_page_in_the_users_language_and_write_nothing(web, engine):
    with web.app.state.ctx.unit_of_work("test") as s:
        from helpers import plant_id
        audit = internal_audit.plan_for_year(s, plant_id(s), 2026, "test")
    zhaom, chenj = as_user(web, "zhaom"), as_user(web, "chenj")
    before = audit_log_count(engine)
    form = {"version": 1, "csrf_token": csrf(zhaom, "/audits")}
    unknown = zhaom.post(f"/w/internal_audit/{audit.number}/explode", data=form)
    assert unknown.status_code == 404 and "没有操作「explode」" in unknown.text
    not_allowed = chenj.post(f"/w/internal_audit/{audit.number}/start", data={**form, "csrf_token": csrf(chenj, "/")})
    assert not_allowed.status_code == 403 and "需要角色" in not_allowed.text
    stale = zhaom.post(f"/w/internal_audit/{audit.number}/start", data={**form, "version": 7})
    assert stale.status_code == 409 and "已被他人修改" in stale.text
    missing = zhaom.post(f"/w/internal_audit/{audit.number}/start", data={"csrf_token": form["csrf_token"]})
    assert missing.status_code == 422 and "「version」缺失" in missing.text and "detail" not in missing.text
    zhaom.get("/lang/en")
    missing_en = zhaom.post(f"/w/internal_audit/{audit.number}/start", data={"csrf_token": form["csrf_token"]})
    assert "The field version is missing" in missing_en.text and "Nothing was written" in missing_en.text
    system_only = zhaom.post(f"/w/nonconformity/{audit.number}/implement", data=form)
    assert system_only.status_code == 404  # not a nonconformity number: found nowhere, named in English now
    assert "No nonconformity" in system_only.text
    assert audit_log_count(engine) == before


def test_unknown_addresses_and_wrong_methods_get_pages_not_json(web):
    client = as_user(web, "lixf")
    lost = client.get("/no/such/page")
    assert lost.status_code == 404 and "没有这个页面" in lost.text and lost.headers["content-type"].startswith("text/html")
    wrong = client.get("/logout")
    assert wrong.status_code == 405 and "不能以这种方式" in wrong.text
    api = client.get("/api/v1/nothing")
    assert api.status_code == 404 and api.json()["code"] == "not_found"


def test_a_crash_is_a_page_with_a_reference_and_is_logged(web, caplog):
    from fastapi import APIRouter
    boom = APIRouter()

    @boom.get("/boom")
    def explode():
        raise RuntimeError("disk on fire")
    web.app.include_router(boom)
    client = TestClient(web.app, raise_server_exceptions=False)
    sign_in(client, "lixf")
    page = client.get("/boom")
    reference = re.search(r"参考编号 ([0-9A-F]{8})", page.text)
    assert page.status_code == 500 and reference and "disk on fire" not in page.text
    assert any(reference.group(1) in r.getMessage() for r in caplog.records)


def test_an_htmx_form_gets_its_error_as_the_field_and_message(web):
    client = as_user(web, "lixf")
    bad = client.post("/audits/plan", data={"year": "next", "csrf_token": csrf(client, "/audits")},
                      headers={"HX-Request": "true"})
    assert bad.status_code == 422 and bad.json()["field"] == "year" and "「year」格式不正确" in bad.json()["message"]
    good = client.post("/lang/en", headers={"HX-Request": "true"})
    assert good.status_code == 405  # a link, not a form


def test_a_cookie_signed_with_the_published_development_secret_opens_nothing(web):
    import base64
    import json

    from itsdangerous import TimestampSigner

    from steward.settings import DEV_SECRET
    payload = base64.b64encode(json.dumps({"username": "lixf", "csrf": "x"}).encode())
    forged = TimestampSigner(DEV_SECRET).sign(payload).decode()
    client = TestClient(web.app, cookies={"steward_session": forged})
    response = client.get("/settings", follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"].startswith("/login")
    assert web.app.state.ctx.session_secret != DEV_SECRET


def test_every_response_carries_the_security_headers(web):
    client = as_user(web, "lixf")
    for path in ("/", "/login", "/no/such/page", "/static/steward.css", "/api/v1/me"):
        headers = client.get(path).headers
        csp = headers["content-security-policy"]
        assert "script-src 'self'" in csp and "unsafe-inline" not in csp and "frame-ancestors 'none'" in csp, path
        assert headers["x-content-type-options"] == "nosniff" and headers["referrer-policy"] == "same-origin", path
    assert client.get("/settings").headers["cache-control"] == "no-store"
    assert "strict-transport-security" not in client.get("/").headers  # development: plain http on this machine


def test_the_api_reference_is_served_from_here_and_needs_a_login(web):
    anonymous = web.get("/api/docs", follow_redirects=False)
    assert anonymous.status_code == 303 and anonymous.headers["location"] == "/login?next=/api/docs"
    page = as_user(web, "zhaom").get("/api/docs")
    assert page.status_code == 200 and "/static/vendor/swagger/swagger-ui-bundle.js" in page.text
    assets = re.findall(r'<(?:script|link)[^>]+(?:src|href)="([^"]+)"', page.text)
    assert assets and all(a.startswith("/static/") for a in assets) and "<script>" not in page.text  # nothing remote


def test_a_job_is_seen_only_within_its_enterprise(web):
    client = as_user(web, "lixf")
    started = client.post("/accounting/run", data={"year": 2024, "csrf_token": csrf(client, "/accounting")})
    job = re.search(r'hx-get="/jobs/([^"]+)"', started.text).group(1)
    assert client.get(f"/jobs/{job}").status_code == 200
    from storage.models import Person
    from workflows.people.organisation import set_password
    with web.app.state.ctx.unit_of_work("test") as s:
        set_password(s, s.exec(select(Person).where(Person.username == "maq")).one(), PW)
    sister = TestClient(web.app)
    assert sign_in(sister, "maq").status_code == 303  # top management of JYXNC
    assert sister.get(f"/jobs/{job}").status_code in (403, 404)
