"""`steward audit`."""

from __future__ import annotations

from typing import Annotated, Optional

import typer

from steward.cli.common import (
    AsJson,
    AsUser,
    PasswordStdin,
    emit,
    load_context,
    parse_date,
    read_password,
    run_as,
    save,
)
from storage.errors import StewardError
from workflows.engine import clock

app = typer.Typer(help="内部审核（9.2）：方案、计划、检查表、报告 / Internal audit", no_args_is_help=True)


@app.command("plan")
def audit_plan(
    as_user: AsUser,
    year: Annotated[int, typer.Option(help="审核年度 / year")] = clock.today().year,
    start: Annotated[Optional[str], typer.Option(help="开始日期 YYYY-MM-DD / first day")] = None,
    end: Annotated[Optional[str], typer.Option(help="结束日期 / last day")] = None,
    lead: Annotated[Optional[str], typer.Option(help="审核组长用户名 / lead auditor")] = None,
    member: Annotated[Optional[list[str]], typer.Option(help="审核组成员 / team member (repeat)")] = None,
    scope: Annotated[str, typer.Option(help="审核范围 / scope")] = "",
):
    """计划一次内部审核（时间、方法、分工、日程）/ Plan an audit: time, method, team, schedule."""
    from workflows.audit import internal_audit as audits
    from workflows.engine import lookup, machine

    def go(c, s, a):
        machine.require_role(a, ("carbon_manager",), "计划内部审核", "Planning an audit")
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


@app.command("start")
def audit_start(as_user: AsUser, number: str):
    """开始审核，生成覆盖全部条款的检查表 / Start the audit and generate the full checklist."""
    from workflows.audit import internal_audit as audits
    items = run_as(as_user, lambda c, s, a: audits.start(s, a, audits.get(s, a, number)))
    typer.echo(f"{number} 审核开始，检查表 {len(items)} 项 / started, {len(items)} checklist items")


@app.command("checklist")
def audit_checklist(as_user: AsUser, number: str, as_json: AsJson = False,
                    pending: Annotated[bool, typer.Option(help="只列未检查项 / only unchecked")] = False):
    """显示检查表及结果 / Show the checklist and its results."""
    from forms import clauses
    from workflows.audit import checklist
    from workflows.audit import internal_audit as audits

    def go(c, s, a):
        rows = [i.model_dump(mode="json") for i in checklist.checklist(s, audits.get(s, a, number))]
        return [r for r in rows if r["result"] == "pending"] if pending else rows
    rows = run_as(as_user, go)
    if as_json:
        return emit(rows, True)
    catalogue = clauses.by_id()
    for r in rows:
        res = checklist.Result(r["result"])
        typer.echo(f"{r['clause_id']:<9} {res.zh}/{res.en:<20} {catalogue[r['clause_id']].zh}"
                   + (f"  [{len(r['evidence'])} 证据 evidence]" if r["evidence"] else ""))


@app.command("check")
def audit_check(
    as_user: AsUser, number: str, clause: str,
    result: Annotated[str, typer.Argument(help="conform|observation|minor_nc|major_nc|not_applicable")],
    notes: Annotated[str, typer.Option(help="事实与证据 / facts")] = "",
    evidence: Annotated[Optional[list[str]], typer.Option(help="证据 kind:ref（可重复）/ evidence link")] = None,
    owner: Annotated[Optional[str], typer.Option(help="不符合项负责人 / NC owner")] = None,
):
    """记录一个条款的审核结果；不符合即生成不符合项 / Record a clause's result; a finding raises an NC."""
    from workflows.audit import checklist
    from workflows.audit import internal_audit as audits
    links = []
    for e in evidence or []:
        kind, _, ref = e.partition(":")
        links.append({"kind": kind if ref else "note", "ref": ref or kind, "label": ref or kind})
    item = run_as(as_user, lambda c, s, a: audits.record(s, a, audits.get(s, a, number), clause, result, notes,
                                                         links, owner))
    extra = f"，已生成不符合项 / nonconformity raised (#{item.nonconformity_id})" if item.nonconformity_id else ""
    typer.echo(f"{number} {clause}: {checklist.Result(item.result).zh} / {checklist.Result(item.result).en}{extra}")


@app.command("finding")
def audit_finding(
    as_user: AsUser, number: str, clause: str,
    result: Annotated[str, typer.Argument(help="minor_nc|major_nc")],
    notes: Annotated[str, typer.Option(help="事实 / facts")],
    owner: Annotated[Optional[str], typer.Option(help="不符合项负责人 / NC owner")] = None,
):
    """在已有不符合的条款上再开一项 / Another nonconformity on a line that already has one."""
    from workflows.audit import checklist
    from workflows.audit import internal_audit as audits
    item = run_as(as_user, lambda c, s, a: audits.add_finding(s, a, audits.get(s, a, number), clause, result, notes,
                                                              owner))
    typer.echo(f"{number} {clause}: {checklist.Result(item.result).zh} / {checklist.Result(item.result).en}，"
               "已再开具一项不符合 / another nonconformity raised")


@app.command("report")
def audit_report(as_user: AsUser, number: str,
                 conclusion: Annotated[str, typer.Option(help="审核结论 / conclusion")],
                 out: Annotated[Optional[str], typer.Option(help="另存 docx / also write the docx here")] = None,
                 password_stdin: PasswordStdin = False):
    """提交审核报告（签名）并报最高管理者 / Submit the signed report to top management."""
    from workflows.audit import internal_audit as audits
    pw = read_password(password_stdin, as_user)

    def go(c, s, a):
        audit = audits.report(s, a, audits.get(s, a, number), conclusion, pw, c.files)
        return audit, c.files.read(audit.report_sha256)
    audit, data = run_as(as_user, go)
    if out:
        save(out, data)
    typer.echo(f"{number} 审核报告已提交 / report submitted (sha256 {audit.report_sha256[:16]}…)"
               + (f" → {out}" if out else ""))


@app.command("accept")
def audit_accept(as_user: AsUser, number: str, comment: Annotated[str, typer.Option(help="意见 / comment")] = "",
                 password_stdin: PasswordStdin = False):
    """最高管理者审阅审核报告（签名）/ Top management accepts the report (signed)."""
    from workflows.audit import internal_audit as audits
    pw = read_password(password_stdin, as_user)
    run_as(as_user, lambda c, s, a: audits.accept(s, a, audits.get(s, a, number), pw, comment))
    typer.echo(f"{number} 已审阅，审核关闭 / accepted, audit closed")


@app.command("anchor")
def audit_anchor(out: Annotated[Optional[str], typer.Option(help="另存一份到此文件 / also write it here")] = None):
    """审计日志锚点：签名记录当前链尾，请另行保存 / Sign the audit log's tip; keep the line elsewhere too."""
    import json as _json
    ctx = load_context()
    ctx.require_current_schema()
    mark = ctx.anchor()
    line = _json.dumps(mark)
    if out:
        save(out, (line + "\n").encode())
    typer.echo(line)
