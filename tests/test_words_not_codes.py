"""Words, not codes, in everything a person reads or signs (issue 30): every page the app serves, and every Word,
Excel, calendar and (where LibreOffice can make one) PDF file those pages link to, opened as each demo role in
Chinese and in English on the lived demo, holds no stored code: no state, result, severity, role, material,
category, record kind or field name as the machine keeps it. The pages come from the route table, so a new page is
read here without anyone adding it."""

from __future__ import annotations

import io
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import lxml.html
import pytest
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient
from helpers import sign_in

from steward import demo
from steward.context import Context
from steward.settings import load
from steward.web.access import ALL
from steward.web.app import create_app
from steward.web.routes import ROUTERS
from workflows.engine import rendering

LANGS = ("zh", "en")
# GET routes that are not something a person reads, each with the reason; every other GET route must be reached
# by following the links of the pages (the test fails on a route nobody links to, so it cannot go unread).
NOT_READ = {
    "/lang/{code}": "switches the language and redirects; no page of its own",
    "/api/docs": "the machine API's reference for developers: it names the API's keys, which are codes by design",
    "/api/v1/me": "JSON for scripts: the keys and values are the API's contract",
    "/api/v1/tasks": "JSON for scripts: the keys and values are the API's contract",
    "/api/v1/emissions/{year}": "JSON for scripts: the keys and values are the API's contract",
    "/api/v1/jobs/{job_id}": "JSON for scripts: the keys and values are the API's contract",
    "/audits/{number}/evidence/{sha256}": "a photo or file a person uploaded, returned as they gave it",
    "/ets/{month}/evidence/{number}": "an assay report or meter sheet a person uploaded, returned as they gave it",
    "/assays/{number}/report": "a laboratory's assay report a person uploaded, returned as they gave it",
    "/jobs/{job_id}": "a running import's progress; the lived demo has no import running",
    "/documents/{number}/edit": "the form of a draft; every document of the lived demo is issued (the form's labels "
                                "are read on /documents/new)",
}
PER_ROUTE = 40  # distinct addresses read per route (each register, each record kind, each document …)
PER_KIND = 2  # of which at most this many share their first path value (two records of one kind are enough)


# --- the codes -------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Code:
    code: str
    zh: str
    en: str
    where: str


@cache
def codes() -> dict[str, Code]:
    """Every code the system stores with a name for people, gathered from the catalogues themselves."""
    import workflows.lifecycles as lifecycles
    from accounting.factors import default_library
    from forms import clauses, field_labels
    from forms.fields import choices_of, label_of
    from forms.records import FORMS
    from storage import vocab
    from workflows.engine import names

    found: dict[str, Code] = {}

    def add(code: str, zh: str, en: str, where: str, word: bool = True) -> None:
        """``word``: a one-word code of this kind is a code, not an English word that happens to match
        (an action ``plan`` or a field ``year`` is only a code when it has an underscore)."""
        if code and re.fullmatch(r"[a-z][a-z0-9]*(?:_[a-z0-9]+)*", code) and code not in found and (
                word or "_" in code):
            found[code] = Code(code, zh, en, where)

    def labelled_kinds(cls) -> Iterator[type]:
        for sub in cls.__subclasses__():
            yield sub
            yield from labelled_kinds(sub)
    for kind in labelled_kinds(vocab.Labelled):
        for member in kind:
            add(member.value, member.zh, member.en, kind.__name__)
    for lc in lifecycles.LIFECYCLES.values():
        add(lc.name, lc.zh, lc.en, "lifecycle", word=False)
        for t in lc.transitions:
            add(t.trigger, t.zh, t.en, f"{lc.name} action", word=False)
    for kind in clauses.record_types().values():
        add(kind.code, kind.zh, kind.en, "record type", word=False)
    for form in FORMS.values():
        add(form.name, form.zh, form.en, "record form", word=False)
        for name in form.schema.model_fields:
            add(name, *label_of(form.schema, name), f"{form.name} field", word=False)
            for value, (zh, en) in choices_of(form.schema, name).items():
                add(value, zh, en, f"{form.name}.{name}", word=False)
    for name, (zh, en) in field_labels.LABELS.items():
        add(name, zh, en, "field", word=False)
    for f in default_library().factors:
        add(f.material, names.material(f.material, "zh"), names.material(f.material, "en"), "material")
        add(f.parameter, f.parameter, f.parameter, "factor parameter", word=False)
    for code, (zh, en) in names.PRODUCTS.items():
        add(code, zh, en, "material")
    return found


# --- the text a person reads -----------------------------------------------------------------------------------

