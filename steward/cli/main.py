"""``steward``: the command line. One module per command group (``steward/cli/<group>.py``); the commands
that stand alone live here. Every command reports bad input as one bilingual line, exit 2."""

from __future__ import annotations

import logging
import re
import sys
from typing import Annotated, Optional

import typer

from forms import clauses as clause_catalogue
from steward.cli import backup, db, schedule
from steward.cli.accounting import account, assay, baseline, data, dq, readings
from steward.cli.audit import audit
from steward.cli.common import (
    AsJson,
    AsUser,
    emit,
    load_context,
    run_as,
)
from steward.cli.documents import doc, record
from steward.cli.engine import workflows
from steward.cli.ets import ets
from steward.cli.improvement import compliance, improve, nc, obligation
from steward.cli.people import notify, org, user
from steward.cli.planning import assets, measures, objective
from steward.cli.review import review
from steward.context import Context
from steward.settings import Settings
from storage.errors import StewardError

app = typer.Typer(help="碳管家 Carbon Steward — 碳排放管理体系 / carbon-emission management system",
                  no_args_is_help=True, pretty_exceptions_enable=False, add_completion=False)
for _module in (db, org, user, workflows, doc, record, account, data, readings, assay, baseline, dq, assets, objective,
                measures, audit, nc, review, obligation, compliance, improve, notify, schedule, ets):
    app.add_typer(_module.app, name=_module.__name__.rsplit(".", 1)[1])
app.command("backup")(backup.backup_cmd)
app.command("restore")(backup.restore_cmd)


@app.command("tasks")
def tasks_cmd(as_user: AsUser, as_json: AsJson = False):
    """我的待办任务 / My open tasks."""
    from workflows.documents import document as docs
    rows = run_as(as_user, lambda c, s, a: [t.model_dump(mode="json") for t in docs.open_tasks(s, a)])
    emit(rows, as_json, lambda rows: [f"#{r['id']:<5} {r['due'] or '—':<10} {r['title_zh']} / {r['title_en']}"
                                      for r in rows] or ["没有待办任务 / No open tasks"])


@app.command("settings")
def settings_cmd(markdown: Annotated[bool, typer.Option(help="输出 README 用的 Markdown 表 / README table")] = False):
    """显示当前设置 / Show the settings in force."""
    if markdown:
        typer.echo("| Setting | Default | 说明 / Meaning |\n|---|---|---|")
        for name, info in Settings.model_fields.items():
            default = "`~/.carbon-steward`" if name == "home" else f"`{info.default}`" if info.default != "" else "—"
            typer.echo(f"| `STEWARD_{name.upper()}` | {default} | {info.description} |")
        return
    current = load_context().settings
    for name in Settings.model_fields:
        value = getattr(current, name)
        if name == "secret_key":
            value = "****"
        elif name == "smtp_url" and value:
            value = re.sub(r"://([^:@/]*):[^@/]*@", r"://\1:****@", value)
        typer.echo(f"STEWARD_{name.upper():<16} {value}")
    typer.echo(f"{'(database in use)':<25} {current.db_url}")


@app.command("clauses")
def clauses_cmd(
    as_json: Annotated[bool, typer.Option("--json", help="JSON 输出 / JSON output")] = False,
    auditable: Annotated[bool, typer.Option(help="只列出内审检查项 / Only auditable items")] = False,
):
    """列出指南条款目录 / List the guideline's clause catalogue."""
    items = clause_catalogue.auditable() if auditable else list(clause_catalogue.catalogue())
    if as_json:
        return emit([c.as_json() for c in items], True)
    for c in items:
        indent = "  " * (c.id.count(".") + (c.kind in ("item", "subitem")) + (c.kind == "subitem"))
        typer.echo(f"{indent}{c.id:<9} {c.zh} / {c.en}")


@app.command("verify")
def verify_cmd(data: Annotated[bool, typer.Option("--data", help="同时以审计日志核对业务数据并重算文件哈希 / also "
                                                              "replay the log against the tables and re-hash files")]
               = False):
    """校验审计日志哈希链与锚点 / Check the audit log's hash chain against its anchors (and the data)."""
    from storage.replay import check_all
    ctx = load_context()
    ctx.require_current_schema()
    with ctx.engine.connect() as conn:
        report, found = check_all(conn, ctx.anchors(), ctx.audit_key, ctx.files if data else None, ctx.keyed_from())
    if found:
        for f in found[:200]:
            typer.echo(f"{f.zh} / {f.en}", err=True)
        raise typer.Exit(1)
    ctx.anchor()  # an intact log is anchored again, so the next check reaches this far
    checked = "，业务数据与文件一致 / data and files match" if data else ""
    typer.echo(f"审计日志完整：{report.entries} 条{checked} / Audit chain intact: {report.entries} entries")


Host = Annotated[Optional[str], typer.Option(help="监听地址（覆盖 STEWARD_HOST）/ address to listen on")]
Port = Annotated[Optional[int], typer.Option(help="端口（覆盖 STEWARD_PORT）/ port")]
NoSchedule = Annotated[bool, typer.Option("--no-schedule", help="不在本进程发送通知和每日提醒 / leave delivery "
                                                             "and the daily round to `steward schedule serve`")]


