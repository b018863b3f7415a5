"""``steward audit|nc|review|obligation|compliance|improve``: the evaluation and improvement cycles (9, 10)."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Annotated, Optional

import typer

from steward.cli_common import AsJson, AsUser, PasswordStdin, parse_date, parse_pairs, password, run_as
from storage.errors import StewardError

audit_app = typer.Typer(help="内部审核（9.2）：方案、计划、检查表、报告 / Internal audit", no_args_is_help=True)
nc_app = typer.Typer(help="不符合项与纠正措施（10.2）/ Nonconformities and corrective actions", no_args_is_help=True)
review_app = typer.Typer(help="管理评审（9.3）/ Management review", no_args_is_help=True)
obligation_app = typer.Typer(help="合规义务登记（9.1）/ Obligations register", no_args_is_help=True)
compliance_app = typer.Typer(help="合规性评价（9.1）/ Compliance evaluation", no_args_is_help=True)
improve_app = typer.Typer(help="持续改进登记（10.1、10.4）/ Improvement register", no_args_is_help=True)
APPS = {"audit": audit_app, "nc": nc_app, "review": review_app, "obligation": obligation_app,
        "compliance": compliance_app, "improve": improve_app}


def _dump(rows: list[dict]) -> None:
    typer.echo(json.dumps(rows, ensure_ascii=False, indent=1, default=str))


def _listing(as_user: str, model, order) -> list[dict]:
    """Rows of the user's own enterprise, as JSON-ready dicts."""
    from sqlmodel import select
    return run_as(as_user, lambda c, s, a: [r.model_dump(mode="json") for r in s.exec(
        select(model).where(model.enterprise_id == a.enterprise_id).order_by(order))])


# --- internal audit ---

@audit_app.command("plan")
def audit_plan(
    as_user: AsUser,
    year: Annotated[int, typer.Option(help="审核年度 / year")] = date.today().year,
    start: Annotated[Optional[str], typer.Option(help="开始日期 YYYY-MM-DD / first day")] = None,
    end: Annotated[Optional[str], typer.Option(help="结束日期 / last day")] = None,
    lead: Annotated[Optional[str], typer.Option(help="审核组长用户名 / lead auditor")] = None,
    member: Annotated[Optional[list[str]], typer.Option(help="审核组成员 / team member (repeat)")] = None,
    scope: Annotated[str, typer.Option(help="审核范围 / scope")] = "",
):
    """计划一次内部审核（时间、方法、分工、日程）/ Plan an audit: time, method, team, schedule."""
    from workflows import engine, lookup
    from workflows import internal_audit as audits

    def go(c, s, a):
        engine.require_role(a, ("carbon_manager",), "计划内部审核", "Planning an audit")
        if start is None:
            audit = audits.plan_for_year(s, a.enterprise_id, year, a.label)
            if audit is None:
                raise StewardError("exists", f"{year} 年已有内审计划，或本企业没有内审员",
                                   f"{year} already has an audit, or there is no internal auditor")
            return audit
        team = [lookup.person(s, a.enterprise_id, u, "member") for u in member or []]
        lead_person = lookup.person(s, a.enterprise_id, lead, "lead") if lead else (team or audits.auditors(
            s, a.enterprise_id))[0]
        return audits.plan(s, a.enterprise_id, year=year, start=parse_date(start, "start"),
                           end=parse_date(end or start, "end"), lead=lead_person, team=team, created_by=a.label,
                           scope=scope)
    audit = run_as(as_user, go)
    typer.echo(f"{audit.number} {audit.planned_start}–{audit.planned_end} 已计划 / planned")


@audit_app.command("start")
def audit_start(as_user: AsUser, number: str):
    """开始审核，生成覆盖全部条款的检查表 / Start the audit and generate the full checklist."""
    from workflows import internal_audit as audits
    items = run_as(as_user, lambda c, s, a: audits.start(s, a, audits.get(s, a, number)))
    typer.echo(f"{number} 审核开始，检查表 {len(items)} 项 / started, {len(items)} checklist items")


