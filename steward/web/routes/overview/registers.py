"""Registers the guideline asks to keep: compliance obligations, and the registers a year's tasks lead to
(baselines, improvements, reduction measures, data anomalies, compliance evaluations) — one list page and
one record page for all, with the forms that start or finish a row."""

from __future__ import annotations

from fastapi import APIRouter, Form, Query, Request

from steward.web import fields
from steward.web.render import lang_of, page, pager, redirect, unit, write, xlsx_stream
from workflows.accounting import anomalies, baseline
from workflows.engine import clock
from workflows.improvement import compliance, improvement
from workflows.overview import registers
from workflows.planning import reduction

router = APIRouter()
HUB = "/registers"


def _obligation_form(s, a) -> dict:
    from workflows.engine import lookup
    return {"kinds": {k.value: k for k in compliance.ObligationKind}, "duties": compliance.DUTIES,
            "people": lookup.users(s, a.enterprise_id), "can_edit": bool(a.roles & set(compliance.EVALUATORS))}


@router.get("/obligations")
def obligations(request: Request):
    def read(s, a):
        rows = compliance.obligations(s, a)
        return {"rows": rows, **_obligation_form(s, a), "owners": _names(s, {r.owner_id for r in rows if r.owner_id})}
    return page(request, "improvement/obligations.html", unit(request, read, page="/obligations"))


def _names(s, ids) -> dict[int, str]:
    from sqlmodel import select

    from storage.models import Person
    return dict(s.exec(select(Person.id, Person.name).where(Person.id.in_(list(ids)))).all()) if ids else {}


def _obligation_values(title: str, kind: str, clause_id: str, issuer: str, reference: str, requirement: str,
                       effective_from: str, owner: str) -> dict:
    return {"title": title.strip(), "kind": kind, "clause_id": clause_id, "issuer": issuer.strip(),
            "reference": reference.strip(), "requirement": requirement.strip(),
            "effective_from": fields.optional_day(effective_from, "effective_from"), "owner": owner}


@router.post("/obligations/new")
def add_obligation(request: Request, code: str = Form(""), title: str = Form(""), kind: str = Form(""),
                   clause_id: str = Form(""), issuer: str = Form(""), reference: str = Form(""),
                   requirement: str = Form(""), effective_from: str = Form(""), owner: str = Form(""),
                   csrf_token: str = Form("")):
    row = write(request, csrf_token, lambda s, a: compliance.add_obligation(
        s, a, code.strip(), **_obligation_values(title, kind, clause_id, issuer, reference, requirement,
                                                 effective_from, owner)))
    return redirect(request, f"/obligations/{row.code}")


@router.get("/obligations/{code}")
def obligation(request: Request, code: str):
    def read(s, a):
        row = compliance.get_obligation(s, a.enterprise_id, code)
        return {"o": row, **_obligation_form(s, a), "evaluations": compliance.changes_of(s, a, row),
                "owner": _names(s, {row.owner_id}).get(row.owner_id or 0, "") if row.owner_id else ""}
    return page(request, "improvement/obligation.html", unit(request, read, page="/obligations"))


@router.post("/obligations/{code}")
def change_obligation(request: Request, code: str, title: str = Form(""), kind: str = Form(""),
                      clause_id: str = Form(""), issuer: str = Form(""), reference: str = Form(""),
                      requirement: str = Form(""), effective_from: str = Form(""), owner: str = Form(""),
                      active: str = Form(""), reason: str = Form(""), csrf_token: str = Form("")):
    """A change opens the obligation's re-evaluation at once (9.1.2); the page then links to it."""
    write(request, csrf_token, lambda s, a: compliance.change_obligation(
        s, a, code, reason, active=active == "yes",
        **_obligation_values(title, kind, clause_id, issuer, reference, requirement, effective_from, owner)))
    return redirect(request, f"/obligations/{code}#re-evaluations")


@router.get("/registers")
def hub(request: Request):
    return page(request, "overview/registers.html", {"registers": unit(request, registers.overview, page=HUB)})


@router.get("/registers/{name}.xlsx")
def export(request: Request, name: str, q: str = "", state: str = ""):
    title, out = unit(request, lambda s, a: registers.export(s, a, name, lang_of(request), q, state), page=HUB)
    return xlsx_stream(title, out)


