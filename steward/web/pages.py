"""The pages people use. ``PAGES`` lists every page with the roles it admits; the route-walk test
holds its own copy of what each role should see, so the two must agree."""

from __future__ import annotations

import json
from collections import Counter
from datetime import date

from fastapi import FastAPI, File, Form, Request, UploadFile
from sqlmodel import select

from forms import clauses
from steward.web import jobs, security
from steward.web.app import ALL, INTERNAL, MANAGEMENT, lang_of, page, redirect, unit
from storage.errors import StewardError
from storage.vocab import ActivityCategory
from storage.models import (
    AccountingRun, Baseline, ChecklistItem, Document, InternalAudit, ManagementReview, NotificationChannel,
    Nonconformity, Obligation, Person, Revision, RoleAssignment,
)
from workflows import activity, baseline, engine, internal_audit, notifications
from workflows import document as docs
from workflows import nonconformity as ncs
from workflows import review as reviews

PAGES = {
    "/": ALL, "/tasks": ALL, "/documents": INTERNAL, "/audits": MANAGEMENT, "/nonconformities": INTERNAL,
    "/reviews": MANAGEMENT, "/accounting": MANAGEMENT, "/obligations": MANAGEMENT, "/settings": ALL,
}
AUDITORS = ("internal_auditor",)
ACCOUNTANTS = ("carbon_manager", "top_management", "carbon_body_member")


def _guard(request: Request, roles, fn, write: bool = False, csrf: str | None = None):
    if write:
        security.check_csrf(request, csrf)

    def go(session, actor):
        security.require(actor, roles)
        return fn(session, actor)
    return unit(request, go)