@audit_app.command("checklist")
def audit_checklist(as_user: AsUser, number: str, as_json: AsJson = False,
                    pending: Annotated[bool, typer.Option(help="只列未检查项 / only unchecked")] = False):
    """显示检查表及结果 / Show the checklist and its results."""
    from forms import clauses
    from workflows import internal_audit as audits

    def go(c, s, a):
        rows = [i.model_dump(mode="json") for i in audits.checklist(s, audits.get(s, a, number))]
        return [r for r in rows if r["result"] == "pending"] if pending else rows
    rows = run_as(as_user, go)
    if as_json:
        return _dump(rows)
    catalogue = clauses.by_id()
    for r in rows:
        res = audits.Result(r["result"])
        typer.echo(f"{r['clause_id']:<9} {res.zh}/{res.en:<20} {catalogue[r['clause_id']].zh}"
                   + (f"  [{len(r['evidence'])} 证据 evidence]" if r["evidence"] else ""))


@audit_app.command("check")
def audit_check(
    as_user: AsUser, number: str, clause: str,
    result: Annotated[str, typer.Argument(help="conform|observation|minor_nc|major_nc|not_applicable")],
    notes: Annotated[str, typer.Option(help="事实与证据 / facts")] = "",
    evidence: Annotated[Optional[list[str]], typer.Option(help="证据 kind:ref（可重复）/ evidence link")] = None,
    owner: Annotated[Optional[str], typer.Option(help="不符合项负责人 / NC owner")] = None,
):
    """记录一个条款的审核结果；不符合即生成不符合项 / Record a clause's result; a finding raises an NC."""
    from workflows import internal_audit as audits
    links = []
    for e in evidence or []:
        kind, _, ref = e.partition(":")
        links.append({"kind": kind if ref else "note", "ref": ref or kind, "label": ref or kind})
    item = run_as(as_user, lambda c, s, a: audits.record(s, a, audits.get(s, a, number), clause, result, notes,
                                                         links, owner))
    extra = f"，已生成不符合项 / nonconformity raised (#{item.nonconformity_id})" if item.nonconformity_id else ""
    typer.echo(f"{number} {clause}: {audits.Result(item.result).zh} / {audits.Result(item.result).en}{extra}")


@audit_app.command("report")
def audit_report(as_user: AsUser, number: str,
                 conclusion: Annotated[str, typer.Option(help="审核结论 / conclusion")],
                 out: Annotated[Optional[str], typer.Option(help="另存 docx / also write the docx here")] = None,
                 password_stdin: PasswordStdin = False):
    """提交审核报告（签名）并报最高管理者 / Submit the signed report to top management."""
    from workflows import internal_audit as audits
    pw = password(password_stdin)

    def go(c, s, a):
        audit = audits.report(s, a, audits.get(s, a, number), conclusion, pw, c.files)
        return audit, c.files.read(audit.report_sha256)
    audit, data = run_as(as_user, go)
    if out:
        Path(out).write_bytes(data)
    typer.echo(f"{number} 审核报告已提交 / report submitted (sha256 {audit.report_sha256[:16]}…)"
               + (f" → {out}" if out else ""))


@audit_app.command("accept")
def audit_accept(as_user: AsUser, number: str, comment: Annotated[str, typer.Option(help="意见 / comment")] = "",
                 password_stdin: PasswordStdin = False):
    """最高管理者审阅审核报告（签名）/ Top management accepts the report (signed)."""
    from workflows import internal_audit as audits
    pw = password(password_stdin)
    run_as(as_user, lambda c, s, a: audits.accept(s, a, audits.get(s, a, number), pw, comment))
    typer.echo(f"{number} 已审阅，审核关闭 / accepted, audit closed")


# --- nonconformities ---

@nc_app.command("list")
def nc_list(as_user: AsUser, as_json: AsJson = False):
    """列出不符合项 / List nonconformities."""
    from storage.models import Nonconformity
    from workflows import nonconformity as ncs
    rows = _listing(as_user, Nonconformity, Nonconformity.id)
    if as_json:
        return _dump(rows)
    for r in rows:
        st = ncs.NcState(r["state"])
        typer.echo(f"{r['number']}  [{r['clause_id']}] {st.zh}/{st.en}  {r['title']}")


