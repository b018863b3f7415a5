"""`steward objective`."""

from __future__ import annotations

from typing import Annotated, Optional

import typer

from steward.cli.common import (
    AsJson,
    AsUser,
    emit,
    parse_pairs,
    run_as,
)

app = typer.Typer(help="碳排放管理目标与指标（6.4）/ Objectives and targets", no_args_is_help=True)


@app.command("add")
def objective_add(as_user: AsUser, title: str,
                  metric: Annotated[str, typer.Option(help="total 或 intensity:<产品> / total or intensity:<product>")],
                  target_year: Annotated[int, typer.Option("--target-year")],
                  reduction: Annotated[float, typer.Option(help="较基准下降 % / reduction on the baseline, %")],
                  plan: Annotated[list[str], typer.Option(help="实施方案 a=… b=… … f=…（6.4.4）/ plan items")],
                  level: Annotated[str, typer.Option(help="enterprise|process|facility")] = "enterprise",
                  scope: Annotated[str, typer.Option(help="工序或设施代码 / process or facility code")] = "",
                  clause: Annotated[str, typer.Option(help="6.4.1a–e 或 6.4.2a–d")] = "6.4.1b",
                  parent: Annotated[Optional[str], typer.Option(help="上级目标编号 / objective it decomposes")] = None,
                  owner: Annotated[Optional[str], typer.Option(help="负责人 / owner")] = None):
    """制定目标或分解指标（须有有效基准和 6.4.4 方案）/ Set an objective or a target (baseline and plan required)."""
    from workflows.planning import objectives
    row = run_as(as_user, lambda c, s, a: objectives.add(
        s, a, title=title, level=level, scope=scope, metric=metric, target_year=target_year, reduction_pct=reduction,
        plan=parse_pairs(plan, set()), clause_id=clause, parent=parent, owner=owner))
    typer.echo(f"{row.number} 已制定 / set")


@app.command("progress")
def objective_progress(as_user: AsUser, as_json: AsJson = False):
    """各目标指标的进展（由核算结果计算）/ Progress of every objective, computed from the accounting."""
    from workflows.planning import objectives

    def go(c, s, a):
        return [(o.title, p) for o, p in objectives.progress_of(s, a.enterprise_id)]
    rows = run_as(as_user, go)
    if as_json:
        return emit([p for _, p in rows], True)
    for title, p in rows:
        span = "" if p["complete"] else f" {p['months_label']['zh']} / {p['months_label']['en']}"
        words = "／".join(p["standing_words"]) if p["standing_words"] else "—"  # achieved only once the year is over
        path = f"，目标路径 path {p['path_same']:,.4f}" if p["path_same"] is not None else ""
        typer.echo(f"{p['number']} {title}: 基准 base {p['base']:,.4f} → 目标 target {p['target']:,.4f}；"
                   f"{p['year']} 年{span} {p['current'] if p['current'] is not None else '—'}（{words}{path}）")
