"""``steward tasks|notify|schedule``: people's tasks, their notification channels, and the Prefect schedules."""

from __future__ import annotations

import json
from datetime import datetime, timezone
from typing import Annotated, Optional

import typer

from steward.cli_common import AsJson, AsUser, ctx, run_as
from storage.errors import StewardError

notify_app = typer.Typer(help="通知渠道与发送队列 / Notification channels and the outbox", no_args_is_help=True)
schedule_app = typer.Typer(help="定时流程（Prefect）/ Scheduled flows", no_args_is_help=True)
APPS = {"notify": notify_app, "schedule": schedule_app}


def tasks_cmd(as_user: AsUser, as_json: AsJson = False):
    """我的待办任务 / My open tasks."""
    from workflows import document as docs
    rows = run_as(as_user, lambda c, s, a: [t.model_dump(mode="json") for t in docs.open_tasks(s, a)])
    if as_json:
        typer.echo(json.dumps(rows, ensure_ascii=False, indent=1))
        return
    for r in rows:
        typer.echo(f"#{r['id']:<5} {r['due'] or '—':<10} {r['title_zh']} / {r['title_en']}")
    if not rows:
        typer.echo("没有待办任务 / No open tasks")


@notify_app.command("channel")
def notify_channel(as_user: AsUser,
                   kind: Annotated[str, typer.Argument(help="email|dingtalk|wecom|feishu|webhook")],
                   target: Annotated[str, typer.Argument(help="邮箱或机器人地址 / address or robot URL")],
                   person: Annotated[Optional[str], typer.Option(help="为谁设置（默认自己）/ for whom")] = None):
    """设置通知渠道 / Add a notification channel (yours, or anyone's as carbon manager)."""
    from workflows import notifications
    row = run_as(as_user, lambda c, s, a: notifications.add_channel(s, a, person or as_user, kind, target))
    typer.echo(f"通知渠道 #{row.id} {kind} 已添加 / channel added")


@notify_app.command("outbox")
def notify_outbox(as_user: AsUser, status: Annotated[Optional[str], typer.Option(
        help="pending|sent|failed|no_channel")] = None, as_json: AsJson = False):
    """查看发送队列 / Show the outbox of your enterprise."""
    from sqlmodel import select

    from storage.models import Outbox
    from workflows import engine

    def go(c, s, a):
        engine.require_role(a, ("carbon_manager", "top_management"), "查看发送队列", "Viewing the outbox")
        query = select(Outbox).where(Outbox.enterprise_id == a.enterprise_id)
        if status:
            query = query.where(Outbox.status == status)
        return [o.model_dump(mode="json") for o in s.exec(query.order_by(Outbox.id))]
    rows = run_as(as_user, go)
    if as_json:
        typer.echo(json.dumps(rows, ensure_ascii=False, indent=1))
        return
    for r in rows:
        typer.echo(f"#{r['id']:<5} {r['status']:<10} {r['kind']:<10} tries={r['attempts']} {r['subject']}"
                   + (f"  ← {r['last_error']}" if r["last_error"] else ""))


@notify_app.command("retry")
def notify_retry(as_user: AsUser):
    """把失败或无渠道的通知重新排队 / Requeue failed and unroutable messages."""
    from workflows import notifications
    n = run_as(as_user, lambda c, s, a: notifications.retry_failed(s, a, datetime.now(timezone.utc)))
    typer.echo(f"已重新排队 {n} 条 / {n} message(s) requeued")


@notify_app.command("dispatch")
def notify_dispatch():
    """立即发送到期通知（不经 Prefect）/ Deliver due messages now, without Prefect."""
    from flows import delivery
    context = ctx()
    context.require_current_schema()
    counts = delivery.dispatch(context.engine, context.settings.smtp_url)
    typer.echo(" ".join(f"{k}={v}" for k, v in counts.items()))


@schedule_app.command("list")
def schedule_list():
    """列出定时流程及下次运行时间 / The schedules and their next runs."""
    from flows.schedules import SCHEDULES
    tz = ctx().settings.timezone
    for s in SCHEDULES:
        nxt = s.next_runs(tz)[0]
        typer.echo(f"{s.name:<22} {s.cron:<12} next {nxt:%Y-%m-%d %H:%M %Z}  {s.zh} / {s.en}")


def _call(s, context, year=None, enterprise=None):
    """Run one scheduled flow in-process with the parameters its schedule gives it."""
    from flows.schedules import parameters
    st = context.settings
    params = parameters(s, st.db_url, st.smtp_url, st.timezone, enterprise)
    if s.yearly and year:
        params["year"] = year
    return s.flow(**params)


@schedule_app.command("run")
def schedule_run(name: Annotated[str, typer.Argument(help="流程名 / flow name (see schedule list)")],
                 year: Annotated[Optional[int], typer.Option(help="年度 / year")] = None,
                 enterprise: Annotated[Optional[str], typer.Option("--enterprise", "-e")] = None):
    """立即运行一个流程（Prefect 进程内）/ Run one flow now, in-process under Prefect."""
    from flows.schedules import BY_NAME
    if name not in BY_NAME:
        raise StewardError("unknown_flow", f"没有流程 {name}，可选：{', '.join(BY_NAME)}",
                           f"No flow {name}; choose {', '.join(BY_NAME)}")
    context = ctx()
    context.upgrade()
    typer.echo(json.dumps(_call(BY_NAME[name], context, year, enterprise), ensure_ascii=False))


@schedule_app.command("serve")
def schedule_serve(enterprise: Annotated[Optional[str], typer.Option("--enterprise", "-e")] = None):
    """按计划运行全部流程：有 Prefect 服务器时由其调度，否则本进程调度 / Keep every flow on its schedule."""
    import os

    from flows.schedules import deployments, serve_embedded
    context = ctx()
    context.upgrade()
    st = context.settings
    typer.echo(f"按 {st.timezone} 时区运行定时流程，Ctrl-C 停止 / Serving schedules in {st.timezone}; Ctrl-C stops")
    if os.environ.get("PREFECT_API_URL"):
        from prefect import serve
        serve(*deployments(st.db_url, st.smtp_url, st.timezone, enterprise))
    else:
        serve_embedded(lambda s: _call(s, context, enterprise=enterprise), st.timezone)


@schedule_app.command("deploy")
def schedule_deploy(pool: Annotated[str, typer.Option(help="Prefect 工作池 / work pool")],
                    enterprise: Annotated[Optional[str], typer.Option("--enterprise", "-e")] = None):
    """部署到 Prefect 服务器与工作池（多企业）/ Deploy to a Prefect server and work pool."""
    import os
    from pathlib import Path

    from flows.schedules import SCHEDULES, parameters
    if not os.environ.get("PREFECT_API_URL"):
        raise StewardError("no_prefect_server", "请先设置 PREFECT_API_URL 指向 Prefect 服务器",
                           "Set PREFECT_API_URL to your Prefect server first")
    from prefect.schedules import Cron
    st = ctx().settings
    root = Path(__file__).resolve().parents[1]
    for s in SCHEDULES:
        entry = f"flows/cycles.py:{s.flow.fn.__name__}"
        s.flow.from_source(source=str(root), entrypoint=entry).deploy(
            name=f"{s.name}-{enterprise or 'all'}", work_pool_name=pool, schedules=[Cron(s.cron, timezone=st.timezone)],
            parameters=parameters(s, st.db_url, st.smtp_url, st.timezone, enterprise), build=False, push=False)
        typer.echo(f"deployed {s.name} → pool {pool}")