@nc_app.command("raise")
def nc_raise(as_user: AsUser, clause: str, title: str,
             severity: Annotated[str, typer.Option(help="minor|major")] = "minor",
             description: Annotated[str, typer.Option(help="描述 / description")] = "",
             owner: Annotated[Optional[str], typer.Option(help="负责人 / owner")] = None):
    """登记不符合项 / Raise a nonconformity."""
    from workflows import engine, lookup
    from workflows import nonconformity as ncs

    def go(c, s, a):
        engine.require_role(a, ncs.VERIFIERS + ncs.MANAGERS, "登记不符合项", "Raising a nonconformity")
        return ncs.raise_nc(s, a.enterprise_id, source="other", clause_id=clause, title=title, raised_by=a.label,
                            description=description, severity=severity,
                            owner=lookup.person(s, a.enterprise_id, owner) if owner else None)
    typer.echo(f"{run_as(as_user, go).number} 已登记 / raised")


@nc_app.command("analyse")
def nc_analyse(as_user: AsUser, number: str,
               consequence: Annotated[str, typer.Option(help="后果评价 / consequences")],
               disposition: Annotated[str, typer.Option(help="处置 / disposition")],
               cause: Annotated[str, typer.Option(help="原因 / root cause")],
               severity: Annotated[Optional[str], typer.Option(help="minor|major")] = None,
               preventive: Annotated[str, typer.Option(help="预防措施 / preventive measures")] = ""):
    """评价后果、处置、确定原因并排查类似问题 / Evaluate, dispose, find the cause and similar cases."""
    from workflows import nonconformity as ncs
    nc = run_as(as_user, lambda c, s, a: ncs.analyse(s, a, ncs.get(s, a, number), consequence=consequence,
                                                     disposition=disposition, root_cause=cause, severity=severity,
                                                     preventive_measures=preventive))
    typer.echo(f"{number} 已分析；类似问题 {len(nc.similar)} 项 / analysed; {len(nc.similar)} similar case(s)")
    for x in nc.similar:
        typer.echo(f"  {x['ref']} [{x['clause']}] {x['state']} {x['title']}")


@nc_app.command("plan")
def nc_plan(as_user: AsUser, number: str,
            action: Annotated[list[str], typer.Option(help="kind|措施|负责人|YYYY-MM-DD（可重复）/ repeatable")]):
    """制定纠正措施（类型|内容|负责人|期限）/ Plan actions: kind|what|owner|due."""
    from workflows import nonconformity as ncs
    specs = []
    for text in action:
        parts = text.split("|")
        if len(parts) != 4:
            raise StewardError("bad_action", f"措施 {text!r} 应写成 类型|内容|负责人|期限",
                               f"Action {text!r} must be kind|description|owner|YYYY-MM-DD")
        specs.append({"kind": parts[0], "description": parts[1], "owner": parts[2],
                      "due": parse_date(parts[3], "due")})
    rows = run_as(as_user, lambda c, s, a: ncs.plan(s, a, ncs.get(s, a, number), specs))
    for r in rows:
        typer.echo(f"措施 action #{r.id}: {r.description} → {r.due}")


@nc_app.command("done")
def nc_done(as_user: AsUser, action_id: int, result: Annotated[str, typer.Option(help="实施结果 / what was done")]):
    """报告一项纠正措施完成 / Report an action done."""
    from storage.errors import NotFound
    from storage.models import CorrectiveAction
    from workflows import nonconformity as ncs

    def go(c, s, a):
        action = s.get(CorrectiveAction, action_id)
        if action is None or action.enterprise_id != a.enterprise_id:
            raise NotFound("action", f"没有措施 #{action_id}", f"No action #{action_id}")
        return ncs.complete_action(s, a, action, result)
    run_as(as_user, go)
    typer.echo(f"措施 #{action_id} 已完成 / done")


