"""The audit checklist as an auditor works it on a tablet: one line recorded at a time and redrawn alone,
notes over several lines, a photo taken on the spot, a document or record linked by its number, and the
nonconformity a finding raises named with a link."""

from __future__ import annotations

import hashlib
import re

import pytest
from helpers import act, as_user, csrf, plant_id, this_year
from sqlmodel import Session, select

from storage.models import ChecklistItem, InternalAudit, StoredFile
from workflows.audit import checklist
from workflows.audit import internal_audit as audits
from workflows.documents import records

pytestmark = pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
HX = {"HX-Request": "true"}
# the smallest JPEG a camera could not make, but whose bytes are a JPEG's: SOI, APP0 JFIF, EOI
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00\xff\xd9"


@pytest.fixture
def started(plant):
    number = act(plant, "lixf", lambda s, a: audits.plan_for_year(s, plant_id(s), this_year(), "test").number)

    def run(s, a):
        audits.start(s, a, s.exec(select(InternalAudit).where(InternalAudit.number == number)).one())
    act(plant, "lixf", run)
    return number


def line(engine, clause_id):
    with Session(engine) as s:
        return s.exec(select(ChecklistItem).where(ChecklistItem.clause_id == clause_id)).one()


def test_a_line_is_redrawn_alone_with_its_notes_photo_linked_record_and_raised_nonconformity(web, plant, engine,
                                                                                             started):
    number = started
    zhaom = as_user(web, "zhaom")
    page = zhaom.get(f"/audits/{number}").text
    assert 'id="evidence-links"' in page and 'hx-target="closest article"' in page
    token = csrf(zhaom, f"/audits/{number}")
    record_id = act(plant, "lixf", lambda s, a: records.add(s, a, "training", {
        "topic": "计量器具管理", "kind": "management", "attendees": 8, "hours": 2}).id)
    notes = "计量员未经计量器具管理培训即上岗\n2026 年度培训记录缺计量员"
    answer = zhaom.post(f"/audits/{number}/check", headers=HX, data={
        "clause_id": "7.1.2", "result": "minor_nc", "notes": notes, "link": f"R{record_id}", "csrf_token": token},
        files={"file": ("电能表.jpg", JPEG, "image/jpeg")})
    assert answer.status_code == 200, answer.text
    body = answer.text
    assert "<html" not in body and body.lstrip().startswith('<article id="c-7.1.2"')  # the line alone
    assert re.search(r'<strong id="pending" hx-swap-oob="true">200</strong>', body)  # and the count still to do
    raised = re.search(r'href="/nonconformities/([^"]+)" class="raised"', body).group(1)
    assert raised.startswith("JYCEM-NC-") and "已开具不符合项" in body
    assert "2026 年度培训记录缺计量员</textarea>" in body  # both lines of the notes kept
    photo = re.search(r'<img src="(/audits/[^"]+/evidence/[0-9a-f]{64})"', body).group(1)
    shown = zhaom.get(photo)
    assert shown.content == JPEG and shown.headers["content-type"] == "image/jpeg"
    assert shown.headers["content-disposition"].startswith("inline")
    assert 'href="/records/' in body and f"R{record_id} " in body  # the linked record opens from the line
    assert as_user(web, "wangjg").get(f"/nonconformities/{raised}").status_code == 200


def test_a_photo_that_is_not_one_or_an_unknown_number_is_refused_and_the_line_stays_as_it_was(web, plant, engine,
                                                                                               started):
    number = started
    zhaom = as_user(web, "zhaom")
    token = csrf(zhaom, f"/audits/{number}")
    form = {"clause_id": "6.3.3", "result": "observation", "notes": "文件清单未注明版本", "csrf_token": token}
    fake = zhaom.post(f"/audits/{number}/check", headers=HX, data=form,
                      files={"file": ("photo.jpg", b"MZ\x90\x00 not a photo", "image/jpeg")})
    assert fake.status_code == 415 and fake.json()["field"] == "file" and "jpg" in fake.json()["message"]
    unknown = zhaom.post(f"/audits/{number}/check", headers=HX, data={**form, "link": "JYCEM-PR-999"})
    assert unknown.status_code in (400, 404) and unknown.json()["field"] == "link"
    training = act(plant, "lixf", lambda s, a: records.add(s, a, "training", {
        "topic": "计量器具管理", "kind": "management", "attendees": 8, "hours": 2}).id)
    unfit = zhaom.post(f"/audits/{number}/check", headers=HX, data={**form, "link": f"R{training}"},
                       files={"file": ("电能表.jpg", JPEG, "image/jpeg")})
    assert unfit.status_code == 422 and unfit.json()["field"] == "link"
    assert "不能作为条款 6.3.3 的证据" in unfit.json()["message"] and "7.1.2" in unfit.json()["message"]
    left = line(engine, "6.3.3")
    assert left.result == "pending" and left.notes == ""  # nothing half-written
    assert all(e["kind"] not in ("file", "document") for e in left.evidence)
    other = zhaom.get(f"/audits/{number}/evidence/{'0' * 64}")
    assert other.status_code == 404  # only a file on this audit's lines is served


