"""`steward compliance`."""

from __future__ import annotations

from typing import Annotated

import typer

from steward.cli.common import (
    AsJson,
    AsUser,
    emit,
    run_as,
)
from workflows.engine import clock

app = typer.Typer(help="合规性评价（9.1）/ Compliance evaluation", no_args_is_help=True)


@app.command("start")
def compliance_start(as_user: AsUser, period: Annotated[str, typer.Option(help="评价期 / period")] = str(clock.today().year)):
    """对全部有效义务开展合规性评价 / Open an evaluation of every active obligation."""
    from workflows.engine import machine
    from workflows.improvement import compliance

    def go(c, s, a):
        machine.require_role(a, compliance.EVALUATORS, "开展合规性评价", "Starting an evaluation")
        return compliance.start(s, a.enterprise_id, period, "manual")
    evaluation, created = run_as(as_user, go)
    typer.echo(f"合规性评价 {evaluation.period} " + ("已开始 / started" if created else "已存在 / exists"))


@app.command("evaluate")
def compliance_evaluate(as_user: AsUser, period: str, code: str,
                        result: Annotated[str, typer.Argument(help="compliant|noncompliant|not_applicable")],
                        finding: Annotated[str, typer.Option(help="事实 / finding")] = "",
                        evidence: Annotated[str, typer.Option(help="证据 / evidence")] = ""):
    """评价一项义务；不符合即生成不符合项 / Judge one obligation; noncompliance raises an NC."""
    from workflows.improvement import compliance
    item = run_as(as_user, lambda c, s, a: compliance.evaluate(s, a, compliance.get(s, a, period), code, result,
                                                               finding, evidence))
    typer.echo(f"{period} {code}: {compliance.ItemResult(item.result).zh} / {compliance.ItemResult(item.result).en}")


@app.command("complete")
def compliance_complete(as_user: AsUser, period: str, summary: Annotated[str, typer.Option(help="结论 / summary")] = ""):
    """完成合规性评价（须全部评价）/ Complete the evaluation (every item judged)."""
    from workflows.improvement import compliance
    run_as(as_user, lambda c, s, a: compliance.complete(s, a, compliance.get(s, a, period), summary))
    typer.echo(f"合规性评价 {period} 已完成 / completed")


@app.command("show")
def compliance_show(as_user: AsUser, period: str, as_json: AsJson = False):
    """显示评价结果 / Show an evaluation's results."""
    from storage.models import Obligation
    from workflows.improvement import compliance

    def go(c, s, a):
        ev = compliance.get(s, a, period)
        return ev.state, [{**i.model_dump(mode="json"), "code": s.get(Obligation, i.obligation_id).code,
                           "title": s.get(Obligation, i.obligation_id).title} for i in compliance.items(s, ev)]
    state, rows = run_as(as_user, go)
    if as_json:
        return emit(rows, True)
    typer.echo(f"合规性评价 {period}: {compliance.EvaluationState(state).zh} / {compliance.EvaluationState(state).en}")
    for r in rows:
        res = compliance.ItemResult(r["result"])
        typer.echo(f"  {r['code']:<10} r{r['obligation_revision']} {res.zh}/{res.en}  {r['title']}  {r['finding']}")