UNSEEN = {"script", "style", "noscript", "template"}


def page_text(html: bytes | str) -> list[str]:
    """The text of a page as a person sees it: each text node, without markup, attributes, scripts, or the
    values of form fields (machine keys a browser sends back); an option's label is seen, its value is not."""
    root = lxml.html.fromstring(html)
    out: list[str] = []

    def walk(el) -> None:
        if not isinstance(el.tag, str) or el.tag in UNSEEN:
            return
        if el.text and el.text.strip():
            out.append(el.text.strip())
        for child in el:
            walk(child)
            if child.tail and child.tail.strip():
                out.append(child.tail.strip())
    walk(root)
    return out


def docx_text(data: bytes) -> list[str]:
    """Every paragraph of a Word file, tables (nested too), headers and footers included."""
    import docx
    d = docx.Document(io.BytesIO(data))
    out: list[str] = []

    def blocks(container) -> None:
        for p in container.paragraphs:
            out.append(p.text)
        for table in container.tables:
            for row in table.rows:
                for cell in row.cells:
                    blocks(cell)
    blocks(d)
    for section in d.sections:
        for part in (section.header, section.footer):
            blocks(part)
    return [t.strip() for t in out if t.strip()]


# Sheets that are the key from code to name, for scripts that write a file the system imports (the import reads
# codes as well as names): their code column is the point of them.
CODE_KEYS = {"说明 Help": "the import template's key of codes and names, for scripts that write the import file",
             "选项 Lists": "the import template's drop-down choices, each 中文 (code) as issue 31 asks, so a person "
                           "picks by name and a script can write the code"}


def xlsx_text(data: bytes) -> list[str]:
    from openpyxl import load_workbook
    book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    return [str(v).strip() for ws in book.worksheets if ws.title not in CODE_KEYS for row in ws.iter_rows(values_only=True)
            for v in row if isinstance(v, str) and v.strip()]


def pdf_text(data: bytes) -> list[str]:
    """Each page as one text: a PDF breaks a table cell's words over lines (``Bituminous`` / ``coal``), which are
    not fragments of their own."""
    from pypdf import PdfReader
    return [" ".join((p.extract_text() or "").split()) for p in PdfReader(io.BytesIO(data)).pages]


def ics_text(data: bytes) -> list[str]:
    from icalendar import Calendar
    cal = Calendar.from_ical(data)
    return [str(c[k]) for c in cal.walk("VEVENT") for k in ("SUMMARY", "DESCRIPTION", "LOCATION") if k in c]


def zip_text(data: bytes) -> list[str]:
    """A download of several files (a carbon-market month's package): the workbooks and Word files we made are
    read; the evidence people uploaded is theirs, as everywhere in this test, and is not."""
    import zipfile
    out: list[str] = []
    with zipfile.ZipFile(io.BytesIO(data)) as bundle:
        for name in bundle.namelist():
            if name.endswith(".xlsx"):
                out += xlsx_text(bundle.read(name))
            elif name.endswith(".docx"):
                out += docx_text(bundle.read(name))
    return out


READERS = {"wordprocessingml": docx_text, "spreadsheetml": xlsx_text, "application/pdf": pdf_text,
           "text/calendar": ics_text, "text/html": page_text, "application/zip": zip_text}


def text_of(media_type: str, data: bytes) -> list[str] | None:
    """The text of an answer by its media type; None for what is no text to read (an image)."""
    return next((read(data) for kind, read in READERS.items() if kind in media_type), None)


# --- the matcher -----------------------------------------------------------------------------------------------

TOKEN = re.compile(r"(?<![A-Za-z0-9_])[A-Za-z][A-Za-z0-9]*(?:_[A-Za-z0-9]+)*(?![A-Za-z0-9_])")
# a word that is part of an address, an e-mail or a file name is not a label: jinyan-demo.example, x.docx
ADDRESS = re.compile(r"\S*(?:@|://|\.(?:docx|xlsx|pdf|png|jpg|ics|csv)\b)\S*")


# a confidence grade as its letter (``[M]``, ``（M）``, ``，U）``) where words belong (官方原文 / credible transcription
# / unverified, ``accounting.confidence``), and the name of the developers' reference file of sourced facts
GRADE = re.compile(r"[\[（(，,]\s*[HMU]\s*[\]）)]")
INTERNAL = re.compile(r"ACCOUNTING-FACTS")
PROSE = re.compile(r"[A-Za-z][a-z]+")  # a word of a sentence; not a unit (t, GJ, MWh, tCO2) or an acronym
GAP = re.compile(r"[\s,.;:'\"()/&-]*")  # what lies between two words of one sentence


