"""`steward data`."""

from __future__ import annotations

from typing import Annotated

import typer

from steward.cli.common import (
    AsUser,
    OwnEnterprise,
    own,
    run_as,
)

app = typer.Typer(help="数据质量：异常数据识别与处理（6.1.3 b）/ Data anomalies", no_args_is_help=True)


@app.command("scan")
def data_scan(as_user: AsUser, enterprise: OwnEnterprise = None):
    """检查活动数据：缺失或不全的月份、与往年同月相比的异常、单位录错、过期的实测值 / Check the data: missing or
    incomplete months, months unlike the same month of earlier years, unit slips, lapsed measured values."""
    from workflows.accounting import anomalies

    def go(c, s, a):
        own(s, a, enterprise)
        return [(x.id, x.message_zh, x.message_en) for x in anomalies.scan_as(s, a)]
    rows = run_as(as_user, go)
    typer.echo(f"新发现 {len(rows)} 处异常 / {len(rows)} new finding(s)")
    for i, zh, en in rows:
        typer.echo(f"  #{i} {zh} / {en}")


@app.command("list")
def data_list(as_user: AsUser, status: Annotated[str, typer.Option(help="open|confirmed|dismissed|all")] = "open"):
    """列出异常数据 / List data anomalies."""
    from sqlmodel import select

    from storage.models import DataAnomaly

    def go(c, s, a):
        query = select(DataAnomaly).where(DataAnomaly.enterprise_id == a.enterprise_id)
        if status != "all":
            query = query.where(DataAnomaly.state == status)
        return [(d.id, d.state, d.message_zh, d.message_en, d.note) for d in s.exec(query.order_by(DataAnomaly.period))]
    for i, st, zh, en, note in run_as(as_user, go):
        typer.echo(f"#{i:<5} {st:<10} {zh}" + (f"  ← {note}" if note else ""))
        typer.echo(f"{'':17}{en}")


@app.command("resolve")
def data_resolve(as_user: AsUser, anomaly_id: int,
                 status: Annotated[str, typer.Argument(help="confirmed|dismissed")],
                 note: Annotated[str, typer.Option(help="原因或处理措施 / why, or what was done")]):
    """确认或排除一处异常（留存记录）/ Confirm or dismiss an anomaly, on record."""
    from workflows.accounting import anomalies
    run_as(as_user, lambda c, s, a: anomalies.resolve(s, a, anomaly_id, status, note))
    typer.echo(f"#{anomaly_id} → {status}")
