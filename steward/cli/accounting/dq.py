"""`steward dq`."""

from __future__ import annotations

import typer

from steward.cli.common import (
    AsJson,
    AsUser,
    Enterprise,
    Year,
    emit,
    read,
    run_as,
)

app = typer.Typer(help="数据质量控制计划（8.1）/ Data-quality control plan", no_args_is_help=True)


@app.command("plan")
def dq_plan_cmd(as_user: AsUser, year: Year):
    """由系统数据生成数据质量控制计划（受控文件草稿）/ Generate the plan as a controlled-document draft."""
    from workflows.accounting import dq_plan
    rev = run_as(as_user, lambda c, s, a: dq_plan.generate(s, a, year, c.files, c.settings.max_upload_mb << 20))
    typer.echo(f"数据质量控制计划第{rev.rev}版草稿已生成，请提交审批（steward doc fire … submit）/ "
               f"plan revision {rev.rev} drafted; submit it for review")


@app.command("check")
def dq_check(enterprise: Enterprise, year: Year, as_json: AsJson = False):
    """对照计划检查实际情况（8.1.3 a–g）/ Check reality against the plan (8.1.3 a–g)."""
    from workflows.accounting import calculation, dq_plan
    items = read("cli:dq-check", lambda s: dq_plan.check(s, calculation.enterprise(s, enterprise).id, year))
    if as_json:
        return emit(items, True)
    for i in items:
        typer.echo(f"{'✓' if i['ok'] else '✗'} {i['clause']} {i['zh']} / {i['en']}"
                   + (f": {', '.join(i['details'][:8])}" if i["details"] else ""))