def leaks(fragments: Iterable[str], lang: str, broken: bool = False) -> list[str]:
    """The codes in these fragments of text. A code with an underscore is never a word. A one-word code is one in
    Chinese text where it stands alone as an ASCII word (``进行中 open``, ``closed 3``), not inside an English
    sentence of a bilingual heading (``方针的变化 / Changes in policy``); in English text where it stands as the
    label itself — a whole fragment (a cell, a badge) or a count (``closed 3``) — and its English label is not
    the code (``Closed``). ``broken``: text whose words extraction may have split (a PDF's ``Bituminou s coal``),
    where a word standing alone proves nothing; its Word original is read in full."""
    known = codes()
    found: list[str] = []
    for fragment in fragments:
        found += [f"{m.group()} (a confidence grade as its letter) in «{fragment[:160]}»" for m in GRADE.finditer(fragment)]
        found += [f"{m.group()} (an internal file) in «{fragment[:160]}»" for m in INTERNAL.finditer(fragment)]
        plain = ADDRESS.sub(" ", fragment)
        words = list(TOKEN.finditer(plain))
        for i, match in enumerate(words):
            token = match.group()
            code = known.get(token)
            if code is None:
                continue
            if "_" in token:
                found.append(f"{token} ({code.where}) in «{fragment[:160]}»")
            elif lang == "zh":
                if not broken and not any(PROSE.fullmatch(other.group()) and GAP.fullmatch(plain[a:b])
                           for other, a, b in ((words[i - 1], words[i - 1].end(), match.start()) if i else (None, 0, 0),
                                               (words[i + 1], match.end(), words[i + 1].start())
                                               if i + 1 < len(words) else (None, 0, 0)) if other is not None):
                    found.append(f"{token} ({code.where}) in «{fragment[:160]}»")
            elif code.en != token and (plain.strip() == token or re.search(
                    rf"(?<![A-Za-z0-9_]){token}\s*[:：]?\s*\d+(?![-/.\d])", plain)):
                found.append(f"{token} ({code.where}; say «{code.en}») in «{fragment[:160]}»")
    return found


def test_the_matcher_finds_a_planted_code_and_passes_the_words():
    planted = ("<html><body><h1>管理评审输入</h1><p>不符合项：<span>closed 3</span>，open 1</p>"
               "<table><tr><td>minor_nc</td><td>1</td></tr></table><script>var s='minor_nc'</script></body></html>")
    assert any("minor_nc" in x for x in leaks(page_text(planted), "zh"))
    assert any(x.startswith("closed") for x in leaks(page_text(planted), "zh"))
    assert [x.split()[0] for x in leaks(page_text(planted), "en")] == ["closed", "open", "minor_nc"]
    assert leaks(["draft"], "zh") and leaks(["minor"], "en") and leaks(["2 top_management"], "en")
    assert leaks(["Closed 3, Open 2"], "en") == [] and leaks(["Closed 3, open 2"], "en")
    fine = ("<html><body><h1>Management review</h1><p>Nonconformities: Closed 3, Open 1. The audit was closed on "
            "2026-07-01 and the draft was issued.</p><select name='result'><option value='minor_nc'>Minor "
            "nonconformity</option></select><a href='/records/training_plan'>Training plan</a>"
            "<p>lixf@jinyan-demo.example · JYCEM-PL-001_v2.docx</p></body></html>")
    assert leaks(page_text(fine), "en") == []
    assert leaks(["已关闭 3，进行中 1", "版本 2 草稿", "一般不符合 1", "GJ/t", "CCER", "NCV 22.9",
                  "方针的变化 / Changes in policy", "经营是否合规 / Operations compliant"], "zh") == []
    assert len(leaks(["进行中 open", "企业实测 measured: 2025", "1.000 t clinker × 0.52"], "zh")) == 3
    assert leaks(["Bituminou s coal_x minor_nc"], "zh", broken=True)[0].startswith("minor_nc")
    assert [len(leaks([x], lang)) for x, lang in (("指南 表 2.1 [M]", "zh"), ("(doc [U]; t)", "en"),
                                                  ("（月度存证安排，M）", "zh"), ("方案（H）", "zh"),
                                                  ("（ACCOUNTING-FACTS.md「Monthly」）", "zh"))] == [1, 1, 1, 1, 1]
    assert leaks(["指南 表 2.1（可信转述）", "doc (unverified)", "安排，官方原文）", "CH4 (GWP 28)", "10 MWh (H2)",
                  "Scope 1 (direct)", "M-W001", "U 形管"], "en") == []
    assert len(codes()) > 150 and {"draft", "closed", "minor", "minor_nc", "top_management", "bituminous_coal",
                                   "fuel_combustion", "conform"} <= set(codes())