def register(app: FastAPI) -> None:  # noqa: C901 — one place that lists the pages
    @app.get("/login")
    def login_form(request: Request, next: str = "/"):
        return page(request, "login.html", {"next": next})

    @app.post("/login")
    def login(request: Request, username: str = Form(...), password: str = Form(...), next: str = Form("/"),
              csrf_token: str = Form("")):
        security.check_csrf(request, csrf_token)
        with request.app.state.ctx.unit_of_work(f"web-login:{username[:40]}") as session:
            person = security.login(session, username, password)  # the attempt is kept either way
            name, lang = (person.name, person.language) if person else (None, None)
        if person is None:
            raise StewardError("bad_login", "用户名或密码错误", "Wrong username or password", status=401, field="password")
        request.session.clear()
        request.session.update(username=username, name=name, lang=lang)
        return redirect(next if next.startswith("/") and not next.startswith("//") else "/")

    @app.post("/logout")
    def logout(request: Request, csrf_token: str = Form("")):
        security.check_csrf(request, csrf_token)
        request.session.clear()
        return redirect("/login")

    @app.get("/lang/{code}")
    def language(request: Request, code: str, back: str = "/"):
        if code in ("zh", "en"):
            request.session["lang"] = code
        return redirect(back if back.startswith("/") and not back.startswith("//") else "/")

    @app.get("/")
    def dashboard(request: Request):
        def go(s, a):
            run = s.exec(select(AccountingRun).where(AccountingRun.enterprise_id == a.enterprise_id)
                         .order_by(AccountingRun.year.desc(), AccountingRun.id.desc())).first()
            base = baseline.active(s, a.enterprise_id)
            months = run.totals["months"] if run else {}
            trend = {"months": list(months), "total": [round(v["total"], 1) for v in months.values()]}
            if base:
                trend["baseline"] = round(base.figures["enterprise"]["total"] / 12, 1)
            tasks = docs.open_tasks(s, a)
            audits = s.exec(select(InternalAudit).where(InternalAudit.enterprise_id == a.enterprise_id,
                                                        InternalAudit.state != "closed")).all()
            revs = s.exec(select(ManagementReview).where(ManagementReview.enterprise_id == a.enterprise_id,
                                                         ManagementReview.state != "approved")).all()
            coverage = _coverage(s, a.enterprise_id)
            return {"run": run, "trend": json.dumps(trend), "tasks": tasks, "audits": audits, "reviews": revs,
                    "coverage": json.dumps(coverage), "base": base}
        return page(request, "dashboard.html", _guard(request, PAGES["/"], go))

    @app.get("/tasks")
    def tasks(request: Request):
        return page(request, "tasks.html", {"tasks": _guard(request, PAGES["/tasks"],
                                                            lambda s, a: docs.open_tasks(s, a)), "today": date.today()})

    @app.get("/documents")
    def documents(request: Request):
        def go(s, a):
            out = []
            for d in s.exec(select(Document).where(Document.enterprise_id == a.enterprise_id).order_by(Document.number)):
                if d.access == "restricted" and not a.roles & set(d.access_roles) and d.owner_id != a.person.id:
                    continue
                rev = s.exec(select(Revision).where(Revision.document_id == d.id).order_by(Revision.rev.desc())).first()
                out.append((d, rev, docs.DocState(rev.state)))
            return out
        return page(request, "documents.html", {"rows": _guard(request, PAGES["/documents"], go)})

    @app.get("/documents/{number}")
    def document_view(request: Request, number: str):
        def go(s, a):
            rev = docs.get_revision(s, a, number)
            doc = s.get(Document, rev.document_id)
            return {"doc": doc, "rev": rev, "state": docs.DocState(rev.state),
                    "signatures": docs.current_signatures(s, rev),
                    "actions": docs.LIFECYCLE.available(rev, a, s)}
        return page(request, "document.html", _guard(request, PAGES["/documents"], go))

    @app.post("/documents/{number}/fire")
    def document_fire(request: Request, number: str, trigger: str = Form(...), version: int = Form(...),
                      comment: str = Form(""), password: str = Form(""), csrf_token: str = Form("")):
        def go(s, a):
            rev = docs.get_revision(s, a, number)
            engine.fire(s, docs.LIFECYCLE, rev, trigger, a, expected_version=version, comment=comment,
                        password=password or None)
        _guard(request, INTERNAL, go, write=True, csrf=csrf_token)
        return redirect(f"/documents/{number}")

    @app.post("/documents/{number}/ack")
    def document_ack(request: Request, number: str, csrf_token: str = Form("")):
        _guard(request, INTERNAL, lambda s, a: docs.acknowledge(s, a, docs.get_revision(s, a, number)), write=True,
               csrf=csrf_token)
        return redirect(f"/documents/{number}")

    @app.get("/audits")
    def audits(request: Request):
        def go(s, a):
            rows = s.exec(select(InternalAudit).where(InternalAudit.enterprise_id == a.enterprise_id)
                          .order_by(InternalAudit.planned_start.desc())).all()
            return {"audits": [(x, internal_audit.AuditState(x.state), internal_audit.summary(s, x)) for x in rows],
                    "can_plan": "carbon_manager" in a.roles, "year": date.today().year}
        return page(request, "audits.html", _guard(request, PAGES["/audits"], go))

    @app.post("/audits/plan")
    def audit_plan(request: Request, year: int = Form(...), csrf_token: str = Form("")):
        def go(s, a):
            audit = internal_audit.plan_for_year(s, a.enterprise_id, year, a.label)
            if audit is None:
                raise StewardError("exists", f"{year} 年已有内审计划", f"{year} already has an audit", field="year")
            return audit.number
        number = _guard(request, ("carbon_manager",), go, write=True, csrf=csrf_token)
        return redirect(f"/audits/{number}")

    @app.get("/audits/{number}")
    def audit_view(request: Request, number: str):
        def go(s, a):
            audit = internal_audit.get(s, a, number)
            catalogue = clauses.by_id()
            items = [(i, catalogue[i.clause_id], internal_audit.Result(i.result))
                     for i in internal_audit.checklist(s, audit)]
            return {"audit": audit, "state": internal_audit.AuditState(audit.state), "items": items,
                    "results": list(internal_audit.Result)[1:], "in_team": a.person.id in audit.team_ids,
                    "actions": internal_audit.LIFECYCLE.available(audit, a),
                    "pending": sum(1 for i, _, _ in items if i.result == "pending")}
        return page(request, "audit.html", _guard(request, PAGES["/audits"], go))

    @app.post("/audits/{number}/start")
    def audit_start(request: Request, number: str, version: int = Form(...), csrf_token: str = Form("")):
        _guard(request, internal_audit.PLANNERS, lambda s, a: internal_audit.start(
            s, a, internal_audit.get(s, a, number), version), write=True, csrf=csrf_token)
        return redirect(f"/audits/{number}")

    @app.post("/audits/{number}/check")
    def audit_check(request: Request, number: str, clause_id: str = Form(...), result: str = Form(...),
                    notes: str = Form(""), csrf_token: str = Form("")):
        _guard(request, AUDITORS, lambda s, a: internal_audit.record(
            s, a, internal_audit.get(s, a, number), clause_id, result, notes), write=True, csrf=csrf_token)
        return redirect(f"/audits/{number}#c-{clause_id}")

    @app.get("/nonconformities")
    def nonconformities(request: Request):
        def go(s, a):
            rows = s.exec(select(Nonconformity).where(Nonconformity.enterprise_id == a.enterprise_id)
                          .order_by(Nonconformity.id)).all()
            return {"columns": [(st, [n for n in rows if n.state == st]) for st in ncs.NcState]}
        return page(request, "nonconformities.html", _guard(request, PAGES["/nonconformities"], go))

    @app.get("/nonconformities/{number}")
    def nonconformity_view(request: Request, number: str):
        def go(s, a):
            nc = ncs.get(s, a, number)
            return {"nc": nc, "state": ncs.NcState(nc.state), "actions": ncs.current_actions(s, nc),
                    "kinds": list(ncs.ActionKind), "people": s.exec(select(Person).where(
                        Person.enterprise_id == a.enterprise_id, Person.username.is_not(None)).order_by(Person.code)).all(),
                    "can_manage": bool(a.roles & set(ncs.MANAGERS)), "can_verify": bool(a.roles & set(ncs.VERIFIERS)),
                    "me": a.person.id, "today": date.today()}
        return page(request, "nonconformity.html", _guard(request, PAGES["/nonconformities"], go))

    @app.post("/nonconformities/{number}/analyse")
    def nonconformity_analyse(request: Request, number: str, consequence: str = Form(""), disposition: str = Form(""),
                              root_cause: str = Form(""), severity: str = Form("minor"), preventive: str = Form(""),
                              version: int = Form(...), csrf_token: str = Form("")):
        _guard(request, ncs.MANAGERS, lambda s, a: ncs.analyse(
            s, a, ncs.get(s, a, number), consequence=consequence, disposition=disposition, root_cause=root_cause,
            severity=severity, preventive_measures=preventive, expected_version=version), write=True, csrf=csrf_token)
        return redirect(f"/nonconformities/{number}")

    @app.post("/nonconformities/{number}/plan")
    def nonconformity_plan(request: Request, number: str, kind: str = Form("corrective"), description: str = Form(""),
                           owner: str = Form(""), due: str = Form(""), version: int = Form(...),
                           csrf_token: str = Form("")):
        def go(s, a):
            try:
                when = date.fromisoformat(due)
            except ValueError:
                raise StewardError("due", "完成期限应为 YYYY-MM-DD", "The due date must be YYYY-MM-DD", field="due") from None
            ncs.plan(s, a, ncs.get(s, a, number), [{"kind": kind, "description": description, "owner": owner,
                                                     "due": when}], expected_version=version)
        _guard(request, ncs.MANAGERS, go, write=True, csrf=csrf_token)
        return redirect(f"/nonconformities/{number}")

    @app.post("/nonconformities/{number}/done")
    def nonconformity_done(request: Request, number: str, action_id: int = Form(...), result: str = Form(""),
                           csrf_token: str = Form("")):
        def go(s, a):
            nc = ncs.get(s, a, number)
            action = next((x for x in ncs.current_actions(s, nc) if x.id == action_id), None)
            if action is None:
                raise StewardError("action", f"{number} 没有措施 #{action_id}", f"{number} has no action #{action_id}",
                                   status=404)
            ncs.complete_action(s, a, action, result)
        _guard(request, INTERNAL, go, write=True, csrf=csrf_token)
        return redirect(f"/nonconformities/{number}")

    @app.post("/nonconformities/{number}/verify")
    def nonconformity_verify(request: Request, number: str, effective: str = Form(...), note: str = Form(""),
                             version: int = Form(...), csrf_token: str = Form("")):
        _guard(request, ncs.VERIFIERS, lambda s, a: ncs.review_effectiveness(
            s, a, ncs.get(s, a, number), effective=effective == "yes", note=note, expected_version=version),
            write=True, csrf=csrf_token)
        return redirect(f"/nonconformities/{number}")

    @app.get("/reviews")
    def review_list(request: Request):
        def go(s, a):
            rows = s.exec(select(ManagementReview).where(ManagementReview.enterprise_id == a.enterprise_id)
                          .order_by(ManagementReview.year.desc())).all()
            return {"reviews": [(r, reviews.ReviewState(r.state)) for r in rows]}
        return page(request, "reviews.html", _guard(request, PAGES["/reviews"], go))

    @app.get("/reviews/{number}")
    def review_view(request: Request, number: str):
        def go(s, a):
            r = reviews.get(s, a, number)
            catalogue = clauses.by_id()
            lang = lang_of(request)  # the same choice the page's template gets
            return {"review": r, "state": reviews.ReviewState(r.state), "missing": reviews.missing_inputs(r),
                    "items": [(c, catalogue[c], r.inputs.get(c, {}).get(lang, []), r.statements.get(c, ""))
                              for c in reviews.INPUT_ITEMS],
                    "can_sign": "top_management" in a.roles and r.state == "held",
                    "can_prepare": bool(a.roles & set(reviews.PREPARERS + ("top_management",)))
                    and r.state != "approved"}
        return page(request, "review.html", _guard(request, PAGES["/reviews"], go))

    @app.post("/reviews/{number}/state")
    def review_state_input(request: Request, number: str, clause_id: str = Form(...), text: str = Form(""),
                           csrf_token: str = Form("")):
        _guard(request, reviews.PREPARERS + ("top_management",), lambda s, a: reviews.state_input(
            s, a, reviews.get(s, a, number), clause_id, text), write=True, csrf=csrf_token)
        return redirect(f"/reviews/{number}")

    @app.post("/reviews/{number}/compile")
    def review_compile(request: Request, number: str, version: int = Form(...), csrf_token: str = Form("")):
        _guard(request, reviews.PREPARERS, lambda s, a: reviews.compile_inputs(s, a, reviews.get(s, a, number), version),
               write=True, csrf=csrf_token)
        return redirect(f"/reviews/{number}")

    @app.post("/reviews/{number}/meeting")
    def review_meeting(request: Request, number: str, attendees: str = Form(""), minutes: str = Form(""),
                       conclusion: str = Form(""), version: int = Form(...), csrf_token: str = Form("")):
        _guard(request, reviews.PREPARERS + ("top_management",), lambda s, a: reviews.record_meeting(
            s, a, reviews.get(s, a, number), held_on=date.today(), attendees=attendees.replace("，", ",").split(","),
            minutes=minutes, conclusion=conclusion, decisions=[], expected_version=version), write=True,
            csrf=csrf_token)
        return redirect(f"/reviews/{number}")

    @app.post("/reviews/{number}/sign")
    def review_sign(request: Request, number: str, password: str = Form(""), version: int = Form(...),
                    csrf_token: str = Form("")):
        _guard(request, ("top_management",), lambda s, a: reviews.sign_off(
            s, a, reviews.get(s, a, number), password or None, request.app.state.ctx.files, version),
            write=True, csrf=csrf_token)
        return redirect(f"/reviews/{number}")

    @app.get("/accounting")
    def accounting_page(request: Request, facility: str | None = None, run: int | None = None):
        def go(s, a):
            runs = s.exec(select(AccountingRun).where(AccountingRun.enterprise_id == a.enterprise_id)
                          .order_by(AccountingRun.id.desc())).all()
            latest = next((r for r in runs if r.id == run), None) if run else (runs[0] if runs else None)
            lines = [x for x in latest.lines if (x["facility"] or "(enterprise)") == facility] if latest and facility \
                else []
            return {"runs": runs, "run": latest, "facility": facility, "lines": lines, "year": date.today().year - 1,
                    "categories": list(ActivityCategory), "month": date.today().strftime("%Y-%m"),
                    "can_enter": bool(a.roles & set(activity.ENTRY_ROLES)),
                    "can_run": bool(a.roles & set(ACCOUNTANTS)),
                    "baselines": s.exec(select(Baseline).where(Baseline.enterprise_id == a.enterprise_id)).all()}
        return page(request, "accounting.html", _guard(request, PAGES["/accounting"], go))

    @app.post("/accounting/run")
    def accounting_run(request: Request, year: int = Form(...), csrf_token: str = Form("")):
        """Start the run in the background and answer with a progress bar that polls until it is done."""
        _guard(request, ACCOUNTANTS, lambda s, a: None, write=True, csrf=csrf_token)  # refuse before anything runs
        ctx, username = request.app.state.ctx, request.session.get("username")
        job = jobs.start(lambda progress: _run_job(ctx, username, year, progress))
        return page(request, "job.html", {"job": jobs.get(job)})

    @app.get("/jobs/{job_id}")
    def job_status(request: Request, job_id: str):
        _guard(request, PAGES["/accounting"], lambda s, a: None)
        return page(request, "job.html", {"job": jobs.get(job_id)})

    @app.post("/accounting/import")
    def accounting_import(request: Request, file: UploadFile = File(...), csrf_token: str = Form("")):
        data = file.file.read(request.app.state.ctx.settings.max_upload_mb << 20)
        n = _guard(request, activity.ENTRY_ROLES, lambda s, a: activity.import_file(s, a, file.filename or "upload",
                                                                                    data), write=True, csrf=csrf_token)
        return page(request, "imported.html", {"count": n})

    @app.post("/accounting/entry")
    def accounting_entry(request: Request, period: str = Form(...), facility: str = Form(""), category: str = Form(...),
                         material: str = Form(...), quantity: str = Form(...), unit: str = Form(...),
                         source: str = Form("measured"), meter: str = Form(""), evidence: str = Form(""),
                         csrf_token: str = Form("")):
        """One month's figure typed in: the same checks as an import of one row."""
        from forms.activity_import import HEADERS
        row = [period, facility, category, material, quantity, unit, source, meter, evidence or "手工录入 manual entry"]
        data = ("\n".join(",".join(f'"{c}"' for c in r) for r in (HEADERS, row)) + "\n").encode("utf-8")
        _guard(request, activity.ENTRY_ROLES, lambda s, a: activity.import_file(s, a, "entry.csv", data), write=True,
               csrf=csrf_token)
        return page(request, "imported.html", {"count": 1})

    @app.get("/obligations")
    def obligations(request: Request):
        return page(request, "obligations.html", {"rows": _guard(request, PAGES["/obligations"], lambda s, a: s.exec(
            select(Obligation).where(Obligation.enterprise_id == a.enterprise_id).order_by(Obligation.code)).all())})

    @app.get("/settings")
    def settings_page(request: Request):
        def go(s, a):
            people = []
            if "carbon_manager" in a.roles:
                for p in s.exec(select(Person).where(Person.enterprise_id == a.enterprise_id).order_by(Person.code)):
                    roles = s.exec(select(RoleAssignment.role).where(RoleAssignment.person_id == p.id)).all()
                    people.append((p, roles))
            mine = s.exec(select(NotificationChannel).where(NotificationChannel.person_id == a.person.id)).all()
            return {"people": people, "channels": mine, "is_manager": "carbon_manager" in a.roles}
        return page(request, "settings.html", _guard(request, PAGES["/settings"], go))

    @app.post("/settings/channel")
    def settings_channel(request: Request, kind: str = Form(...), target: str = Form(...), csrf_token: str = Form("")):
        _guard(request, ALL, lambda s, a: notifications.add_channel(s, a, a.person.username, kind, target), write=True,
               csrf=csrf_token)
        return redirect("/settings")

    @app.post("/settings/token")
    def settings_token(request: Request, name: str = Form(...), csrf_token: str = Form("")):
        token = _guard(request, ("carbon_manager",), lambda s, a: security.issue_token(s, a, name), write=True,
                       csrf=csrf_token)
        return page(request, "token.html", {"token": token, "name": name})


