"""Objectives and targets (6.4): each with its progress computed from the accounting runs, a form to set one
against the baseline in force with its implementation plan, and the yearly review of how they went — where
the objective-review task leads."""

from __future__ import annotations

from fastapi import APIRouter, Form, Request

from forms import clauses
from steward.web import fields
from steward.web.render import lang_of, page, redirect, unit, write
from workflows.documents import records
from workflows.engine import clock
from workflows.people import organisation
from workflows.planning import objectives

router = APIRouter()


@router.get("/objectives")
def listing(request: Request):
    lang = lang_of(request)

    def read(s, a):
        rows = objectives.overview(s, a)
        return {"rows": rows, "charts": objectives.trajectories(s, a, rows, lang), "reviews": records.listing(s, a, "objective_review", limit=10),
                "may_set": bool(a.roles & set(objectives.SETTERS)), "people": [p for p, _ in organisation.people(s, a)] or [a.person],
                **objectives.choices(s, a)}
    catalogue = clauses.by_id()
    return page(request, "planning/objectives.html", {**unit(request, read, page="/objectives"), "inputs": records.inputs(
        "objective_review"), "last_year": clock.today().year - 1, "this_year": clock.today().year,
        "clause_names": {c: catalogue[c] for c in objectives.CLAUSES if c in catalogue}})


@router.post("/objectives/new")
def add(request: Request, title: str = Form(""), clause_id: str = Form("6.4.1b"), level: str = Form("enterprise"),
        scope: str = Form(""), metric: str = Form("total"), target_year: int = fields.year_form(),
        reduction_pct: str = Form(""), owner: str = Form(""), parent: str = Form(""), plan_a: str = Form(""),
        plan_b: str = Form(""), plan_c: str = Form(""), plan_d: str = Form(""), plan_e: str = Form(""),
        plan_f: str = Form(""), csrf_token: str = Form("")):
    pct = fields.number(reduction_pct, "reduction_pct", "较基准降低（百分比）", "Reduction on the baseline (per cent)")
    plan = {"a": plan_a, "b": plan_b, "c": plan_c, "d": plan_d, "e": plan_e, "f": plan_f}
    write(request, csrf_token, lambda s, a: objectives.add(
        s, a, title=title, level=level, metric=metric, target_year=target_year, reduction_pct=pct, plan=plan,
        scope=scope if level != "enterprise" else "", clause_id=clause_id, owner=owner or None, parent=parent or None))
    return redirect(request, "/objectives")
