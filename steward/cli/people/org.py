"""`steward org`."""

from __future__ import annotations

from typing import Annotated, Optional

import typer

from steward.cli.common import (
    emit,
    load_context,
    parse_pairs,
)

app = typer.Typer(help="组织机构：企业、厂区、部门、工序、设备、计量器具、人员 / Organisation", no_args_is_help=True)


@app.command("add")
def org_add(
    kind: Annotated[str, typer.Argument(help="enterprise|site|department|process|facility|meter|person|responsibility")],
    fields: Annotated[Optional[list[str]], typer.Argument(help="字段=值 … / field=value …")] = None,
    enterprise: Annotated[Optional[str], typer.Option("--enterprise", "-e", help="企业代码 / enterprise code")] = None,
    as_user: Annotated[Optional[str], typer.Option("--as", help="操作人（首次安装、尚无登录用户时可省略）/ who acts "
                                                              "(may be left out only before anyone has a login)")] = None,
):
    """添加组织机构对象 / Add an organisation entity (all-or-nothing, audited)."""
    from workflows.engine.machine import actor_for
    from workflows.people import organisation as org
    ctx = load_context()
    ctx.require_current_schema()
    with ctx.unit_of_work(f"cli:{as_user}" if as_user else "cli-setup") as session:
        actor = actor_for(session, as_user) if as_user else None
        row = org.add_as(session, actor, kind, parse_pairs(fields or [], {"roles"}), enterprise)
        label = getattr(row, "code", None) or row.id
    typer.echo(f"已添加 / added {kind} {label}")


@app.command("list")
def org_list(
    kind: Annotated[str, typer.Argument(help="enterprise|site|department|process|facility|meter|person|responsibility")],
    enterprise: Annotated[Optional[str], typer.Option("--enterprise", "-e")] = None,
    as_json: Annotated[bool, typer.Option("--json")] = False,
):
    """列出组织机构对象 / List organisation entities."""
    from workflows.people import organisation as org
    ctx = load_context()
    ctx.require_current_schema()
    if kind not in org.TABLES:
        org.validate(kind, {})
    with ctx.unit_of_work() as session:
        rows = [r.model_dump(mode="json", exclude={"password_hash"}) for r in org.listing(session, kind, enterprise)]
    if as_json:
        return emit(rows, True)
    for r in rows:
        typer.echo("  ".join(str(r.get(k, "")) for k in ("code", "name_zh", "name", "clause_id") if r.get(k)))
