"""``steward``: the command line. Every command reports bad input as one bilingual line, exit 2."""

from __future__ import annotations

import json
import logging
import re
import sys
from typing import Annotated, Optional

import typer

from forms import clauses as clause_catalogue
from steward.cli_common import AsUser, ctx, parse_pairs, run_as
from steward.cli_common import password as read_password
from steward.context import Context
from steward.settings import Settings, names
from storage.errors import StewardError

app = typer.Typer(help="碳管家 Carbon Steward — 碳排放管理体系 / carbon-emission management system",
                  no_args_is_help=True, pretty_exceptions_enable=False, add_completion=False)
db_app = typer.Typer(help="数据库结构迁移 / Database migrations", no_args_is_help=True)
org_app = typer.Typer(help="组织机构：企业、厂区、部门、工序、设备、计量器具、人员 / Organisation", no_args_is_help=True)
wf_app = typer.Typer(help="工作流定义 / Lifecycle definitions", no_args_is_help=True)
doc_app = typer.Typer(help="受控文件：新建、上传、审批、签发、确认、修订、作废 / Controlled documents",
                      no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(org_app, name="org")
app.add_typer(wf_app, name="workflows")
app.add_typer(doc_app, name="doc")
from steward import cli_account, cli_cycles, cli_schedule  # noqa: E402

for _name, _sub in {**cli_cycles.APPS, **cli_schedule.APPS, **cli_account.APPS}.items():
    app.add_typer(_sub, name=_name)
app.command("tasks")(cli_schedule.tasks_cmd)
record_app = typer.Typer(help="表单记录（培训、沟通、基准调整…）/ Form-driven records", no_args_is_help=True)
app.add_typer(record_app, name="record")
_ctx = ctx


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
        elif name == "smtp_url" and value:
            value = re.sub(r"://([^:@/]*):[^@/]*@", r"://\1:****@", value)
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


Host = Annotated[Optional[str], typer.Option(help="监听地址（覆盖 STEWARD_HOST）/ address to listen on")]
Port = Annotated[Optional[int], typer.Option(help="端口（覆盖 STEWARD_PORT）/ port")]
NoSchedule = Annotated[bool, typer.Option("--no-schedule", help="不在本进程发送通知和每日提醒 / leave delivery "
                                                             "and the daily round to `steward schedule serve`")]


@app.command("demo")
def demo_cmd(
    serve: Annotated[bool, typer.Option("--serve/--no-serve", help="播种后启动 Web 服务 / Serve after seeding")] = True,
    host: Host = None, port: Port = None,
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
        _serve(ctx, host, port)


def _serve(ctx: Context, host: str | None = None, port: int | None = None, schedule: bool = True) -> None:
    import threading

    import uvicorn

    from steward.web.app import create_app
    host, port = host or ctx.settings.host, port or ctx.settings.port
    stop = threading.Event()
    if schedule:
        threading.Thread(target=_keep_delivery, args=(ctx, stop), name="steward-schedule", daemon=True).start()
    typer.echo(f"打开 / open http://{host}:{port}/  （Ctrl-C 停止 / stops）")
    try:
        uvicorn.run(create_app(ctx), host=host, port=port, log_level="warning")
    finally:
        stop.set()


def _keep_delivery(ctx: Context, stop) -> None:
    """Deliver notifications every minute and run the daily round at 08:00 from the web process, so a
    fresh install sends without a second command (plain functions: no Prefect start in the server)."""
    from flows import cycles, delivery
    from flows.schedules import serve_embedded
    st = ctx.settings
    work = {"outbox-dispatch": lambda: delivery.dispatch(ctx.engine, st.smtp_url),
            "daily-tasks": lambda: cycles.daily_round(ctx.engine, cycles.local_today(st.timezone))}
    try:
        work["outbox-dispatch"]()  # whatever waited while the server was down goes now
    except Exception:
        logging.getLogger("steward.schedule").exception("delivery at start failed")
    serve_embedded(lambda s: work[s.name](), st.timezone, only=set(work), sleep=stop.wait, stopped=stop.is_set)


@app.command("serve")
def serve_cmd(host: Host = None, port: Port = None, no_schedule: NoSchedule = False):
    """启动 Web 服务，并在本进程发送通知与每日提醒 / Serve the web application (and deliver notifications)."""
    ctx = _ctx()
    ctx.require_current_schema()
    _serve(ctx, host, port, not no_schedule)


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
        row = org.add(session, kind, parse_pairs(fields or [], {"roles"}), enterprise_ref=enterprise)
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


@wf_app.command("list")
def workflows_list():
    """列出所有生命周期 / List lifecycles."""
    from workflows.registry import LIFECYCLES
    for lc in LIFECYCLES.values():
        states = " → ".join(s.value for s in lc.states)
        typer.echo(f"{lc.name:<12} {lc.zh} / {lc.en}: {states}")


@wf_app.command("diagram")
def workflows_diagram(name: Annotated[str, typer.Argument(help="生命周期名 / lifecycle name")]):
    """输出 Mermaid 状态图 / Print a Mermaid state diagram."""
    from workflows.engine import mermaid
    from workflows.registry import LIFECYCLES
    if name not in LIFECYCLES:
        raise StewardError("unknown_lifecycle", f"没有生命周期 {name}，可选：{', '.join(LIFECYCLES)}",
                           f"No lifecycle {name}; choose {', '.join(LIFECYCLES)}")
    typer.echo(mermaid(LIFECYCLES[name]), nl=False)


@wf_app.command("docs")
def workflows_docs(check: Annotated[bool, typer.Option(help="只检查是否过期 / only check freshness")] = False):
    """生成 docs/workflows.md / Regenerate docs/workflows.md from the lifecycle data."""
    from steward.docs_gen import WORKFLOWS_MD, workflows_markdown
    text = workflows_markdown()
    if check:
        if not WORKFLOWS_MD.exists() or WORKFLOWS_MD.read_text(encoding="utf-8") != text:
            raise StewardError("docs_stale", "docs/workflows.md 已过期，请运行 steward workflows docs",
                               "docs/workflows.md is stale; run steward workflows docs")
        return
    WORKFLOWS_MD.write_text(text, encoding="utf-8")
    typer.echo(f"wrote {WORKFLOWS_MD}")


@doc_app.command("new")
def doc_new(
    as_user: AsUser,
    doc_type: Annotated[str, typer.Option("--type", help="policy|procedure|instruction|dq_plan|form|external")],
    title: Annotated[str, typer.Option(help="标题 / title")],
    reader: Annotated[Optional[list[str]], typer.Option(help="发放对象用户名 / distribution (repeat)")] = None,
    clause: Annotated[Optional[list[str]], typer.Option(help="对应条款 / clause ids (repeat)")] = None,
    access: Annotated[str, typer.Option(help="public|internal|restricted")] = "internal",
    retention_years: Annotated[int, typer.Option(help="保存年限 / retention in years")] = 5,
):
    """新建受控文件（第1版草稿）/ Create a controlled document (revision 1, draft)."""
    from workflows import document as docs
    doc = run_as(as_user, lambda ctx, s, a: docs.create(
        s, a, doc_type=doc_type, title=title, readers=reader, clause_ids=clause, access=access,
        retention_years=retention_years)[0])
    typer.echo(f"{doc.number} 第1版草稿已创建 / created, revision 1 draft")


@doc_app.command("upload")
def doc_upload(as_user: AsUser, number: str, path: Annotated[str, typer.Argument(help="docx/xlsx/pdf")]):
    """为草稿上传文件 / Attach a file to the current draft."""
    from pathlib import Path

    from workflows import document as docs
    file = Path(path)
    if not file.is_file():
        raise StewardError("no_file", f"找不到文件 {path}", f"No such file {path}")

    def go(ctx, s, a):
        with file.open("rb") as fh:
            return docs.upload(s, a, docs.get_revision(s, a, number), file.name, fh, ctx.files,
                               ctx.settings.max_upload_mb << 20)
    rev = run_as(as_user, go)
    typer.echo(f"{number} 第{rev.rev}版 文件 sha256 {rev.file_sha256[:16]}… / file attached")


@doc_app.command("fire")
def doc_fire(
    as_user: AsUser, number: str,
    trigger: Annotated[str, typer.Argument(help="submit|review|approve|issue|reject|request_change|decline_change|withdraw")],
    comment: Annotated[str, typer.Option(help="意见 / comment")] = "",
    version: Annotated[Optional[int], typer.Option(help="你看到的版本号 / the version you saw")] = None,
    password_stdin: Annotated[bool, typer.Option(help="从标准输入读取签名密码 / read the password from stdin")] = False,
):
    """执行生命周期操作；需要签名时重新输入密码 / Fire a lifecycle action; signing asks for your password."""
    from workflows import document as docs
    from workflows import engine
    needs_signature = bool(docs.LIFECYCLE.transition(trigger).signature)
    password = read_password(password_stdin) if needs_signature else None

    def go(ctx, s, a):
        rev = docs.get_revision(s, a, number)
        engine.fire(s, docs.LIFECYCLE, rev, trigger, a, expected_version=version, comment=comment, password=password)
        return rev
    rev = run_as(as_user, go)
    state = docs.DocState(rev.state)
    typer.echo(f"{number} 第{rev.rev}版 → {state.zh} / {state.en}")


@doc_app.command("revise")
def doc_revise(as_user: AsUser, number: str, summary: Annotated[str, typer.Option(help="修订说明 / change summary")]):
    """基于已发布版本开始新修订版 / Start the next revision from the issued one."""
    from workflows import document as docs
    rev = run_as(as_user, lambda ctx, s, a: docs.revise(s, a, docs.get_revision(s, a, number), summary))
    typer.echo(f"{number} 第{rev.rev}版草稿已创建 / revision {rev.rev} draft created")


@doc_app.command("ack")
def doc_ack(as_user: AsUser, number: str):
    """确认已阅读（宣贯）/ Acknowledge having read the issued revision."""
    from workflows import document as docs
    run_as(as_user, lambda ctx, s, a: docs.acknowledge(s, a, docs.get_revision(s, a, number)))
    typer.echo(f"{number} 已确认阅读 / acknowledged")


@doc_app.command("show")
def doc_show(as_user: AsUser, number: str):
    """显示各版本、状态和签名有效性 / Show revisions, states and signature validity."""
    from sqlmodel import select

    from storage.models import Revision
    from workflows import document as docs

    def go(ctx, s, a):
        latest = docs.get_revision(s, a, number)
        lines = []
        for rev in s.exec(select(Revision).where(Revision.document_id == latest.document_id).order_by(Revision.rev)):
            st = docs.DocState(rev.state)
            lines.append(f"第{rev.rev}版 rev {rev.rev}: {st.zh}/{st.en} version={rev.version} "
                         f"effective={rev.effective_date or '-'} file={rev.file_name or '-'}")
            for sig, ok in docs.current_signatures(s, rev):
                lines.append(f"    {sig.meaning:<9} {sig.signer_name} {sig.signed_at:%Y-%m-%d %H:%M} "
                             f"{'有效 valid' if ok else '已失效 INVALID'}")
        return lines
    typer.echo("\n".join(run_as(as_user, go)))


@doc_app.command("render")
def doc_render(as_user: AsUser, number: str, out: Annotated[str, typer.Option(help="输出 .docx 路径 / output path")]):
    """生成受控副本 docx（受控/作废标识、签名清单）/ Write the controlled copy as docx."""
    from pathlib import Path

    from workflows import document as docs
    from workflows.rendering import controlled_copy
    data = run_as(as_user, lambda ctx, s, a: controlled_copy(s, docs.get_revision(s, a, number), ctx.files))
    Path(out).write_bytes(data)
    typer.echo(f"wrote {out} ({len(data)} bytes)")


@record_app.command("forms")
def record_forms():
    """列出记录表单及其条款 / List record forms and the clauses they evidence."""
    from forms.records import FORMS
    for f in FORMS.values():
        fields = ", ".join(f.schema.model_fields)
        typer.echo(f"{f.name:<20} {f.zh} / {f.en} [{', '.join(f.clause_ids)}] {f.retention_years}y: {fields}")


@record_app.command("add")
def record_add(
    as_user: AsUser, form: str,
    fields: Annotated[Optional[list[str]], typer.Argument(help="字段=值 … / field=value …")] = None,
    on: Annotated[Optional[str], typer.Option("--date", help="记录日期 YYYY-MM-DD / record date")] = None,
):
    """登记一条记录 / Keep a record (validated, audited)."""
    from forms.records import recorded_date
    from workflows import records
    try:
        when = recorded_date(on)
    except ValueError:
        raise StewardError("bad_date", f"日期 {on} 应为 YYYY-MM-DD", f"Date {on} must be YYYY-MM-DD",
                           field="date") from None
    row = run_as(as_user, lambda ctx, s, a: records.add(s, a, form, parse_pairs(fields or [], set()), when))
    typer.echo(f"已登记 / recorded {form} #{row.id}, 保存至 / kept until {row.retain_until}")


def main() -> None:
    """Console entry point: render our errors as one bilingual line instead of a traceback."""
    try:
        app()
    except StewardError as exc:
        typer.echo(f"错误 / Error: {exc.zh} / {exc.en}", err=True)
        for detail in exc.details[20:]:  # the message names the first twenty; list the rest too
            typer.echo(f"  {detail['zh']} / {detail['en']}", err=True)
        sys.exit(2)


__all__ = ["app", "main", "names"]