# --- the lived demo, read as everyone --------------------------------------------------------------------------

@pytest.fixture(scope="module")
def lived(tmp_path_factory, lived_home):
    """`steward demo` as a newcomer runs it: the organisation, three years of data and the lived year."""
    home = lived_home(tmp_path_factory.mktemp("words"))
    url = f"sqlite:///{home / 'steward.db'}"
    return create_app(Context(load({"STEWARD_HOME": str(home), "STEWARD_DATABASE_URL": url})))


@cache
def get_routes() -> list[APIRoute]:
    return [r for router in ROUTERS for r in router.routes if isinstance(r, APIRoute) and "GET" in r.methods]


def one_per_role() -> list[str]:
    """A demo user for each role (the first the README's demo lists with it), and the group's own people: a role
    held at the group reads pages no plant's holder does (the group grid, a member plant's month and report)."""
    users: list[str] = []
    for role in sorted(ALL):
        user = next(p[4] for p in demo.PEOPLE if role in p[5])
        if user not in users:
            users.append(user)
    return users + [p[4] for p in demo.GROUP_PEOPLE]


def pdf_wanted(url: str, lang: str, files_read: set[str]) -> bool:
    """A PDF is LibreOffice's rendering of a Word file read here already, and costs seconds to make: each kind
    of PDF is read once, in one language (the kinds alternate between Chinese and English), where a PDF can be made."""
    route = next(r.path for r in get_routes() if r.path_regex.match(url))
    kinds = sorted(r.path for r in get_routes() if ".{fmt}" in r.path or r.path.endswith(".pdf"))
    return (rendering.pdf_ready() and f"pdf:{route}" not in files_read
            and LANGS[kinds.index(route) % len(LANGS)] == lang and not files_read.add(f"pdf:{route}"))


@dataclass
class Reading:
    """What one person read in one language, address by address."""
    user: str
    lang: str
    texts: dict[str, list[str]] = field(default_factory=dict)
    routes: set[str] = field(default_factory=set)


def read_all(app, user: str, lang: str, files_read: set[str], pages_read: set[str]) -> Reading:
    """Open every page this person can reach from the route table, following links to pages with path values.
    Each address is read once per language, by whoever reaches it first; after that, each role still opens one
    address of every page it reaches (its own buttons and menus) but not the same document again, and files
    (Word, Excel, calendar, PDF) are not fetched twice."""
    routes = get_routes()
    client = TestClient(app, raise_server_exceptions=False)
    assert sign_in(client, user).status_code == 303
    client.get(f"/lang/{lang}")
    reading = Reading(user, lang)
    queue = [r.path for r in routes if not r.dependant.path_params and r.path not in NOT_READ]
    taken: dict[str, set[str]] = {}
    done: set[str] = set()
    opened: set[str] = set()
    while queue:
        url = queue.pop(0)
        if url in done:
            continue
        done.add(url)
        if url.endswith(".pdf") and not pdf_wanted(url, lang, files_read):
            continue
        route = next((r.path for r in get_routes() if r.path_regex.match(url.split("?")[0])), url)
        if url in files_read or (url in pages_read and route in opened):
            continue
        opened.add(route)
        answer = client.get(url)
        if answer.status_code in (401, 403):
            continue  # a page this role may not open
        assert answer.status_code == 200, (user, lang, url, answer.status_code, answer.text[:300])
        media_type = answer.headers.get("content-type", "")
        text = text_of(media_type, answer.content)
        assert text is not None or media_type.startswith("image/"), (url, media_type)
        reading.texts[url] = text or []
        if "text/html" not in media_type:
            files_read.add(url)
            continue
        pages_read.add(url)
        for href in lxml.html.fromstring(answer.content).xpath("//a/@href|//iframe/@src"):
            path = href.split("#")[0].split("?")[0]
            route = next((r for r in routes if r.path_regex.match(path)), None)
            if route is None or not route.dependant.path_params or route.path in NOT_READ or path in done:
                continue
            kind = route.path + "|" + path.split("/")[2] if path.count("/") > 1 else route.path
            seen, same = taken.setdefault(route.path, set()), taken.setdefault(kind, set())
            if len(seen) < PER_ROUTE and len(same) < PER_KIND and path not in seen:
                seen.add(path)
                same.add(path)
                reading.routes.add(route.path)
                queue.append(path)
    return reading


