"""`steward measures`."""

from __future__ import annotations

from typing import Annotated, Optional

import typer

from steward.cli.common import (
    AsUser,
    Enterprise,
    read,
    run_as,
    save,
)

app = typer.Typer(help="减排措施与边际减排成本（8.4）/ Reduction measures and MAC", no_args_is_help=True)


@app.command("add")
def measures_add(as_user: AsUser, title: str, abatement: Annotated[float, typer.Option(help="年减排量 tCO2e/yr")],
                 verification: Annotated[str, typer.Option(help="减排量验证方法 / how it will be verified")],
                 capex: Annotated[float, typer.Option(help="投资 元 / investment CNY")] = 0.0,
                 opex: Annotated[float, typer.Option(help="年运行费用（节约为负）/ yearly cost, negative saves")] = 0.0,
                 lifetime: Annotated[int, typer.Option(help="寿命（年）/ years")] = 10,
                 scope: Annotated[str, typer.Option(help="工序或设施代码 / process or facility")] = ""):
    """识别一项减排措施（须有验证方法）/ Identify a measure (a verification method is required)."""
    from workflows.planning import reduction
    row = run_as(as_user, lambda c, s, a: reduction.add(s, a, title=title, abatement_t=abatement,
                                                        verification=verification, capex=capex, opex=opex,
                                                        lifetime_years=lifetime, scope=scope))
    typer.echo(f"{row.number} 已登记 / registered")


@app.command("advance")
def measures_advance(as_user: AsUser, number: str, stage: Annotated[str, typer.Argument(help="planned|implemented|verified")],
                     achieved: Annotated[Optional[float], typer.Option(help="实际减排量 t / achieved t")] = None,
                     evidence: Annotated[str, typer.Option(help="验证证据 / evidence")] = ""):
    """推进措施：计划 → 实施 → 验证 / Move a measure on: planned, implemented, verified."""
    from workflows.planning import reduction
    run_as(as_user, lambda c, s, a: reduction.advance(s, a, number, stage, achieved, evidence))
    typer.echo(f"{number} → {stage}")


@app.command("mac")
def measures_mac(enterprise: Enterprise, out: Annotated[Optional[str], typer.Option(help="曲线图 .png / chart")] = None,
                 rate: Annotated[float, typer.Option(help="折现率 / discount rate")] = 0.08):
    """边际减排成本曲线：按每吨成本排序 / The marginal abatement cost curve, cheapest first."""

    from workflows.accounting import calculation
    from workflows.engine import charts
    from workflows.planning import reduction
    rows = read("cli:mac", lambda s: reduction.mac_curve(s, calculation.enterprise(s, enterprise).id, rate))
    for r in rows:
        typer.echo(f"{r['cost_per_t']:>10,.1f} 元/t  {r['abatement_t']:>10,.0f} t/yr  {r['name']}")
    if out:
        save(out, charts.mac_curve(rows, f"{enterprise} 边际减排成本曲线 MAC curve"))
        typer.echo(f"wrote {out}")