@nc_app.command("verify")
def nc_verify(as_user: AsUser, number: str,
              effective: Annotated[bool, typer.Option("--effective/--ineffective", help="措施是否有效 / did it work")],
              note: Annotated[str, typer.Option(help="验证依据 / basis")]):
    """评审纠正措施有效性：有效则关闭，无效则重新打开 / Review effectiveness: close or reopen."""
    from workflows import nonconformity as ncs
    nc = run_as(as_user, lambda c, s, a: ncs.review_effectiveness(s, a, ncs.get(s, a, number), effective=effective,
                                                                  note=note))
    st = ncs.NcState(nc.state)
    typer.echo(f"{number} → {st.zh} / {st.en}")


# --- management review ---

@review_app.command("plan")
def review_plan(as_user: AsUser, year: Annotated[int, typer.Option()] = date.today().year,
                on: Annotated[Optional[str], typer.Option("--date", help="计划日期 / planned date")] = None):
    """计划年度管理评审 / Plan the year's management review."""
    from workflows import engine
    from workflows import review as reviews

    def go(c, s, a):
        engine.require_role(a, reviews.PREPARERS + ("top_management",), "计划管理评审", "Planning a review")
        return reviews.ensure(s, a.enterprise_id, year, parse_date(on))
    review, created = run_as(as_user, go)
    typer.echo(f"{review.number} {review.planned_on} " + ("已计划 / planned" if created else "已存在 / exists"))


@review_app.command("compile")
def review_compile(as_user: AsUser, number: str):
    """从系统汇编 9.3.1 a–e 全部评审输入 / Compile every 9.3.1 input from the system."""
    from workflows import review as reviews
    review = run_as(as_user, lambda c, s, a: reviews.compile_inputs(s, a, reviews.get(s, a, number)))
    missing = reviews.missing_inputs(review)
    typer.echo(f"{number} 评审输入已汇编 / inputs compiled; 待书面说明 / to state: {', '.join(missing) or '—'}")


@review_app.command("state")
def review_state(as_user: AsUser, number: str, clause: str, text: str):
    """为某项评审输入填写书面说明 / Write a statement for one input."""
    from workflows import review as reviews
    run_as(as_user, lambda c, s, a: reviews.state_input(s, a, reviews.get(s, a, number), clause, text))
    typer.echo(f"{number} {clause} 已填写 / stated")


@review_app.command("show")
def review_show(as_user: AsUser, number: str, as_json: AsJson = False):
    """显示评审输入包与状态 / Show the input pack and state."""
    from forms import clauses
    from workflows import review as reviews
    review = run_as(as_user, lambda c, s, a: reviews.get(s, a, number))
    if as_json:
        return _dump([review.model_dump(mode="json")])
    st = reviews.ReviewState(review.state)
    typer.echo(f"{review.number} {st.zh}/{st.en} 计划 planned {review.planned_on}")
    for clause_id in reviews.INPUT_ITEMS:
        c = clauses.by_id()[clause_id]
        lines = review.inputs.get(clause_id, {}).get("zh", [])
        stated = review.statements.get(clause_id, "")
        mark = "✓" if lines or stated else "✗"
        typer.echo(f"{mark} {clause_id:<8} {c.zh} / {c.en}")
        for line in lines[:6]:
            typer.echo(f"      {line}")
        if stated:
            typer.echo(f"      说明 statement: {stated}")


@review_app.command("meeting")
def review_meeting(as_user: AsUser, number: str,
                   minutes: Annotated[str, typer.Option(help="会议纪要 / minutes")],
                   conclusion: Annotated[str, typer.Option(help="结论：充分性、适宜性、有效性 / conclusion")],
                   attendee: Annotated[list[str], typer.Option(help="参加人员（可重复）/ attendee")],
                   decision: Annotated[Optional[list[str]], typer.Option(help="决定|负责人|期限 / decision|owner|due")] = None,
                   held_on: Annotated[Optional[str], typer.Option(help="会议日期 / date")] = None):
    """记录会议：纪要、结论、决定（生成任务）/ Record the meeting; decisions become tasks."""
    from workflows import review as reviews
    decisions = []
    for text in decision or []:
        parts = text.split("|")
        if len(parts) != 3:
            raise StewardError("bad_decision", f"决定 {text!r} 应写成 内容|负责人|期限",
                               f"Decision {text!r} must be text|owner|YYYY-MM-DD")
        decisions.append({"decision": parts[0], "owner": parts[1], "due": parse_date(parts[2], "due")})
    actions = run_as(as_user, lambda c, s, a: reviews.record_meeting(
        s, a, reviews.get(s, a, number), held_on=parse_date(held_on) or date.today(), attendees=attendee,
        minutes=minutes, conclusion=conclusion, decisions=decisions))
    typer.echo(f"{number} 会议已记录，措施 {len(actions)} 项 / meeting recorded, {len(actions)} action(s)")


