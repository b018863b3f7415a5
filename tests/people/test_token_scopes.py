"""API tokens with a scope chosen when they are issued: a read-only token reads and is refused on the one write
the API offers; a token allowed to push activity data pushes it; tokens issued before scopes keep working as they
did. On SQLite and PostgreSQL."""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone

import sqlalchemy as sa
from fastapi.testclient import TestClient
from helpers import as_user, csrf
from sqlmodel import Session, func, select

from storage import migrate
from storage.engine import make_engine, unit_of_work
from storage.models import ActivityRecord, ApiToken
from workflows.people import logins

ROW = {"period": "2026-01", "facility": "F-MV01", "category": "fuel_combustion", "material": "diesel",
       "quantity": 41.2, "unit": "t", "meter": "M-D001"}


def issue(client: TestClient, name: str, scope: str) -> str:
    page = client.post("/settings/token", data={"name": name, "scope": scope, "csrf_token": csrf(client, "/settings")})
    return re.search(r'<pre id="token">([^<]+)</pre>', page.text).group(1)


def activity_rows(engine) -> int:
    with Session(engine) as s:
        return s.exec(select(func.count()).select_from(ActivityRecord)).one()


def test_a_read_only_token_reads_and_is_refused_on_the_write(web, engine):
    manager = as_user(web, "lixf")
    reader, pusher = issue(manager, "碳排放看板", "read"), issue(manager, "能源在线监测", "activity")
    api = TestClient(web.app)
    as_reader, as_pusher = ({"Authorization": f"Bearer {t}"} for t in (reader, pusher))
    assert api.get("/api/v1/me", headers=as_reader).json()["username"] == "lixf"
    assert api.get("/api/v1/tasks", headers=as_reader).status_code == 200
    assert api.get("/api/v1/emissions/2025", headers=as_reader).status_code == 200
    before = activity_rows(engine)
    refused = api.post("/api/v1/activity", json={"rows": [ROW]}, headers=as_reader)
    assert refused.status_code == 403 and refused.json()["code"] == "token_scope"
    assert refused.json()["en"] == ("This API token is read only: it cannot push activity data; issue one with the "
                                    "scope “read and push activity data”")
    assert "此 API 令牌的权限为“只读”，不能推送活动数据" in refused.json()["zh"]
    assert activity_rows(engine) == before  # nothing of the refused push is kept
    assert api.post("/api/v1/activity", json={"rows": [ROW]}, headers=as_pusher).json()["imported"] == 1
    assert activity_rows(engine) == before + 1


def test_the_settings_page_asks_for_the_scope_and_shows_it_in_both_languages(web):
    manager = as_user(web, "lixf")
    form = manager.get("/settings").text
    assert '<select name="scope"' in form and '<option value="read">只读</option>' in form
    assert '<option value="activity">读取并推送活动数据</option>' in form
    shown = manager.post("/settings/token", data={"name": "碳排放看板", "scope": "read",
                                                  "csrf_token": csrf(manager, "/settings")}).text
    assert re.search(r'<p id="scope"><strong>权限</strong> 只读</p>', shown)
    issue(manager, "能源在线监测", "activity")
    listing = manager.get("/settings").text
    assert re.search(r"<td>碳排放看板</td><td>只读</td>", listing)
    assert re.search(r"<td>能源在线监测</td><td>读取并推送活动数据</td>", listing)
    manager.get("/lang/en")
    english = manager.get("/settings").text
    assert "<th>Scope</th>" in english and "<td>碳排放看板</td><td>Read only</td>" in english
    assert "<td>能源在线监测</td><td>Read and push activity data</td>" in english
    wrong = manager.post("/settings/token", headers={"HX-Request": "true"},
                         data={"name": "x", "scope": "admin", "csrf_token": csrf(manager, "/settings")})
    assert wrong.status_code == 400 and wrong.json()["field"] == "scope"
    assert wrong.json()["message"] == "The scope is one of: read only, read and push activity data"


def test_tokens_issued_before_scopes_keep_pushing_activity_data(db_url):
    """A database at 0020 with a token in use: after the upgrade it has the scope that keeps today's behaviour."""
    engine = make_engine(db_url)
    migrate.upgrade(engine, "0020")
    now = datetime.now(timezone.utc)
    with engine.begin() as c:
        c.execute(sa.text("INSERT INTO enterprise (id, code, name_zh, name_en, credit_code, industry, province, "
                          "address, created_at) VALUES (1, 'E', '厂', 'Plant', 'X', 'cement', 'SX', '', :t)"), {"t": now})
        c.execute(sa.text("INSERT INTO person (id, enterprise_id, code, name, position, email, phone, username, "
                          "language, active) VALUES (1, 1, 'P1', '甲', '', '', '', 'jia', 'zh', :yes)"), {"yes": True})
        c.execute(sa.text("INSERT INTO api_token (id, enterprise_id, person_id, name, token_sha256, created_at, "
                          "expires_at) VALUES (1, 1, 1, '能源在线监测', :h, :t, :e)"),
                  {"h": logins.token_hash("cs_old"), "t": now, "e": now + timedelta(days=30)})
    migrate.upgrade(engine)
    with unit_of_work(engine, "test") as s:
        assert s.get(ApiToken, 1).scope == "activity"
        assert logins.token_actor(s, "cs_old", need="activity").person.username == "jia"
    engine.dispose()