def test_two_findings_on_one_line_raise_two_nonconformities_and_both_reach_the_report(web, plant, started):
    """A real audit often finds two things wrong under 7.5.2: the second is raised from the same line."""
    number = started
    zhaom = as_user(web, "zhaom")
    token = csrf(zhaom, f"/audits/{number}")
    zhaom.post(f"/audits/{number}/check", headers=HX, data={
        "clause_id": "7.5.2c", "result": "minor_nc", "notes": "化验记录未编号归档", "csrf_token": token})
    alone = zhaom.post(f"/audits/{number}/finding", headers=HX, data={
        "clause_id": "7.5.2c", "result": "minor_nc", "notes": " ", "csrf_token": token})
    assert alone.status_code == 400 and alone.json()["field"] == "notes"  # the facts are needed
    second = zhaom.post(f"/audits/{number}/finding", headers=HX, data={
        "clause_id": "7.5.2c", "result": "major_nc", "notes": "作废文件仍在生产现场使用", "csrf_token": token})
    assert second.status_code == 200, second.text
    raised = re.findall(r'href="/nonconformities/([^"]+)" class="raised"', second.text)
    assert len(raised) == 2 and second.text.lstrip().startswith('<article id="c-7.5.2c" class="item major_nc"')
    first_only = zhaom.post(f"/audits/{number}/finding", headers=HX, data={
        "clause_id": "7.5.2d", "result": "minor_nc", "notes": "x", "csrf_token": token})
    assert first_only.status_code == 409  # a line without a first finding takes it through the checklist
    with plant("reader") as s:
        audit = s.exec(select(InternalAudit).where(InternalAudit.number == number)).one()
        found = checklist.findings(s, audit)
        assert [nc.severity for nc in found] == ["minor", "major"] and {nc.clause_id for nc in found} == {"7.5.2c"}
        from forms.policy import text_of
        from workflows.audit.report import audit_report
        text = text_of(audit_report(s, audit))
    assert all(nc.number in text for nc in found)


def test_a_refused_line_leaves_no_file_behind_unless_its_bytes_were_already_kept(web, plant, engine, started):
    """The photo is kept before the line is checked; when the line is refused (a finding without its facts, or
    someone outside the team), the bytes go again — but not bytes another line already holds."""
    number = started
    store = web.app.state.ctx.files
    photo = JPEG[:-2] + b"meter M-E021, 2026-11-03" + JPEG[-2:]
    sha = hashlib.sha256(photo).hexdigest()
    zhaom, chenj = as_user(web, "zhaom"), as_user(web, "chenj")
    for client, form, status in ((zhaom, {"result": "minor_nc", "notes": " "}, 400),
                                 (chenj, {"result": "conform"}, 403)):
        refused = client.post(f"/audits/{number}/check", headers=HX, files={"file": ("电能表.jpg", photo, "image/jpeg")},
                              data={"clause_id": "7.1.2", **form, "csrf_token": csrf(client, f"/audits/{number}")})
        assert refused.status_code == status, refused.text
        assert not store.path(sha).exists() and not stored_row(engine, sha)
        assert line(engine, "7.1.2").result == "pending"
    token = csrf(zhaom, f"/audits/{number}")
    kept = zhaom.post(f"/audits/{number}/check", headers=HX, files={"file": ("电能表.jpg", photo, "image/jpeg")},
                      data={"clause_id": "6.3.3", "result": "conform", "csrf_token": token})
    assert kept.status_code == 200 and store.path(sha).exists()
    again = zhaom.post(f"/audits/{number}/check", headers=HX, files={"file": ("电能表.jpg", photo, "image/jpeg")},
                       data={"clause_id": "7.1.2", "result": "minor_nc", "notes": " ", "csrf_token": token})
    assert again.status_code == 400 and again.json()["field"] == "notes"
    assert zhaom.get(f"/audits/{number}/evidence/{sha}").content == photo  # the first line's photo still opens


def stored_row(engine, sha: str) -> bool:
    with Session(engine) as s:
        return s.get(StoredFile, sha) is not None
