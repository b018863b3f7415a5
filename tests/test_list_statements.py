"""No list page grows with rows it does not show (issue 34): each list page runs as many SQL statements, and
loads as many rows into objects, on a plant with years of documents, records, nonconformities, people, audits,
reviews and register rows as on one with twice as many; and as many statements as on the demo.

The plant is grown twice by 120 of each kind of row the lists show (documents with their revisions, training
records, closed nonconformities, staff, audits with their checklists, reviews, improvements): every page is full
after the first, so a page that read only its own rows reads the same after the second."""

from __future__ import annotations

from collections import Counter
from datetime import date

import pytest
from helpers import as_user
from sqlalchemy import event
from sqlmodel import SQLModel, select

from storage.engine import unit_of_work
from storage.models import (
    AuditProgramme,
    ChecklistItem,
    Document,
    Enterprise,
    FormRecord,
    Improvement,
    InternalAudit,
    ManagementReview,
    Nonconformity,
    Person,
    Revision,
)

pytestmark = pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)

PAGES = ["/documents", "/documents?sort=state&page=2", "/documents?state=issued&q=JYCEM", "/records/training",
         "/records/training?q=2025", "/registers/improvements", "/registers/improvements?q=余热", "/nonconformities",
         "/nonconformities?page=2", "/audits", "/reviews", "/people", "/people?q=E00", "/tasks", "/tasks?scope=department"]


def grow(engine, start: int, count: int) -> None:
    """``count`` more of each: documents with three revisions (the newest issued, every fifth with a draft on
    top), training records, closed nonconformities, staff, audits (a programme each, with checklist lines),
    reviews and improvements, numbered from ``start``."""
    with unit_of_work(engine, "grow") as s:
        plant = s.exec(select(Enterprise).where(Enterprise.code == "JYCEM")).one().id
        owner = s.exec(select(Person).where(Person.username == "lixf")).one().id
        today = date(2026, 3, 2)
        for n in range(start, start + count):
            doc = Document(enterprise_id=plant, number=f"JYCEM-PR-{n:04d}", doc_type="procedure", title=f"程序 {n}",
                           owner_id=owner, clause_ids=["7.5"], next_review_due=today)
            s.add(doc)
            s.flush()
            for rev in range(1, 4 + (n % 5 == 0)):
                s.add(Revision(enterprise_id=plant, document_id=doc.id, rev=rev,
                               state="superseded" if rev < 3 else "issued" if rev == 3 else "draft"))
            for _ in range(2):  # the page's chart draws the newest 200: past that, more are not shown
                s.add(FormRecord(enterprise_id=plant, form="training", recorded_on=today, created_by="grow",
                                 retain_until=date(2031, 1, 1), payload={"topic": f"培训 {n}", "kind": "standard",
                                                                         "attendees": 10, "hours": 2}))
            s.add(Nonconformity(enterprise_id=plant, number=f"JYCEM-NC-1900-{n:04d}", source="other",
                                clause_id="8.1", title=f"不符合 {n}", state="closed", raised_by="grow",
                                raised_on=today, closed_on=today))
            s.add(Person(enterprise_id=plant, code=f"G{n:04d}", name=f"员工 {n}"))
            programme = AuditProgramme(enterprise_id=plant, year=1000 + n, created_by="grow")
            s.add(programme)
            s.flush()
            audit = InternalAudit(enterprise_id=plant, programme_id=programme.id, number=f"JYCEM-IA-{1000 + n}",
                                  title=f"内审 {n}", planned_start=today, planned_end=today, lead_auditor_id=owner)
            s.add(audit)
            s.flush()
            for position, clause in enumerate(("4.1", "5.1", "7.5")):
                s.add(ChecklistItem(enterprise_id=plant, audit_id=audit.id, position=position, clause_id=clause))
            s.add(ManagementReview(enterprise_id=plant, year=1000 + n, number=f"JYCEM-MR-{1000 + n}",
                                   planned_on=today))
            s.add(Improvement(enterprise_id=plant, number=f"JYCEM-IMP-{n:04d}", source="suggestion",
                              title=f"改进 {n}"))


def measure(web, client) -> dict[str, tuple[int, int]]:
    """Per page: SQL statements run and rows loaded as objects, on its second view (the first fills caches)."""
    statements, loaded = Counter(), Counter()
    engine = web.app.state.ctx.engine
    here = {"page": ""}

    def count_statement(*_):
        statements[here["page"]] += 1

    def count_object(*_):
        loaded[here["page"]] += 1
    mappers = list(SQLModel._sa_registry.mappers)
    event.listen(engine, "before_cursor_execute", count_statement)
    for mapper in mappers:
        event.listen(mapper, "load", count_object)
    try:
        for path in PAGES:
            assert client.get(path).status_code == 200, path
            here["page"] = path
            assert client.get(path).status_code == 200, path
            here["page"] = ""
    finally:
        event.remove(engine, "before_cursor_execute", count_statement)
        for mapper in mappers:
            event.remove(mapper, "load", count_object)
    return {p: (statements[p], loaded[p]) for p in PAGES}


def test_no_list_page_reads_more_as_the_years_pile_up(plant, web):
    manager = as_user(web, "lixf")
    on_demo = measure(web, manager)
    grow(web.app.state.ctx.engine, 0, 120)
    grown = measure(web, manager)
    grow(web.app.state.ctx.engine, 120, 120)
    twice = measure(web, manager)
    assert {p: n for p, (n, _) in grown.items()} == {p: n for p, (n, _) in on_demo.items()}  # statements
    assert grown == twice  # statements and objects loaded, once every page is full
    assert all(objects <= 400 for _, objects in twice.values()), twice
