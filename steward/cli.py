"""``steward``: the command line. Every command reports bad input as one bilingual line, exit 2."""

from __future__ import annotations

import json
import sys
from typing import Annotated, Optional

import typer

from forms import clauses as clause_catalogue
from steward.context import Context
from steward.settings import Settings, names
from storage.errors import StewardError

app = typer.Typer(help="碳管家 Carbon Steward — 碳排放管理体系 / carbon-emission management system",
                  no_args_is_help=True, pretty_exceptions_enable=False, add_completion=False)
db_app = typer.Typer(help="数据库结构迁移 / Database migrations", no_args_is_help=True)
org_app = typer.Typer(help="组织机构：企业、厂区、部门、工序、设备、计量器具、人员 / Organisation", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(org_app, name="org")


def _ctx() -> Context:
    return Context.from_env()


@app.command("settings")
def settings_cmd(markdown: Annotated[bool, typer.Option(help="输出 README 用的 Markdown 表 / README table")] = False):
    """显示当前设置 / Show the settings in force."""
    if markdown:
        typer.echo("| Setting | Default | 说明 / Meaning |\n|---|---|---|")
        for name, info in Settings.model_fields.items():
            default = "`~/.carbon-steward`" if name == "home" else f"`{info.default}`" if info.default != "" else "—"
            typer.echo(f"| `STEWARD_{name.upper()}` | {default} | {info.description} |")
        return
    current = _ctx().settings
    for name in Settings.model_fields:
        value = getattr(current, name)
        if name == "secret_key":
            value = "****"
        typer.echo(f"STEWARD_{name.upper():<16} {value}")
    typer.echo(f"{'(database in use)':<25} {current.db_url}")


@db_app.command("upgrade")
def db_upgrade():
    """把数据库升级到最新结构 / Apply all migrations."""
    ctx = _ctx()
    ctx.upgrade()
    typer.echo(f"数据库已是最新结构 / Database schema is current: {ctx.engine.url.render_as_string()}")


@db_app.command("current")
def db_current():
    """显示数据库结构版本 / Show the schema revision."""
    from storage import migrate
    ctx = _ctx()
    typer.echo(f"{migrate.current(ctx.engine) or '-'} (head {migrate.head()})")


@app.command("clauses")
def clauses_cmd(
    as_json: Annotated[bool, typer.Option("--json", help="JSON 输出 / JSON output")] = False,
    auditable: Annotated[bool, typer.Option(help="只列出内审检查项 / Only auditable items")] = False,
):
    """列出指南条款目录 / List the guideline's clause catalogue."""
    items = clause_catalogue.auditable() if auditable else list(clause_catalogue.catalogue())
    if as_json:
        typer.echo(json.dumps([c.as_json() for c in items], ensure_ascii=False, indent=1))
        return
    for c in items:
        indent = "  " * (c.id.count(".") + (c.kind in ("item", "subitem")) + (c.kind == "subitem"))
        typer.echo(f"{indent}{c.id:<9} {c.zh} / {c.en}")


@app.command("verify")
def verify_cmd():
    """校验审计日志哈希链 / Check the audit log's hash chain."""
    from storage.audit_log import verify
    ctx = _ctx()
    ctx.require_current_schema()
    with ctx.engine.connect() as conn:
        report = verify(conn)
    if report.ok:
        typer.echo(f"审计日志完整：{report.entries} 条 / Audit chain intact: {report.entries} entries")
        return
    typer.echo(f"审计日志第 {report.first_broken} 条处断裂：{report.reason} / "
               f"Audit chain broken at entry {report.first_broken}: {report.reason}", err=True)
    raise typer.Exit(1)


@app.command("demo")
def demo_cmd(
    serve: Annotated[bool, typer.Option("--serve/--no-serve", help="播种后启动 Web 服务 / Serve after seeding")] = True,
):
    """创建演示企业（晋岩水泥）并启动 / Seed the demo enterprise and serve it."""
    from steward import demo
    ctx = _ctx()
    ctx.upgrade()
    with ctx.unit_of_work("demo-seed") as session:
        report = demo.seed(session)
    if report.created:
        typer.echo("已创建演示数据：晋岩建材集团 / Seeded demo group Jinyan (JYGRP, JYCEM, JYXNC)")
    else:
        typer.echo("演示数据已存在，未重复创建 / Demo data already present; nothing added")
    typer.echo(f"数据库 / database: {ctx.engine.url.render_as_string()}")
    typer.echo(f"演示账号密码 / demo password for every user (e.g. lixf, wangjg): {demo.DEMO_PASSWORD}")
    if serve:
        typer.echo("Web 界面尚未提供（见 issue 6），数据已就绪 / The web UI is not built yet (issue 6); "
                   "data is ready — try `steward org list facility --enterprise JYCEM`.")


def _parse_pairs(pairs: list[str], list_fields: set[str]) -> dict:
    values: dict = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key:
            raise StewardError("bad_argument", f"参数 {pair!r} 应写成 字段=值", f"Argument {pair!r} must be field=value")
        values[key.strip()] = [v.strip() for v in value.split(",") if v.strip()] if key in list_fields else value
    return values


@org_app.command("add")
def org_add(
    kind: Annotated[str, typer.Argument(help="enterprise|site|department|process|facility|meter|person|responsibility")],
    fields: Annotated[Optional[list[str]], typer.Argument(help="字段=值 … / field=value …")] = None,
    enterprise: Annotated[Optional[str], typer.Option("--enterprise", "-e", help="企业代码 / enterprise code")] = None,
):
    """添加组织机构对象 / Add an organisation entity (all-or-nothing, audited)."""
    from workflows import organisation as org
    ctx = _ctx()
    ctx.require_current_schema()
    with ctx.unit_of_work() as session:
        row = org.add(session, kind, _parse_pairs(fields or [], {"roles"}), enterprise_ref=enterprise)
        label = getattr(row, "code", None) or row.id
    typer.echo(f"已添加 / added {kind} {label}")


@org_app.command("list")
def org_list(
    kind: Annotated[str, typer.Argument(help="enterprise|site|department|process|facility|meter|person|responsibility")],
    enterprise: Annotated[Optional[str], typer.Option("--enterprise", "-e")] = None,
    as_json: Annotated[bool, typer.Option("--json")] = False,
):
    """列出组织机构对象 / List organisation entities."""
    from workflows import organisation as org
    ctx = _ctx()
    ctx.require_current_schema()
    if kind not in org.TABLES:
        org.validate(kind, {})
    with ctx.unit_of_work() as session:
        rows = [r.model_dump(mode="json", exclude={"password_hash"}) for r in org.listing(session, kind, enterprise)]
    if as_json:
        typer.echo(json.dumps(rows, ensure_ascii=False, indent=1))
        return
    for r in rows:
        typer.echo("  ".join(str(r.get(k, "")) for k in ("code", "name_zh", "name", "clause_id") if r.get(k)))


def main() -> None:
    """Console entry point: render our errors as one bilingual line instead of a traceback."""
    try:
        app()
    except StewardError as exc:
        typer.echo(f"错误 / Error: {exc.zh} / {exc.en}", err=True)
        sys.exit(2)


__all__ = ["app", "main", "names"]
