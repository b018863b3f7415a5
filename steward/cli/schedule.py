"""`steward schedule`."""

from __future__ import annotations

import json
from typing import Annotated, Optional

import typer

from steward.cli.common import (
    load_context,
)
from storage.errors import StewardError

app = typer.Typer(help="定时流程（Prefect）/ Scheduled flows", no_args_is_help=True)


def _call(s, context, year=None, enterprise=None):
    """Run one scheduled flow in-process with the parameters its schedule gives it."""
    from flows.schedules import parameters
    st = context.settings
    params = parameters(s, st.db_url, st.smtp_url, st.timezone, enterprise, st.webhook_allow_list)
    if s.yearly and year:
        params["year"] = year
    return s.flow(**params)



@app.command("list")
def schedule_list():
    """列出定时流程及下次运行时间 / The schedules and their next runs."""
    from flows.schedules import SCHEDULES
    tz = load_context().settings.timezone
    for s in SCHEDULES:
        nxt = s.next_runs(tz)[0]
        typer.echo(f"{s.name:<22} {s.cron:<12} next {nxt:%Y-%m-%d %H:%M %Z}  {s.zh} / {s.en}")


@app.command("run")
def schedule_run(name: Annotated[str, typer.Argument(help="流程名 / flow name (see schedule list)")],
                 year: Annotated[Optional[int], typer.Option(help="年度 / year")] = None,
                 enterprise: Annotated[Optional[str], typer.Option("--enterprise", "-e")] = None):
    """立即运行一个流程（Prefect 进程内）/ Run one flow now, in-process under Prefect."""
    from flows.schedules import BY_NAME
    if name not in BY_NAME:
        raise StewardError("unknown_flow", f"没有流程 {name}，可选：{', '.join(BY_NAME)}",
                           f"No flow {name}; choose {', '.join(BY_NAME)}")
    context = load_context()
    context.upgrade()
    typer.echo(json.dumps(_call(BY_NAME[name], context, year, enterprise), ensure_ascii=False))


@app.command("serve")
def schedule_serve(enterprise: Annotated[Optional[str], typer.Option("--enterprise", "-e")] = None):
    """按计划运行全部流程：有 Prefect 服务器时由其调度，否则本进程调度 / Keep every flow on its schedule."""
    import os

    from flows.schedules import deployments, serve_embedded
    context = load_context()
    context.upgrade()
    st = context.settings
    typer.echo(f"按 {st.timezone} 时区运行定时流程，Ctrl-C 停止 / Serving schedules in {st.timezone}; Ctrl-C stops")
    if os.environ.get("PREFECT_API_URL"):
        from prefect import serve
        serve(*deployments(st.db_url, st.smtp_url, st.timezone, enterprise, st.webhook_allow_list))
    else:
        serve_embedded(lambda s: _call(s, context, enterprise=enterprise), st.timezone)


@app.command("deploy")
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
    st = load_context().settings
    root = Path(__file__).resolve().parents[2]  # the checkout: steward/cli/schedule.py → repo root
    for s in SCHEDULES:
        entry = f"flows/cycles.py:{s.flow.fn.__name__}"
        s.flow.from_source(source=str(root), entrypoint=entry).deploy(
            name=f"{s.name}-{enterprise or 'all'}", work_pool_name=pool, schedules=[Cron(s.cron, timezone=st.timezone)],
            parameters=parameters(s, st.db_url, st.smtp_url, st.timezone, enterprise, st.webhook_allow_list),
            build=False, push=False)
        typer.echo(f"deployed {s.name} → pool {pool}")
