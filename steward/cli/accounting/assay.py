"""`steward assay`: laboratory assays of fuel batches, which become the month's measured values."""

from __future__ import annotations

from typing import Annotated, Optional

import typer

from steward.cli.common import AsJson, AsUser, emit, parse_date, run_as
from storage.errors import StewardError

app = typer.Typer(help="燃料化验：批次的低位发热量、元素碳含量、灰分、水分及化验报告 / Fuel assays", no_args_is_help=True)


@app.command("add")
def assay_add(as_user: AsUser,
              material: Annotated[str, typer.Option(help="燃料（代码或名称）/ fuel, code or name")],
              sampled: Annotated[str, typer.Option(help="采样日期 YYYY-MM-DD / sampling date")],
              quantity: Annotated[float, typer.Option(help="批次数量 t / batch quantity in t")],
              ncv: Annotated[float, typer.Option(help="低位发热量 GJ/t / net calorific value")],
              carbon: Annotated[float, typer.Option(help="元素碳含量（比例 0–1）/ carbon content, a fraction")],
              lab: Annotated[str, typer.Option(help="化验单位 / laboratory")],
              report: Annotated[str, typer.Option(help="化验报告文件 / the report file")],
              ash: Annotated[Optional[float], typer.Option(help="灰分（比例）/ ash, a fraction")] = None,
              moisture: Annotated[Optional[float], typer.Option(help="全水分（比例）/ moisture, a fraction")] = None):
    """登记一批燃料的化验结果 / Record one batch's assay."""
    from pathlib import Path

    from workflows.accounting import assays
    from workflows.ets import month as ets_months
    file = Path(report)
    if not file.is_file():
        raise StewardError("no_file", f"找不到文件 {report}", f"No such file {report}", field="report")

    def go(c, s, a):
        limit = c.settings.max_upload_mb << 20
        if file.stat().st_size > limit:
            raise StewardError("file_too_large", f"文件超过上限 {limit >> 20} MB", f"The file exceeds the "
                               f"{limit >> 20} MB limit", field="report", status=413)
        kept = assays.record(s, a, c.files, material=material, sampled_on=parse_date(sampled, "sampled"),
                             quantity=quantity, ncv=ncv, carbon_content=carbon, ash=ash, moisture=moisture, lab=lab,
                             report_name=file.name, report=file.read_bytes(), max_bytes=limit)
        ets_months.attach_assays(s, a.enterprise_id, kept.period, kept.material)  # its carbon-market month's evidence
        return kept.id
    typer.echo(f"化验 #{run_as(as_user, go)} 已登记 / recorded")


@app.command("list")
def assay_list(as_user: AsUser, as_json: AsJson = False):
    """最近的化验批次与各月加权值 / The latest assays and each month's weighted values."""
    from workflows.accounting import assays

    def go(c, s, a):
        data = assays.listing(s, a, "zh")
        return [{"material": m["material"], "month": f"{m['period']:%Y-%m}", "batches": m.get("batches"),
                 "ncv": m.get("ncv"), "carbon_content": m.get("carbon_content"), "per_heat": m.get("per_heat")}
                for m in data["months"]]
    emit(run_as(as_user, go), as_json, lambda rows: [
        f"{r['month']} {r['material']}: {r['batches']} 批 batches, NCV {r['ncv']:.3f} GJ/t, C {r['carbon_content']:.4f}"
        f" → {r['per_heat']:.5f} tC/GJ" for r in rows])
