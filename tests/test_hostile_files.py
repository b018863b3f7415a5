"""Files and figures as an attacker (or a careless export) would send them: each is refused early, with
the cell or the file named, and nothing is written."""

from __future__ import annotations

import csv
import io
import re
import zipfile

import docx
import pytest
from fastapi.testclient import TestClient
from helpers import act
from openpyxl import Workbook
from sqlmodel import Session, func, select

from forms.activity_import import HEADERS
from steward.context import Context
from steward.demo import DEMO_PASSWORD as PW
from steward.settings import load
from steward.web.app import create_app
from storage.errors import StewardError
from storage.models import ActivityRecord
from workflows.accounting import activity
from workflows.documents import document as docs

pytestmark = pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
ROW = ["2026-01", "F-MV01", "fuel_combustion", "diesel", "41.2", "t", "measured", "M-D001", "台账"]


def rows_in(engine) -> int:
    with Session(engine) as s:
        return s.exec(select(func.count()).select_from(ActivityRecord)).one()


def workbook(rows) -> bytes:
    wb = Workbook()
    ws = wb.active
    for r in rows:
        ws.append(r)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def rewrite(xlsx: bytes, member: str, change) -> bytes:
    """Copy a workbook, changing one part's XML."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(xlsx)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            data = src.read(info)
            dst.writestr(info, change(data) if info.filename == member else data)
    return out.getvalue()


def huge_dimension() -> bytes:
    """5 KB that declares A1:XFD1048576 and has a cell in the last row."""
    def change(xml: bytes) -> bytes:
        xml = re.sub(rb'<dimension ref="[^"]+"/>', b'<dimension ref="A1:XFD1048576"/>', xml)
        return xml.replace(b"</sheetData>", b'<row r="1048576"><c r="XFD1048576" t="inlineStr"><is><t>x</t></is>'
                                            b'</c></row></sheetData>')
    return rewrite(workbook([HEADERS, ROW]), "xl/worksheets/sheet1.xml", change)


def zip_bomb() -> bytes:
    """A workbook whose shared strings unpack to ~250 MB from a few hundred KB."""
    base = workbook([HEADERS, ROW])
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(base)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            dst.writestr(info, src.read(info))
        with dst.open("xl/padding.xml", "w") as part:
            chunk = b" " * (1 << 20)
            for _ in range(250):
                part.write(chunk)
    return out.getvalue()


def test_hostile_workbooks_are_refused_before_they_are_parsed(plant, engine):
    bomb = zip_bomb()
    assert len(bomb) < 1 << 20
    for name, data, code in (("dimension.xlsx", huge_dimension(), "too_many"), ("bomb.xlsx", bomb, "zip_bomb")):
        with pytest.raises(StewardError) as err:
            act(plant, "lixf", lambda s, a, n=name, d=data: activity.import_file(s, a, n, d))
        assert err.value.code == code and err.value.status == 413, name
    entity = rewrite(workbook([HEADERS, ROW]), "xl/worksheets/sheet1.xml", lambda xml: xml.replace(
        b"<worksheet", b'<!DOCTYPE x [<!ENTITY boom "boom">]><worksheet', 1))
    with pytest.raises(StewardError) as err:
        act(plant, "lixf", lambda s, a: activity.import_file(s, a, "entity.xlsx", entity))
    assert err.value.code == "xml_entity"
    assert act(plant, "lixf", lambda s, a: activity.import_file(
        s, a, "fine.xlsx", workbook([HEADERS, ROW]))) == 1  # an ordinary workbook still imports


def with_sheet_named(xlsx: bytes, new_name: str, change) -> bytes:
    """Copy a workbook with its sheet moved to another part name (declared in [Content_Types].xml and the
    workbook's relationships, as a package may) and its XML changed."""
    old = "xl/worksheets/sheet1.xml"
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(xlsx)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            data = src.read(info)
            if info.filename == old:
                dst.writestr(new_name, change(data))
                continue
            if info.filename in ("[Content_Types].xml", "xl/_rels/workbook.xml.rels"):
                data = data.replace(old.encode(), new_name.encode()).replace(b"worksheets/sheet1.xml",
                                                                             new_name[3:].encode())
            dst.writestr(info, data)
    return out.getvalue()


def test_an_entity_anywhere_in_any_xml_part_is_refused_and_nothing_is_kept(plant, engine, store):
    """Past the first kilobytes, after the root element, in UTF-16, in a part whose name does not end in .xml:
    each DOCTYPE or ENTITY is found, the workbook or Word file refused, nothing imported or stored."""
    entity = b'<!DOCTYPE x [<!ENTITY boom "boom">]>'
    padded = b"<!--" + b" " * 4096 + b"-->"
    hostile = {
        "padded.xlsx": rewrite(workbook([HEADERS, ROW]), "xl/worksheets/sheet1.xml",
                               lambda xml: xml.replace(b"<worksheet", padded + entity + b"<worksheet", 1)),
        "late.xlsx": rewrite(workbook([HEADERS, ROW]), "xl/worksheets/sheet1.xml",
                             lambda xml: xml.replace(b"</worksheet>", b" " * 4096 + entity + b"</worksheet>")),
        "utf16.xlsx": rewrite(workbook([HEADERS, ROW]), "xl/worksheets/sheet1.xml", lambda xml: (
            xml.decode().replace("UTF-8", "UTF-16").replace("<worksheet", (padded + entity).decode() + "<worksheet", 1)
            .encode("utf-16"))),
        "renamed.xlsx": with_sheet_named(workbook([HEADERS, ROW]), "xl/worksheets/sheet1.dat",
                                         lambda xml: xml.replace(b"<worksheet", padded + entity + b"<worksheet", 1)),
    }
    before = rows_in(engine)
    for name, data in hostile.items():
        with pytest.raises(StewardError) as err:
            act(plant, "lixf", lambda s, a, n=name, d=data: activity.import_file(s, a, n, d))
        assert err.value.code == "xml_entity" and err.value.field == "file", (name, err.value.code)
        assert f"{name} declares XML entities; refused" == err.value.en
    assert rows_in(engine) == before
    word = io.BytesIO()
    docx.Document().save(word)
    hostile_word = rewrite(word.getvalue(), "word/document.xml", lambda xml: xml.replace(
        b"<w:document", padded + entity + b"<w:document", 1))
    with pytest.raises(StewardError) as err:
        act(plant, "lixf", lambda s, a: docs.upload(s, a, docs.create(s, a, doc_type="procedure", title="制度")[1],
                                                    "制度.docx", io.BytesIO(hostile_word), store, 1 << 20))
    assert err.value.code == "xml_entity" and err.value.status == 415
    assert not [p for p in store.root.rglob("*") if p.is_file()]
    assert act(plant, "lixf", lambda s, a: activity.import_file(
        s, a, "renamed-fine.xlsx", with_sheet_named(workbook([HEADERS, ROW]), "xl/worksheets/sheet1.dat",
                                                    lambda xml: xml))) == 1  # a package may name its parts so


BAD_QUANTITIES = ["nan", "inf", "-inf", "1e309", "9" * 400, "2e13"]


def test_absurd_figures_and_overlong_cells_are_refused_by_cell(plant, engine):
    before = rows_in(engine)
    for q in BAD_QUANTITIES:
        text = io.StringIO()
        csv.writer(text).writerows([HEADERS, ROW[:4] + [q] + ROW[5:]])
        with pytest.raises(StewardError) as err:
            act(plant, "lixf", lambda s, a, t=text.getvalue(): activity.import_file(s, a, "q.csv", t.encode()))
        assert err.value.details[0]["field"] == "quantity" and "row 2" in err.value.en, q
        with pytest.raises(StewardError) as err:
            act(plant, "yangf", lambda s, a, q=q: activity.enter(s, a, [dict(zip(
                ("period", "facility", "category", "material", "quantity", "unit"), ROW[:4] + [q, "t"],
                strict=True))], "form"))
        assert err.value.details[0]["field"] == "quantity", q
    long = io.StringIO()
    csv.writer(long).writerows([HEADERS, ROW[:8] + ["证" * 200_000]])
    with pytest.raises(StewardError) as err:
        act(plant, "lixf", lambda s, a: activity.import_file(s, a, "long.csv", long.getvalue().encode()))
    assert err.value.details[0]["field"] == "evidence" and "200,000 characters" in err.value.en
    assert rows_in(engine) == before


@pytest.fixture
def small_limit_web(plant, db_url, tmp_path):
    ctx = Context(load({"STEWARD_HOME": str(tmp_path / "home"), "STEWARD_DATABASE_URL": db_url,
                        "STEWARD_MAX_UPLOAD_MB": "1"}))
    client = TestClient(create_app(ctx))
    token = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/login").text).group(1)
    client.post("/login", data={"username": "lixf", "password": PW, "csrf_token": token})
    return client, re.search(r'name="csrf_token" value="([^"]+)"', client.get("/accounting").text).group(1)


def test_an_upload_over_the_limit_is_refused_whole_never_partly_imported(small_limit_web, engine):
    client, token = small_limit_web
    before = rows_in(engine)
    lines = [HEADERS] + [[f"2030-{m:02d}", "F-MV01", "fuel_combustion", "diesel", "1", "t", "measured", "M-D001",
                          "x" * 900] for m in range(1, 13)]
    body = io.StringIO()
    csv.writer(body).writerows(lines)
    padded = body.getvalue() + "\n" * ((3 << 19) - len(body.getvalue()))  # 1.5 MB: past the file limit
    over = client.post("/accounting/import", data={"csrf_token": token}, files={"file": ("big.csv", padded.encode())})
    assert over.status_code == 413 and "1 MB" in over.text
    huge = client.post("/accounting/import", data={"csrf_token": token},
                       files={"file": ("huge.csv", b"x" * (3 << 20))})  # past the request limit itself
    assert huge.status_code == 413
    api = client.post("/api/v1/activity", content=b"{" + b" " * (3 << 20) + b"}",
                      headers={"content-type": "application/json"})
    assert api.status_code == 413 and api.json()["code"] == "too_large"
    assert rows_in(engine) == before


def test_the_api_refuses_figures_that_are_not_finite(small_limit_web, engine):
    client, token = small_limit_web
    page = client.post("/settings/token", data={"name": "监测", "scope": "activity", "csrf_token": token})
    issued = re.search(r'<pre id="token">([^<]+)</pre>', page.text).group(1)
    auth = {"Authorization": f"Bearer {issued}", "content-type": "application/json"}
    before = rows_in(engine)
    for q in ("NaN", "Infinity", "1e309", "9" * 400):
        body = '{"rows": [{"period": "2026-01", "facility": "F-MV01", "category": "fuel_combustion", ' \
               f'"material": "diesel", "quantity": {q}, "unit": "t"}}]}}'
        answer = client.post("/api/v1/activity", content=body.encode(), headers=auth)
        assert answer.status_code in (400, 422) and "quantity" in answer.text, (q, answer.text)
    assert rows_in(engine) == before


def test_a_damaged_word_file_is_refused_and_leaves_nothing_stored(plant, store):
    broken = io.BytesIO()
    with zipfile.ZipFile(broken, "w") as zf:
        zf.writestr("[Content_Types].xml", "<Types/>")
        zf.writestr("word/document.xml", "<not really word")
    def upload(s, a):
        doc, rev = docs.create(s, a, doc_type="procedure", title="碳排放管理制度")
        return docs.upload(s, a, rev, "制度.docx", io.BytesIO(broken.getvalue()), store, 1 << 20)
    with pytest.raises(StewardError) as err:
        act(plant, "lixf", upload)
    assert err.value.code == "broken_file" and "not a valid Word document" in err.value.en
    assert not [p for p in store.root.rglob("*") if p.is_file()]
    good = io.BytesIO()
    docx.Document().save(good)
    act(plant, "lixf", lambda s, a: docs.upload(s, a, docs.create(s, a, doc_type="procedure", title="好")[1], "好.docx",
                                                io.BytesIO(good.getvalue()), store, 1 << 20))


def test_a_body_sent_without_its_length_is_counted_as_it_streams_and_reaches_the_app_whole(small_limit_web):
    """Chunked, with no Content-Length: refused once past the limit; under it, the app reads every byte (the body
    waits on disk past 1 MB, not in memory)."""
    client, _ = small_limit_web

    def chunks(data: bytes):
        for i in range(0, len(data), 1 << 16):
            yield data[i:i + (1 << 16)]
    json_type = {"content-type": "application/json"}
    over = client.post("/api/v1/activity", content=chunks(b"{" + b" " * (3 << 20) + b"}"), headers=json_type)
    assert over.status_code == 413 and over.json()["code"] == "too_large"
    whole = b'{"rows": [' + b" " * (1 << 20) + b'{"period": "2030-13"}]}'  # 1 MB of padding, then what is read
    under = client.post("/api/v1/activity", content=chunks(whole), headers=json_type)
    assert under.status_code == 422 and under.json()["field"] == "category", under.text  # the row past the padding
