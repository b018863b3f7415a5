"""What a carbon manager can learn of another enterprise of the group by naming its people: nothing. Every form
that takes a user name (owner, reader, lead auditor, team, attendee, action owner, the people page) or a person's
code (a duty) answers a sister company's person exactly as it answers a name nobody has."""

from __future__ import annotations

from fastapi.testclient import TestClient
from helpers import csrf, sign_in

from steward import demo
from workflows.people import organisation as org

HX = {"HX-Request": "true"}
THEIRS, NOBODY = ("liuxn", "XN-07"), ("zhoux", "XN-99")  # (user name, staff code)


def forms(username: str, code: str) -> list[tuple[str, dict]]:
    return [
        ("/documents/new", {"doc_type": "procedure", "title": "计量管理程序", "owner": username}),
        ("/documents/new", {"doc_type": "procedure", "title": "计量管理程序", "readers": username}),
        ("/audits/new", {"start": "2030-01-07", "end": "2030-01-08", "lead": username}),
        ("/audits/new", {"start": "2030-01-07", "end": "2030-01-08", "lead": "zhaom", "team": username}),
        ("/reviews/plan", {"planned_on": "2030-01-07", "attendees": username}),
        ("/registers/improvements/new", {"title": "余热利用", "description": "d", "owner": username}),
        ("/registers/reductions/new", {"title": "变频改造", "abatement_t": "120", "verification": "电表",
                                       "owner": username}),
        (f"/people/{username}/password", {"password": "Kiln-clinker-2026!"}),
        (f"/people/{username}/disable", {}),
        (f"/people/{username}/roles", {"roles": "staff"}),
        (f"/people/{username}/enable", {"password": "Kiln-clinker-2026!"}),
        (f"/people/{username}/department", {"department": "ENV"}),
        ("/people/duties", {"clause_id": "4.2a", "person": code}),
        ("/delegations", {"person": "lixf", "substitute": username, "starts": "2030-01-07", "ends": "2030-01-08"}),
        ("/delegations", {"person": username, "substitute": "zhangw", "starts": "2030-01-07", "ends": "2030-01-08"}),
    ]


def answers(client: TestClient, username: str, code: str) -> list[tuple]:
    token = csrf(client, "/people")
    out = []
    for path, data in forms(username, code):
        reply = client.post(path, data={**data, "csrf_token": token}, headers=HX)
        shown = reply.text.replace(username, "NAME").replace(code, "CODE")
        out.append((path.replace(username, "NAME"), reply.status_code, shown))
    return out


def test_a_sister_companys_people_are_answered_like_names_nobody_has(web, plant):
    with plant("system:test") as s:
        org.add(s, "person", {"code": THEIRS[1], "name": "刘欣", "username": THEIRS[0], "roles": ["staff"]},
                enterprise_ref=demo.SISTER)
    client = TestClient(web.app)
    sign_in(client, "lixf")  # a carbon manager of JYCEM: keeps its people, plans, documents
    theirs, nobody = answers(client, *THEIRS), answers(client, *NOBODY)
    assert theirs == nobody
    assert all(status == 404 for _, status, _ in theirs), theirs
    assert demo.SISTER not in str(theirs)
