"""The nonconformity board as people filter it (a word in the number or title, severity, clause), and the same
filter as a workbook: every nonconformity it finds, open and closed, in names, dates on the plant's calendar."""

from __future__ import annotations

from dataclasses import dataclass
from typing import IO

from sqlmodel import Session, func, or_, select

from storage.models import Nonconformity, Person
from workflows.engine import exports, paging
from workflows.engine.machine import Actor
from workflows.improvement.nonconformity import NcState, Severity

SOURCES = {"audit": ("内部审核", "Internal audit"), "compliance": ("合规性评价", "Compliance evaluation"),
           "review": ("管理评审", "Management review"), "data": ("数据异常", "Data anomaly"),
           "other": ("其他", "Other")}


@dataclass(frozen=True)
class Filters:
    q: str = ""
    severity: str = ""
    clause: str = ""


def _query(actor: Actor, f: Filters):
    query = select(Nonconformity).where(Nonconformity.enterprise_id == actor.enterprise_id)
    if f.q.strip():
        needle = f.q.strip().lower()
        query = query.where(or_(func.lower(Nonconformity.number).contains(needle, autoescape=True),
                                func.lower(Nonconformity.title).contains(needle, autoescape=True)))
    if f.severity:
        query = query.where(Nonconformity.severity == f.severity)
    if f.clause.strip():
        clause = f.clause.strip()
        query = query.where(or_(Nonconformity.clause_id == clause,
                                Nonconformity.clause_id.startswith(clause + ".", autoescape=True)))
    return query


def board(session: Session, actor: Actor, f: Filters, closed_page: int | None = None) -> dict:
    """A column per state: every open nonconformity the filter finds (the work in hand), and the closed ones a
    page at a time, newest first, so the board does not grow with the years on record."""
    query = _query(actor, f)
    open_rows = session.exec(query.where(Nonconformity.state != NcState.closed.value).order_by(Nonconformity.id)).all()
    closed_rows, closed = paging.fetch(session, query.where(Nonconformity.state == NcState.closed.value)
                                       .order_by(Nonconformity.id.desc()), closed_page)
    columns = [(st, [n for n in open_rows if n.state == st], None) for st in NcState if st != NcState.closed]
    return {"columns": [*columns, (NcState.closed, closed_rows, closed)], "closed": closed, "f": f,
            "severities": list(Severity)}


def export(session: Session, actor: Actor, f: Filters, lang: str) -> tuple[str, IO[bytes]]:
    en = lang == "en"
    people = dict(session.exec(select(Person.id, Person.name).where(Person.enterprise_id == actor.enterprise_id)).all())
    title = "Nonconformities" if en else "不符合项"
    headers = (["Number", "Title", "Clause", "Severity", "Source", "State", "Owner", "Due", "Raised on", "Closed on"]
               if en else ["编号", "标题", "条款", "严重程度", "来源", "状态", "责任人", "期限", "提出日期", "关闭日期"])

    def label(x) -> str:
        return x.en if en else x.zh
    rows = ([n.number, n.title, n.clause_id, label(Severity(n.severity)), SOURCES.get(n.source, (n.source,) * 2)[en],
             label(NcState(n.state)), people.get(n.owner_id, "") if n.owner_id else "", n.due, n.raised_on, n.closed_on]
            for n in session.exec(_query(actor, f).order_by(Nonconformity.id).execution_options(yield_per=500)))
    return title, exports.spooled(title, headers, rows)
