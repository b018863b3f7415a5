"""Numbers people (or scripts) put in an address, a query or a form that no database column can hold: every route
answers 404 or 422 with what was wrong, never a 500, on both databases."""

from __future__ import annotations

import types
import typing

from fastapi.routing import APIRoute
from fastapi.testclient import TestClient
from helpers import act, plant_id, sign_in, this_year

from steward.web.routes import ROUTERS
from workflows.audit import internal_audit as audits
from workflows.people import logins

BIG = "9" * 23  # past SQLite's 64-bit and PostgreSQL's 32-bit integers
HX = {"HX-Request": "true"}


def _is_int(annotation) -> bool:
    """int, int | None, and either with bounds (``Annotated``)."""
    if typing.get_origin(annotation) is typing.Annotated:
        return _is_int(typing.get_args(annotation)[0])
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        return any(_is_int(a) for a in typing.get_args(annotation))
    return annotation is int


def int_params():
    """(route, method, where, name) for every whole-number parameter of every route, the API's included."""
    for route in (r for router in ROUTERS for r in router.routes if isinstance(r, APIRoute)):
        dep = route.dependant
        for where, params in (("path", dep.path_params), ("query", dep.query_params), ("form", dep.body_params)):
            for p in params:
                if _is_int(p.field_info.annotation):
                    yield route, sorted(route.methods)[0], where, p.alias


def _url(route: APIRoute, where: str, name: str) -> str:
    url = route.path.replace("{key:path}", "x").replace("{period:path}", "x")
    for p in route.dependant.path_params:
        url = url.replace("{" + p.name + "}", BIG if where == "path" and p.alias == name else "1")
    return url + (f"?{name}={BIG}" if where == "query" else "")


def test_no_route_answers_a_huge_number_with_a_500(web, plant):
    client = TestClient(web.app, raise_server_exceptions=False)
    sign_in(client, "lixf")
    token = act(plant, "lixf", lambda s, a: logins.issue_token(s, a, "监测系统", 30))
    headers = {**HX, "Authorization": f"Bearer {token}"}
    csrf_token = client.get("/settings").text.split('name="csrf_token" value="')[1].split('"')[0]
    seen, wrong = [], []
    for route, method, where, name in int_params():
        data = {"csrf_token": csrf_token, **({name: BIG} if where == "form" else {})}
        answer = client.request(method, _url(route, where, name), headers=headers,
                                data=data if method == "POST" else None)
        seen.append((route.path, name))
        named = answer.status_code != 422 or name in [d["field"] for d in answer.json()["details"]]
        if answer.status_code >= 500 or not named:
            wrong.append((method, route.path, name, answer.status_code))
    assert not wrong, "\n".join(map(str, wrong))
    assert ("/api/v1/emissions/{year}", "year") in seen and ("/records/{form}/{record_id}", "record_id") in seen
    assert ("/accounting", "run") in seen and ("/assets", "year") in seen
    assert len(seen) > 30  # every page and form that takes a number, not a few picked by hand


def test_the_api_says_there_is_no_such_year_and_a_form_says_the_limit(web, plant):
    token = act(plant, "lixf", lambda s, a: logins.issue_token(s, a, "监测系统", 30))
    api = TestClient(web.app, raise_server_exceptions=False)
    for year in (BIG, str(2**31), str(2**63)):
        answer = api.get(f"/api/v1/emissions/{year}", headers={"Authorization": f"Bearer {token}"})
        assert answer.status_code == 404 and answer.json()["code"] == "not_found", (year, answer.text)
        assert answer.json()["en"] == "There is no such page or record"
    client = TestClient(web.app, raise_server_exceptions=False)
    sign_in(client, "zhaom")
    token = client.get("/audits").text.split('name="csrf_token" value="')[1].split('"')[0]
    plan = client.post("/audits/plan", data={"year": BIG, "csrf_token": token}, headers=HX)
    assert plan.status_code == 422 and plan.json()["field"] == "year"
    assert plan.json()["message"] == "「year」不能大于 2999"
    client.get("/lang/en")
    page = client.post("/audits/plan", data={"year": BIG, "csrf_token": token})
    assert page.status_code == 422 and "The field year must be at most 2999" in page.text
    assert client.get(f"/settings/token/{BIG}/revoke").status_code == 405  # still a form, not a link
    gone = client.post(f"/settings/token/{BIG}/revoke", data={"csrf_token": token})
    assert gone.status_code == 404 and "There is no such page or record" in gone.text


def test_a_huge_number_typed_as_a_reference_is_no_such_record(web, plant, engine):
    number = act(plant, "lixf", lambda s, a: audits.plan_for_year(s, plant_id(s), this_year(), "test").number)
    act(plant, "lixf", lambda s, a: audits.start(s, a, audits.get(s, a, number)))
    client = TestClient(web.app, raise_server_exceptions=False)
    sign_in(client, "zhaom")
    token = client.get("/audits").text.split('name="csrf_token" value="')[1].split('"')[0]
    for ref in (f"R{BIG}", "R²"):  # "²" is a digit to str.isdigit, not to int()
        linked = client.post(f"/audits/{number}/check", headers=HX, data={
            "clause_id": "7.1.2", "result": "conform", "link": ref, "csrf_token": token})
        assert linked.status_code == 400 and linked.json()["field"] == "link", linked.text
        assert f"没有编号为 {ref} 的文件或记录" == linked.json()["message"]
    for key in (BIG, "²"):
        fired = client.post(f"/w/data_anomaly/{key}/confirm", data={"version": "1", "csrf_token": token}, headers=HX)
        assert fired.status_code == 404 and fired.json()["message"] == f"没有异常数据 #{key}"