@review_app.command("sign")
def review_sign(as_user: AsUser, number: str,
                out: Annotated[Optional[str], typer.Option(help="另存纪要 docx / also write the minutes docx")] = None,
                password_stdin: PasswordStdin = False):
    """最高管理者签署管理评审（重新输入密码）/ Top management signs off (password again)."""
    from workflows import review as reviews
    pw = password(password_stdin)

    def go(c, s, a):
        review = reviews.sign_off(s, a, reviews.get(s, a, number), pw, c.files)
        return review, c.files.read(review.minutes_sha256)
    review, data = run_as(as_user, go)
    if out:
        Path(out).write_bytes(data)
    typer.echo(f"{number} 已签署 / signed off" + (f" → {out}" if out else ""))


@review_app.command("done")
def review_action_done(as_user: AsUser, action_id: int, result: Annotated[str, typer.Option(help="落实情况 / result")]):
    """报告评审决定已落实 / Report a review action done."""
    from workflows import review as reviews
    run_as(as_user, lambda c, s, a: reviews.complete_action(s, a, action_id, result))
    typer.echo(f"评审措施 #{action_id} 已完成 / done")


# --- obligations and compliance ---

OBLIGATION_KINDS = "law|regulation|policy|standard|ets|stakeholder|other"


@obligation_app.command("add")
def obligation_add(as_user: AsUser, code: str,
                   fields: Annotated[list[str], typer.Argument(help="title=… kind=… clause_id=9.1.1a… reference=…")]):
    """登记合规义务 / Register an obligation."""
    from workflows import compliance
    values = parse_pairs(fields, set())
    if "effective_from" in values:
        values["effective_from"] = parse_date(values["effective_from"], "effective_from")
    run_as(as_user, lambda c, s, a: compliance.add_obligation(s, a, code, **values))
    typer.echo(f"{code} 已登记 / registered")


@obligation_app.command("change")
def obligation_change(as_user: AsUser, code: str, reason: Annotated[str, typer.Option(help="变化内容 / what changed")],
                      fields: Annotated[Optional[list[str]], typer.Argument(help="field=value …")] = None):
    """修改义务并自动启动再评价（9.1.2）/ Change an obligation; its re-evaluation starts by itself."""
    from workflows import compliance
    values = parse_pairs(fields or [], set())
    evaluation = run_as(as_user, lambda c, s, a: compliance.change_obligation(s, a, code, reason, **values))
    typer.echo(f"{code} 已修改，已启动再评价 {evaluation.period} / changed; re-evaluation {evaluation.period} opened")


@obligation_app.command("list")
def obligation_list(as_user: AsUser, as_json: AsJson = False):
    """列出合规义务 / List obligations."""
    from storage.models import Obligation
    rows = _listing(as_user, Obligation, Obligation.code)
    if as_json:
        return _dump(rows)
    for r in rows:
        typer.echo(f"{r['code']:<10} [{r['clause_id']}] r{r['revision']} {r['kind']:<11} {r['title']} {r['reference']}")


@compliance_app.command("start")
def compliance_start(as_user: AsUser, period: Annotated[str, typer.Option(help="评价期 / period")] = str(date.today().year)):
    """对全部有效义务开展合规性评价 / Open an evaluation of every active obligation."""
    from workflows import compliance, engine

    def go(c, s, a):
        engine.require_role(a, compliance.EVALUATORS, "开展合规性评价", "Starting an evaluation")
        return compliance.start(s, a.enterprise_id, period, "manual")
    evaluation, created = run_as(as_user, go)
    typer.echo(f"合规性评价 {evaluation.period} " + ("已开始 / started" if created else "已存在 / exists"))


