"""Countersigning in the web, where people get it wrong: the settings page is the carbon manager's, a non-signer
and a wrong password are refused by name, a rejection needs its reason and shows it on the document page."""

from __future__ import annotations

import io
import re

import docx
import pytest
from helpers import as_user, csrf

from steward.demo import DEMO_PASSWORD as PW

pytestmark = pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
HX = {"HX-Request": "true"}


def submitted(web) -> str:
    lixf = as_user(web, "lixf")
    saved = lixf.post("/countersign", data={"doc_type": "procedure", "people": ["zhoul"], "departments": ["EQP"],
                                            "csrf_token": csrf(lixf, "/countersign")}, follow_redirects=False)
    assert saved.status_code == 303
    d = docx.Document()
    d.add_paragraph("计量器具按期检定。")
    out = io.BytesIO()
    d.save(out)
    made = lixf.post("/documents/new", data={"doc_type": "procedure", "title": "能源计量管理制度",
                                             "csrf_token": csrf(lixf, "/documents/new")},
                     files={"file": ("制度.docx", out.getvalue())}, follow_redirects=False)
    number = made.headers["location"].rsplit("/", 1)[1]
    lixf.post(f"/w/document/{number}/submit", data={"version": version(lixf, number), "password": PW,
                                                     "csrf_token": csrf(lixf, "/documents")})
    return number


def version(client, number) -> str:
    return re.search(r'name="version" value="(\d+)"', client.get(f"/documents/{number}").text).group(1)


def test_countersign_settings_are_the_carbon_manager_s_and_bad_names_are_refused(web):
    zhaom = as_user(web, "zhaom")
    assert zhaom.get("/countersign").status_code == 403
    lixf = as_user(web, "lixf")
    assert 'id="countersign-settings"' in lixf.get("/documents").text
    ghost = lixf.post("/countersign", data={"doc_type": "procedure", "people": ["nobody"],
                                            "csrf_token": csrf(lixf, "/countersign")}, headers=HX)
    assert ghost.status_code == 404 and ghost.json()["field"] == "people"
    forged = lixf.post("/countersign", data={"doc_type": "procedure", "people": ["zhoul"]}, headers=HX)
    assert forged.status_code in (400, 403)
    assert "周磊" not in lixf.get("/countersign").text.split('id="countersign-types"')[1].split("</table>")[0]


def test_a_non_signer_and_a_wrong_password_are_refused_and_a_rejection_shows_its_reason(web):
    number = submitted(web)
    zhaom = as_user(web, "zhaom")
    page = zhaom.get(f"/documents/{number}").text
    assert 'id="my-countersign"' not in page and "周磊" in page and "待签" in page
    seen = version(as_user(web, "zhoul"), number)  # a non-signer has no form, so no version of their own
    assert 'name="version"' not in page  # and no button to send it back around the countersigners
    refused = zhaom.post(f"/documents/{number}/countersign", data={"version": seen, "password": PW,
                                                                   "csrf_token": csrf(zhaom, "/documents")}, headers=HX)
    assert refused.status_code == 403 and "会签人" in refused.content.decode()
    zhoul = as_user(web, "zhoul")
    assert 'id="my-countersign"' in zhoul.get(f"/documents/{number}").text
    wrong = zhoul.post(f"/documents/{number}/countersign", data={"version": version(zhoul, number),
                                                                 "password": "not-the-password",
                                                                 "csrf_token": csrf(zhoul, "/documents")}, headers=HX)
    assert wrong.status_code == 401 and wrong.json()["field"] == "password"
    liuy = as_user(web, "liuy")
    empty = liuy.post(f"/documents/{number}/countersign/reject", data={"version": version(liuy, number), "comment": " ",
                                                                       "csrf_token": csrf(liuy, "/documents")},
                      headers=HX)
    assert empty.status_code == 400 and empty.json()["field"] == "comment"
    liuy.post(f"/documents/{number}/countersign/reject", data={"version": version(liuy, number),
                                                               "comment": "检定周期与规程不符",
                                                               "csrf_token": csrf(liuy, "/documents")})
    page = as_user(web, "lixf").get(f"/documents/{number}").text
    assert "草稿" in page.split('id="doc-state"')[1][:40]
    table = page.split('id="countersign"')[1].split("</table>")[0]
    assert "检定周期与规程不符" in table and "已拒绝" in table and "未签（本轮已结束）" in table


def test_a_countersigner_who_left_is_named_on_both_pages_and_the_manager_replaces_them(web, plant):
    from sqlmodel import select

    from storage.models import Person
    number = submitted(web)
    with plant("test") as s:
        person = s.exec(select(Person).where(Person.username == "zhoul")).one()
        person.active = False
        s.add(person)
    lixf = as_user(web, "lixf")
    settings = lixf.get("/countersign").text
    assert 'id="signer-left"' in settings and "周磊" in settings.split('id="signer-left"')[1][:200]
    page = lixf.get(f"/documents/{number}").text
    table = page.split('id="countersign"')[1].split("</table>")[0]
    assert "周磊" in table and "已停用" in table
    part = re.search(r'name="part" value="(\d+)"', table).group(1)
    stranger = lixf.post(f"/documents/{number}/countersign/replace", data={"part": part, "username": "maq",
                                                                           "csrf_token": csrf(lixf, "/documents")},
                         headers=HX)
    assert stranger.status_code == 404 and stranger.json()["field"] == "username"  # another enterprise's user
    lixf.post(f"/documents/{number}/countersign/replace", data={"part": part, "username": "yangf",
                                                                "csrf_token": csrf(lixf, "/documents")})
    yangf = as_user(web, "yangf")
    assert f'href="/documents/{number}"' in yangf.get("/tasks").text  # the new signer's task
    yangf.post(f"/documents/{number}/countersign", data={"version": version(yangf, number), "password": PW,
                                                         "csrf_token": csrf(yangf, "/documents")})
    liuy = as_user(web, "liuy")
    liuy.post(f"/documents/{number}/countersign", data={"version": version(liuy, number), "password": PW,
                                                        "csrf_token": csrf(liuy, "/documents")})
    assert "已审核" in lixf.get(f"/documents/{number}").text.split('id="doc-state"')[1][:40]
