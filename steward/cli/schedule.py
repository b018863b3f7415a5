"""`steward schedule`."""

from __future__ import annotations

import json
from typing import Annotated, Optional

import typer

from steward.cli.common import load_context, read

app = typer.Typer(help="定时流程（Prefect）/ Scheduled flows", no_args_is_help=True)


def _call(s, context, year=None, enterprise=None):
    """Run one scheduled flow in this process, with the settings already loaded (never as parameters)."""
    from flows import wiring
    from flows.schedules import parameters
    from steward import scheduled
    wiring.provide(lambda: scheduled.of(context.settings, fan_out=False))
    return s.flow(**parameters(s, context.settings.timezone, enterprise, year))


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
    from flows.schedules import named
    schedule = named(name)
    context = load_context()
    context.upgrade()
    typer.echo(json.dumps(_call(schedule, context, year, enterprise), ensure_ascii=False))


@app.command("serve")
def schedule_serve():
    """按计划运行全部流程：有 Prefect 服务器时由其调度，否则本进程调度 / Keep every flow on its schedule."""
    import os

    from flows import wiring
    from flows.schedules import deployments, serve_embedded
    from steward import scheduled
    context = load_context()
    context.upgrade()
    st = context.settings
    typer.echo(f"按 {st.timezone} 时区运行定时流程，Ctrl-C 停止 / Serving schedules in {st.timezone}; Ctrl-C stops")
    if os.environ.get("PREFECT_API_URL"):
        from prefect import serve
        wiring.provide(lambda: scheduled.of(st, fan_out=False))  # served here: no batch deployments
        serve(*deployments(st.timezone))
    else:
        serve_embedded(lambda s: _call(s, context), st.timezone)


@app.command("deploy")
def schedule_deploy(pool: Annotated[str, typer.Option(help="Prefect 工作池 / work pool")],
                    prune: Annotated[bool, typer.Option(help="删除本系统不再有的部署（如旧的按企业部署）/ remove our "
                                                             "deployments that are no longer in the set")] = False):
    """部署全部流程到 Prefect 服务器的工作池（整个安装一套）/ Deploy the installation's one set of flows to a work pool.

    工作进程需安装 carbon-steward 并在其环境中设置 STEWARD_DATABASE_URL 等；部署参数只有年度、企业、时区。
    Workers need the installed package and STEWARD_DATABASE_URL (etc.) in their own environment; deployments
    carry only year, enterprise and time zone."""
    from steward import prefect_admin
    st = load_context().settings
    for line in prefect_admin.deploy(pool, st.timezone, prune):
        typer.echo(line)


@app.command("trigger")
def schedule_trigger(name: Annotated[str, typer.Argument(help="流程名 / flow name (see schedule list)")],
                     year: Annotated[Optional[int], typer.Option(help="年度 / year")] = None,
                     enterprise: Annotated[Optional[list[str]], typer.Option(
                         "--enterprise", "-e", help="只重跑这些企业（可重复）/ only these enterprises (repeatable)")] = None):
    """在 Prefect 服务器上立即运行一个已部署的流程（可只重跑几家企业）/ Start a run of a deployed flow now."""
    from steward import prefect_admin
    from workflows.accounting import calculation
    for code in enterprise or []:  # an unknown code is refused here, not in a worker
        read("cli:schedule", lambda s, code=code: calculation.enterprise(s, code))
    typer.echo(prefect_admin.trigger(name, load_context().settings.timezone, year, enterprise or None))