@router.get("/registers/{name}")
def listing(request: Request, name: str, q: str = "", state: str = "", page_no: int = Query(1, alias="page")):
    context = unit(request, lambda s, a: registers.listing(s, a, name, q, state, page_no), page=HUB)
    context["pager"] = pager(request, context["page"])
    extra = {"triggers": [(k, *registers.pair(v)) for k, v in baseline.TRIGGERS.items()],
             "sources": registers.SOURCES, "clauses": [(k, *registers.pair(v)) for k, v in improvement.CLAUSES.items()],
             "this_year": clock.today().year}
    return page(request, "overview/register.html", {**context, **extra})


@router.get("/registers/{name}/{key:path}")
def record(request: Request, name: str, key: str, year: fields.Year | None = None):
    return page(request, "overview/register_record.html", unit(request, lambda s, a: registers.view(s, a, name, key, year),
                                                      page=HUB))


@router.post("/registers/baselines/new")
def propose_baseline(request: Request, base_year: int = fields.year_form(), trigger: str = Form("initial"),
                     reason: str = Form(""), csrf_token: str = Form("")):
    row = write(request, csrf_token, lambda s, a: baseline.propose(s, a, base_year, trigger, reason))
    return redirect(request, f"/registers/baselines/{row.number}")


@router.post("/registers/improvements/new")
def add_improvement(request: Request, title: str = Form(""), source: str = Form("suggestion"),
                    clause_id: str = Form("10.1"), description: str = Form(""), owner: str = Form(""),
                    due: str = Form(""), csrf_token: str = Form("")):
    when = fields.optional_day(due, "due")
    row = write(request, csrf_token, lambda s, a: improvement.add(
        s, a, title=title, source=source, clause_id=clause_id, description=description, owner=owner or None, due=when))
    return redirect(request, f"/registers/improvements/{row.number}")


@router.post("/registers/reductions/new")
def add_measure(request: Request, title: str = Form(""), abatement_t: str = Form(""), verification: str = Form(""),
                capex: str = Form("0"), opex: str = Form("0"), lifetime_years: int = fields.whole_form(10),
                owner: str = Form(""), csrf_token: str = Form("")):
    tonnes = fields.number(abatement_t, "abatement_t", "预计减排量", "Expected reduction")
    money = fields.number(capex or "0", "capex", "投资", "Investment") * 1e4  # the form asks for 万元
    running = fields.number(opex or "0", "opex", "年运行费用变化", "Running cost change")
    row = write(request, csrf_token, lambda s, a: reduction.add(
        s, a, title=title, abatement_t=tonnes, verification=verification, capex=money, opex=running,
        lifetime_years=lifetime_years, owner=owner or None))
    return redirect(request, f"/registers/reductions/{row.number}")


@router.post("/registers/reductions/{number}/verify")
def verify_measure(request: Request, number: str, achieved_t: str = Form(""), evidence: str = Form(""),
                   csrf_token: str = Form("")):
    tonnes = fields.number(achieved_t, "achieved_t", "实际减排量", "Reduction achieved")
    write(request, csrf_token, lambda s, a: reduction.advance(s, a, number, "verified", tonnes, evidence))
    return redirect(request, f"/registers/reductions/{number}")


@router.post("/registers/anomalies/scan")
def scan(request: Request, csrf_token: str = Form("")):
    found = write(request, csrf_token, anomalies.scan_as)
    return redirect(request, f"/registers/anomalies?state=open&found={len(found)}")


@router.post("/registers/compliance/start")
def start_evaluation(request: Request, period: str = Form(""), csrf_token: str = Form("")):
    row = write(request, csrf_token, lambda s, a: compliance.start_as(s, a, period))
    return redirect(request, f"/registers/compliance/{row.period}")


@router.post("/registers/compliance/{period:path}/evaluate")
def evaluate(request: Request, period: str, code: str = Form(...), result: str = Form(""), finding: str = Form(""),
             evidence: str = Form(""), csrf_token: str = Form("")):
    write(request, csrf_token, lambda s, a: compliance.evaluate(s, a, compliance.get(s, a, period), code, result,
                                                                finding, evidence))
    return redirect(request, f"/registers/compliance/{period}")
