"""`steward baseline`."""

from __future__ import annotations

from typing import Annotated

import typer

from steward.cli.common import (
    AsJson,
    AsUser,
    Enterprise,
    PasswordStdin,
    Year,
    emit,
    read,
    read_password,
    run_as,
)

app = typer.Typer(help="碳排放基准（6.3）/ Carbon baselines", no_args_is_help=True)


@app.command("propose")
def baseline_propose(as_user: AsUser, year: Year,
                     trigger: Annotated[str, typer.Option(help="initial|boundary|energy_mix|products|raw_materials|"
                                                               "process|equipment|sources|other")] = "initial",
                     reason: Annotated[str, typer.Option(help="调整原因 / reason")] = ""):
    """提出基准（首次或按 6.3.2 调整），报最高管理者批准 / Propose a baseline for approval."""
    from workflows.accounting import baseline
    row = run_as(as_user, lambda c, s, a: baseline.propose(s, a, year, trigger, reason))
    e = row.figures["enterprise"]
    typer.echo(f"{row.number} 基准年 {row.base_year}：{e['total']:,.1f} tCO2，待批准 / proposed")


@app.command("approve")
def baseline_approve(as_user: AsUser, number: str, password_stdin: PasswordStdin = False):
    """最高管理者批准基准（签名）/ Top management approves (signed)."""
    from workflows.accounting import baseline
    from workflows.engine import machine
    pw = read_password(password_stdin, as_user)
    run_as(as_user, lambda c, s, a: machine.fire(s, baseline.LIFECYCLE, baseline.get(s, a, number), "approve", a,
                                                password=pw))
    typer.echo(f"{number} 已批准生效 / approved and in force")


@app.command("reject")
def baseline_reject(as_user: AsUser, number: str, comment: Annotated[str, typer.Option(help="意见 / comment")]):
    """不批准基准 / Reject a proposed baseline."""
    from workflows.accounting import baseline
    from workflows.engine import machine
    run_as(as_user, lambda c, s, a: machine.fire(s, baseline.LIFECYCLE, baseline.get(s, a, number), "reject", a,
                                                comment=comment))
    typer.echo(f"{number} 未批准 / rejected")


@app.command("compare")
def baseline_compare(enterprise: Enterprise, year: Year, as_json: AsJson = False):
    """与有效基准对比排放量和强度 / Compare a year with the active baseline."""
    from workflows.accounting import baseline, calculation
    result = read("cli:baseline", lambda s: baseline.compare(s, calculation.enterprise(s, enterprise).id, year))
    if as_json:
        return emit(result, True)
    e = result["enterprise"]
    span = "" if result["complete"] else f" {result['months_label']['zh']} / {result['months_label']['en']}"
    same = "" if result["complete"] else " 同期 / same months" + (
        "，按比例折算 / pro rata" if result["basis"] == "pro_rata" else "")
    change = f"{e['change_pct']:+.2f}%" if e["change_pct"] is not None else "—"
    typer.echo(f"{enterprise} {year}{span} 对比基准 {result['baseline']}（{result['base_year']}{same}）："
               f"{e['now']:,.1f} vs {e['base']:,.1f} tCO2 ({change})")
    for material, i in result["intensity"].items():
        if i["change_pct"] is not None:
            typer.echo(f"  强度 {material}: {i['now']:.4f} vs {i['base']:.4f} tCO2/t ({i['change_pct']:+.2f}%)")
