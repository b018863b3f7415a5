"""Over-long file names, wherever a file is uploaded (a document, a checklist photo, an activity import; the web and
the command line): the person is told the name is too long and what the limit is, next to the file field and in
their language, and nothing is written."""

from __future__ import annotations

import io

import docx
import pytest
from fastapi.testclient import TestClient
from helpers import act, csrf, plant_id, run_steward, sign_in, this_year
from sqlmodel import Session, func, select

from forms.uploads import MAX_NAME
from storage.models import ActivityRecord, Document
from workflows.audit import internal_audit as audits

HX = {"HX-Request": "true"}
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00\xff\xd9"


def word() -> bytes:
    out = io.BytesIO()
    docx.Document().save(out)
    return out.getvalue()


def count(engine, model) -> int:
    with Session(engine) as s:
        return s.exec(select(func.count()).select_from(model)).one()


def stored_files(web) -> list:
    return [p for p in web.app.state.ctx.files.root.rglob("*") if p.is_file()]


@pytest.mark.parametrize("length", [5_000, 300])  # past the upload's own 4 KB header, and past the column only
def test_a_document_with_an_over_long_name_is_refused_by_the_file_field(web, engine, length):
    client = TestClient(web.app, raise_server_exceptions=False)
    sign_in(client, "lixf")
    before = count(engine, Document)
    token = csrf(client, "/documents/new")
    name = "晋岩水泥碳排放管理制度" * (length // 11) + ".docx"
    answer = client.post("/documents/new", headers=HX, data={"doc_type": "procedure", "title": "碳排放管理制度",
                                                             "csrf_token": token}, files={"file": (name, word())})
    assert answer.status_code == 400 and answer.json()["field"] == "file", answer.text
    assert "文件名过长" in answer.json()["message"] and f"最多 {MAX_NAME} 个字符" in answer.json()["message"]
    client.get("/lang/en")
    page = client.post("/documents/new", data={"doc_type": "procedure", "title": "碳排放管理制度", "csrf_token": token},
                       files={"file": (name, word())})
    assert page.status_code == 400 and "The file name is too long" in page.text
    assert f"at most {MAX_NAME} characters" in page.text
    assert count(engine, Document) == before and stored_files(web) == []


def test_a_checklist_photo_and_an_import_with_over_long_names_are_refused_too(web, plant, engine):
    number = act(plant, "lixf", lambda s, a: audits.plan_for_year(s, plant_id(s), this_year(), "test").number)
    act(plant, "lixf", lambda s, a: audits.start(s, a, audits.get(s, a, number)))
    zhaom = TestClient(web.app, raise_server_exceptions=False)
    sign_in(zhaom, "zhaom")
    for name in ("照" * 5_000 + ".jpg", "照" * 300 + ".jpg"):
        photo = zhaom.post(f"/audits/{number}/check", headers=HX, files={"file": (name, JPEG)},
                           data={"clause_id": "7.1.2", "result": "conform", "csrf_token": csrf(zhaom, "/audits")})
        assert photo.status_code == 400 and photo.json()["field"] == "file" and "文件名过长" in photo.json()["message"]
    assert stored_files(web) == []
    lixf = TestClient(web.app, raise_server_exceptions=False)
    sign_in(lixf, "lixf")
    before = count(engine, ActivityRecord)
    imported = lixf.post("/accounting/import", headers=HX, files={"file": ("台账" * 150 + ".csv", b"period\n")},
                         data={"csrf_token": csrf(lixf, "/accounting")})
    assert imported.status_code == 400 and imported.json()["code"] == "file_name_too_long"
    assert "（304 个字符）" in imported.json()["message"] and count(engine, ActivityRecord) == before


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_the_command_line_names_the_limit_in_one_line(plant, steward_env, tmp_path):
    made = run_steward(["doc", "new", "--as", "lixf", "--type", "procedure", "--title", "计量器具管理程序"], steward_env,
                       check=True)
    number = made.stdout.split()[0]
    long_name = tmp_path / ("m" * 230 + ".docx")  # a Linux name holds 255 bytes
    long_name.write_bytes(word())
    upload = run_steward(["doc", "upload", "--as", "lixf", number, str(long_name)], steward_env)
    assert upload.returncode == 2 and f"at most {MAX_NAME} characters" in upload.stderr
    assert "文件名过长（235 个字符）" in upload.stderr
    sheet = tmp_path / ("a" * 230 + ".csv")
    sheet.write_text("period\n")
    imported = run_steward(["account", "import", "--as", "lixf", str(sheet)], steward_env)
    assert imported.returncode == 2 and "The file name is too long (234 characters)" in imported.stderr