@pytest.fixture(scope="module")
def readings(lived) -> list[Reading]:
    files: dict[str, set[str]] = {lang: set() for lang in LANGS}
    pages: dict[str, set[str]] = {lang: set() for lang in LANGS}
    return [read_all(lived, user, lang, files[lang], pages[lang]) for user in one_per_role() for lang in LANGS]


def test_no_page_or_file_shows_a_code_in_either_language(readings):
    found = [f"{r.user} {r.lang} {url}: {leak}" for r in readings for url, text in r.texts.items()
             for leak in leaks(text, r.lang, broken=url.endswith(".pdf"))]
    assert not found, f"{len(found)} codes a person reads:\n" + "\n".join(sorted(set(found))[:200])


def test_every_page_is_read(readings):
    reached = set().union(*(r.routes for r in readings)) | {
        url.split("?")[0] for r in readings for url in r.texts}
    unread = [r.path for r in get_routes() if r.path not in reached and r.path not in NOT_READ]
    assert not unread, f"no page links to these, so nothing here reads them: {unread}"
    assert {"en", "zh"} == {r.lang for r in readings} and {r.user for r in readings} == set(one_per_role())
    assert {"wangjg", "lixf", "zhaom", "yangf", "zhengl", "qianc", "huangzq", "gaof"} <= set(one_per_role())
    kinds = {Path(url).suffix for r in readings for url in r.texts}
    assert {".docx", ".xlsx", ".ics"} <= kinds and (".pdf" in kinds) == rendering.pdf_ready()


# --- the English review lists what the Chinese one lists -----------------------------------------------------------

def review_outline(html: bytes) -> dict[str, object]:
    """The management review page item by item: each input with how many lines it lists, the decisions, the
    signatures and the history, as counts that must not depend on the language."""
    root = lxml.html.fromstring(html)
    inputs = {}
    for row in root.xpath("//table[@id='review-inputs']/tbody/tr[not(contains(@class, 'statement'))]"):
        cells = row.xpath("./td")
        inputs[cells[0].text_content().strip()] = len([t for t in cells[2].xpath(".//text()") if t.strip()])
    return {"inputs": inputs, "decisions": len(root.xpath("//table[@id='decisions']/tbody/tr")),
            "signatures": len(root.xpath("//ul[@id='signatures']/li")),
            "history": len(root.xpath("//*[contains(@class, 'history')]//li"))}


def test_the_english_review_lists_what_the_chinese_one_lists(lived):
    from sqlmodel import Session, select

    from storage.models import ManagementReview
    client = TestClient(lived)
    assert sign_in(client, "wangjg").status_code == 303
    with Session(lived.state.ctx.engine) as s:
        reviews = s.exec(select(ManagementReview)).all()
        for r in reviews:  # the input pack as compiled: every item has as many lines in English as in Chinese
            for clause_id, pack in r.inputs.items():
                assert len(pack.get("en", [])) == len(pack.get("zh", [])), (r.number, clause_id, pack)
    assert reviews and any(r.inputs for r in reviews)
    for r in reviews:
        client.get("/lang/zh")
        zh = review_outline(client.get(f"/reviews/{r.number}").content)
        client.get("/lang/en")
        en = review_outline(client.get(f"/reviews/{r.number}").content)
        assert len(zh["inputs"]) >= 10 and zh["decisions"] and zh["signatures"]  # the lived review has them all
        assert en == zh, (r.number, zh, en)


@pytest.fixture(scope="module")
def lived_site(lived):
    from test_browser import serving
    yield from serving(lived.state.ctx)


def test_the_signed_review_in_both_languages_in_a_browser(lived_site, page):
    """Top management reads the signed review in Chinese, then in English: the same items, no code in either."""
    from test_browser import shot
    from test_browser import sign_in as browser_sign_in
    base, _ = lived_site
    browser_sign_in(page, base, "wangjg")
    page.goto(f"{base}/reviews")
    number = page.locator("a[href^='/reviews/JYCEM-MR-']").first.get_attribute("href").rsplit("/", 1)[1]
    seen = {}
    for lang in LANGS:
        page.goto(f"{base}/lang/{lang}?back=/reviews/{number}")
        page.wait_for_selector("#review-inputs")
        shot(page, f"words-review-{lang}")
        text = page.inner_text("main")
        assert leaks(text.splitlines(), lang) == [], lang
        seen[lang] = page.locator("#review-inputs tbody tr").count()
    assert "Review inputs" in text and seen["zh"] == seen["en"] >= 10