@compliance_app.command("evaluate")
def compliance_evaluate(as_user: AsUser, period: str, code: str,
                        result: Annotated[str, typer.Argument(help="compliant|noncompliant|not_applicable")],
                        finding: Annotated[str, typer.Option(help="事实 / finding")] = "",
                        evidence: Annotated[str, typer.Option(help="证据 / evidence")] = ""):
    """评价一项义务；不符合即生成不符合项 / Judge one obligation; noncompliance raises an NC."""
    from workflows import compliance
    item = run_as(as_user, lambda c, s, a: compliance.evaluate(s, a, compliance.get(s, a, period), code, result,
                                                               finding, evidence))
    typer.echo(f"{period} {code}: {compliance.ItemResult(item.result).zh} / {compliance.ItemResult(item.result).en}")


@compliance_app.command("complete")
def compliance_complete(as_user: AsUser, period: str, summary: Annotated[str, typer.Option(help="结论 / summary")] = ""):
    """完成合规性评价（须全部评价）/ Complete the evaluation (every item judged)."""
    from workflows import compliance
    run_as(as_user, lambda c, s, a: compliance.complete(s, a, compliance.get(s, a, period), summary))
    typer.echo(f"合规性评价 {period} 已完成 / completed")


@compliance_app.command("show")
def compliance_show(as_user: AsUser, period: str, as_json: AsJson = False):
    """显示评价结果 / Show an evaluation's results."""
    from storage.models import Obligation
    from workflows import compliance

    def go(c, s, a):
        ev = compliance.get(s, a, period)
        return ev.state, [{**i.model_dump(mode="json"), "code": s.get(Obligation, i.obligation_id).code,
                           "title": s.get(Obligation, i.obligation_id).title} for i in compliance.items(s, ev)]
    state, rows = run_as(as_user, go)
    if as_json:
        return _dump(rows)
    typer.echo(f"合规性评价 {period}: {compliance.EvaluationState(state).zh} / {compliance.EvaluationState(state).en}")
    for r in rows:
        res = compliance.ItemResult(r["result"])
        typer.echo(f"  {r['code']:<10} r{r['obligation_revision']} {res.zh}/{res.en}  {r['title']}  {r['finding']}")


# --- improvement register ---

@improve_app.command("add")
def improve_add(as_user: AsUser, title: str,
                source: Annotated[str, typer.Option(help="audit|review|nonconformity|compliance|suggestion")] = "suggestion",
                clause: Annotated[str, typer.Option(help="10.1 或 10.4a–d")] = "10.1",
                owner: Annotated[Optional[str], typer.Option(help="负责人 / owner")] = None,
                due: Annotated[Optional[str], typer.Option(help="期限 / due")] = None):
    """登记改进项 / Register an improvement."""
    from workflows import improvement
    row = run_as(as_user, lambda c, s, a: improvement.add(s, a, title=title, source=source, clause_id=clause,
                                                          owner=owner, due=parse_date(due, "due")))
    typer.echo(f"{row.number} 已登记 / registered")


@improve_app.command("update")
def improve_update(as_user: AsUser, number: str,
                   status: Annotated[str, typer.Argument(help="proposed|in_progress|done|dropped")],
                   outcome: Annotated[str, typer.Option(help="结果 / outcome")] = ""):
    """更新改进项状态 / Update an improvement's status."""
    from workflows import improvement
    run_as(as_user, lambda c, s, a: improvement.update(s, a, number, status, outcome))
    typer.echo(f"{number} → {status}")


@improve_app.command("list")
def improve_list(as_user: AsUser, as_json: AsJson = False):
    """列出改进项 / List the improvement register."""
    from storage.models import Improvement
    rows = _listing(as_user, Improvement, Improvement.id)
    if as_json:
        return _dump(rows)
    for r in rows:
        typer.echo(f"{r['number']}  [{r['clause_id']}] {r['status']:<11} {r['title']}")