def _run_job(ctx, username: str, year: int, progress) -> str:
    from workflows import accounting
    with ctx.unit_of_work(f"web:{username}") as s:
        actor = engine.actor_for(s, username)
        security.require(actor, ACCOUNTANTS)
        run = accounting.run(s, actor.enterprise_id, year, actor.label, progress=progress)
        return f"/accounting?run={run.id}"


def _coverage(session, enterprise_id: int) -> dict:
    """Clause coverage for the heat map: per chapter, how the latest audit found each clause."""
    audit = session.exec(select(InternalAudit).where(InternalAudit.enterprise_id == enterprise_id)
                         .order_by(InternalAudit.id.desc())).first()
    results = ["pending", "conform", "observation", "minor_nc", "major_nc", "not_applicable"]
    chapters = [c.id for c in clauses.catalogue() if c.kind == "chapter"]
    counts = Counter()
    if audit:
        for item in session.exec(select(ChecklistItem).where(ChecklistItem.audit_id == audit.id)):
            counts[(item.clause_id.split(".")[0], item.result)] += 1
    else:
        for c in clauses.auditable():
            counts[(c.id.split(".")[0], "pending")] += 1
    labels = [f"{internal_audit.Result(r).zh} {internal_audit.Result(r).en}" for r in results]
    return {"chapters": chapters, "results": labels,
            "cells": [[i, j, counts[(ch, r)]] for i, ch in enumerate(chapters) for j, r in enumerate(results)],
            "audit": audit.number if audit else None}

