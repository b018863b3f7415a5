"""`steward nc`."""

from __future__ import annotations

from typing import Annotated, Optional

import typer

from steward.cli.common import (
    AsJson,
    AsUser,
    emit,
    listing,
    parse_date,
    run_as,
)
from storage.errors import StewardError

app = typer.Typer(help="不符合项与纠正措施（10.2）/ Nonconformities and corrective actions", no_args_is_help=True)


@app.command("list")
def nc_list(as_user: AsUser, as_json: AsJson = False):
    """列出不符合项 / List nonconformities."""
    from storage.models import Nonconformity
    from workflows.improvement import nonconformity as ncs
    rows = listing(as_user, Nonconformity, Nonconformity.id)
    if as_json:
        return emit(rows, True)
    for r in rows:
        st = ncs.NcState(r["state"])
        typer.echo(f"{r['number']}  [{r['clause_id']}] {st.zh}/{st.en}  {r['title']}")


@app.command("raise")
def nc_raise(as_user: AsUser, clause: str, title: str,
             severity: Annotated[str, typer.Option(help="minor|major")] = "minor",
             description: Annotated[str, typer.Option(help="描述 / description")] = "",
             owner: Annotated[Optional[str], typer.Option(help="负责人 / owner")] = None):
    """登记不符合项 / Raise a nonconformity."""
    from workflows.engine import lookup, machine
    from workflows.improvement import nonconformity as ncs

    def go(c, s, a):
        machine.require_role(a, ncs.VERIFIERS + ncs.MANAGERS, "登记不符合项", "Raising a nonconformity")
        return ncs.raise_nc(s, a.enterprise_id, source="other", clause_id=clause, title=title, raised_by=a.label,
                            description=description, severity=severity,
                            owner=lookup.person(s, a.enterprise_id, owner) if owner else None)
    typer.echo(f"{run_as(as_user, go).number} 已登记 / raised")


@app.command("analyse")
def nc_analyse(as_user: AsUser, number: str,
               consequence: Annotated[str, typer.Option(help="后果评价 / consequences")],
               disposition: Annotated[str, typer.Option(help="处置 / disposition")],
               cause: Annotated[str, typer.Option(help="原因 / root cause")],
               severity: Annotated[Optional[str], typer.Option(help="minor|major")] = None,
               preventive: Annotated[str, typer.Option(help="预防措施 / preventive measures")] = ""):
    """评价后果、处置、确定原因并排查类似问题 / Evaluate, dispose, find the cause and similar cases."""
    from workflows.improvement import nonconformity as ncs
    nc = run_as(as_user, lambda c, s, a: ncs.analyse(s, a, ncs.get(s, a, number), consequence=consequence,
                                                     disposition=disposition, root_cause=cause, severity=severity,
                                                     preventive_measures=preventive))
    typer.echo(f"{number} 已分析；类似问题 {len(nc.similar)} 项 / analysed; {len(nc.similar)} similar case(s)")
    for x in nc.similar:
        typer.echo(f"  {x['ref']} [{x['clause']}] {x['state']} {x['title']}")


@app.command("plan")
def nc_plan(as_user: AsUser, number: str,
            action: Annotated[list[str], typer.Option(help="kind|措施|负责人|YYYY-MM-DD（可重复）/ repeatable")]):
    """制定纠正措施（类型|内容|负责人|期限）/ Plan actions: kind|what|owner|due."""
    from workflows.improvement import nonconformity as ncs
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


@app.command("done")
def nc_done(as_user: AsUser, action_id: int, result: Annotated[str, typer.Option(help="实施结果 / what was done")]):
    """报告一项纠正措施完成 / Report an action done."""
    from storage.errors import NotFound
    from storage.models import CorrectiveAction
    from workflows.improvement import nonconformity as ncs

    def go(c, s, a):
        action = s.get(CorrectiveAction, action_id)
        if action is None or action.enterprise_id != a.enterprise_id:
            raise NotFound("action", f"没有措施 #{action_id}", f"No action #{action_id}")
        return ncs.complete_action(s, a, action, result)
    run_as(as_user, go)
    typer.echo(f"措施 #{action_id} 已完成 / done")


@app.command("verify")
def nc_verify(as_user: AsUser, number: str,
              effective: Annotated[bool, typer.Option("--effective/--ineffective", help="措施是否有效 / did it work")],
              note: Annotated[str, typer.Option(help="验证依据 / basis")]):
    """评审纠正措施有效性：有效则关闭，无效则重新打开 / Review effectiveness: close or reopen."""
    from workflows.improvement import nonconformity as ncs
    nc = run_as(as_user, lambda c, s, a: ncs.review_effectiveness(s, a, ncs.get(s, a, number), effective=effective,
                                                                  note=note))
    st = ncs.NcState(nc.state)
    typer.echo(f"{number} → {st.zh} / {st.en}")