def _serve(ctx: Context, host: str | None = None, port: int | None = None, schedule: bool = True,
           workers: int = 1) -> None:
    import signal
    import threading

    import uvicorn

    from steward.web.app import SERVER_OPTIONS, create_app, server_config
    host, port = host or ctx.settings.host, port or ctx.settings.port
    ctx.check_serving(host)
    ctx.session_secret  # noqa: B018  (made and kept now, so every worker signs sessions with the same key)
    stop = threading.Event()
    if schedule:  # one deliverer, in this process, however many workers serve pages
        threading.Thread(target=_keep_delivery, args=(ctx, stop), name="steward-schedule", daemon=True).start()
    typer.echo(f"打开 / open http://{host}:{port}/  （{workers} 个工作进程 / worker(s)；Ctrl-C 停止 / stops）")
    if threading.current_thread() is threading.main_thread():  # uvicorn re-raises SIGTERM once it has stopped:
        signal.signal(signal.SIGTERM, _stopped)  # raise it here as an exit, so the anchor below is still made
    try:
        if workers > 1:  # each worker process builds the app from the same settings (STEWARD_* and HOME)
            uvicorn.run("steward.web.app:from_env", factory=True, host=host, port=port, workers=workers,
                        **SERVER_OPTIONS)
        else:
            uvicorn.Server(server_config(create_app(ctx), host, port)).run()
    finally:
        stop.set()
        _anchor_on_stop(ctx)


def _stopped(_signum, _frame) -> None:
    raise SystemExit(0)


def _anchor_on_stop(ctx: Context) -> None:
    """The log's tip signed as the server stops (and daily while it runs): what was written until then can no
    longer be cut away unnoticed."""
    try:
        mark = ctx.anchor()
    except Exception:  # a database that is gone already: nothing new to anchor, and the stop goes on
        logging.getLogger("steward.schedule").exception("anchoring at stop failed")
        return
    typer.echo(f"审计日志已锚定至第 {mark['seq']} 条 / audit log anchored at entry {mark['seq']}")


def _keep_delivery(ctx: Context, stop) -> None:
    """Deliver notifications every minute and run the daily round at 08:00 from the web process, so a
    fresh install sends without a second command (plain functions: no Prefect start in the server)."""
    from flows import cycles, delivery
    from flows.schedules import serve_embedded
    st = ctx.settings
    work = {"outbox-dispatch": lambda: delivery.dispatch(ctx.engine, st.smtp_url, allow=st.webhook_allow_list),
            "daily-tasks": lambda: (cycles.daily_round(ctx.engine, cycles.local_today(st.timezone),
                                                    retention_days=st.outbox_retention_days), ctx.anchor())}
    try:
        work["outbox-dispatch"]()  # whatever waited while the server was down goes now
    except Exception:
        logging.getLogger("steward.schedule").exception("delivery at start failed")
    serve_embedded(lambda s: work[s.name](), st.timezone, only=set(work), sleep=stop.wait, stopped=stop.is_set)


@app.command("demo")
def demo_cmd(
    serve: Annotated[bool, typer.Option("--serve/--no-serve", help="播种后启动 Web 服务 / Serve after seeding")] = True,
    host: Host = None, port: Port = None,
):
    """创建演示企业（晋岩水泥）并启动 / Seed the demo enterprise and serve it."""
    from steward import demo
    ctx = load_context()
    ctx.upgrade()
    with ctx.unit_of_work("demo-seed") as session:
        report = demo.seed(session, ctx.files)
    if report.created:
        typer.echo("已创建演示数据：晋岩建材集团 / Seeded demo group Jinyan (JYGRP, JYCEM, JYXNC)")
    else:
        typer.echo("演示数据已存在，未重复创建 / Demo data already present; nothing added")
    typer.echo(f"数据库 / database: {ctx.engine.url.render_as_string()}")
    typer.echo(f"演示账号密码 / demo password for every user (e.g. lixf, wangjg): {demo.DEMO_PASSWORD}")
    if serve:
        _serve(ctx, host, port)


@app.command("serve")
def serve_cmd(host: Host = None, port: Port = None, no_schedule: NoSchedule = False,
              workers: Annotated[int, typer.Option(min=1, max=64, help="工作进程数（每核一个为宜）/ worker processes "
                                                                      "(about one per core)")] = 1):
    """启动 Web 服务，并在本进程发送通知与每日提醒 / Serve the web application (and deliver notifications)."""
    ctx = load_context()
    ctx.require_current_schema()
    _serve(ctx, host, port, not no_schedule, workers)


def describe(exc: StewardError) -> list[str]:
    """Our error as the lines a person reads: one bilingual line, then any details past the first twenty."""
    return [f"错误 / Error: {exc.zh} / {exc.en}",
            *(f"  {detail['zh']} / {detail['en']}" for detail in exc.details[20:])]


def main() -> None:
    """Console entry point: render our errors as one bilingual line instead of a traceback."""
    try:
        app()
    except StewardError as exc:
        for line in describe(exc):
            typer.echo(line, err=True)
        sys.exit(2)
