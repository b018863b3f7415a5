"""`steward readings`: meter readings from the energy-monitoring system's export (以日保月)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Optional

import typer

from steward.cli.common import AsUser, read, run_as, save
from storage.errors import StewardError

app = typer.Typer(help="计量读数：导入在线监测系统导出的逐时/逐日读数，与月度活动数据核对 / Meter readings",
                  no_args_is_help=True)


@app.command("template")
def readings_template(out: Annotated[str, typer.Option(help="保存为 .xlsx / where to write the template")],
                      enterprise: Annotated[Optional[str], typer.Option(help="企业代码：列出其计量器具 / list its meters")]
                      = None):
    """下载计量读数导入模板 / Write the meter-readings import template."""
    from forms.readings_import import template
    meters: list = []
    if enterprise:
        from sqlmodel import select

        from storage.models import Meter
        from workflows.accounting import calculation
        meters = read("cli:template", lambda s: [(m.code, m.name, m.unit) for m in s.exec(select(Meter).where(
            Meter.enterprise_id == calculation.enterprise(s, enterprise).id).order_by(Meter.code)).all()])
    save(out, template(meters))
    typer.echo(f"wrote {out}")


@app.command("import")
def readings_import(as_user: AsUser, path: Annotated[str, typer.Argument(help=".csv 或 .xlsx")]):
    """导入计量读数（整批校验，有错则全部不导入）/ Import meter readings, all or nothing."""
    from pathlib import Path

    from forms import readings_import as form
    from workflows.accounting import readings
    file = Path(path)
    if not file.is_file():
        raise StewardError("no_file", f"找不到文件 {path}", f"No such file {path}")
    if file.stat().st_size > form.MAX_BYTES:  # refused before a byte of it is read
        raise StewardError("file_too_large", f"文件超过上限 {form.MAX_BYTES >> 20} MB，未导入",
                           f"The file exceeds the {form.MAX_BYTES >> 20} MB limit; nothing was imported", status=413)
    done = run_as(as_user, lambda c, s, a: readings.import_upload(s, a, c.files, file.name, file))
    b = done.batch
    typer.echo(f"已导入 {b.rows} 行（{len(b.meters)} 个计量器具，{b.first_day} – {b.last_day}）/ imported {b.rows} "
               f"row(s) for {len(b.meters)} meter(s)")
    for f in done.findings:
        typer.echo(f"  ! {f.zh} / {f.en}")


@app.command("reconcile")
def readings_reconcile(as_user: AsUser, month: Annotated[str, typer.Option(help="YYYY-MM")]):
    """核对某月计量读数与活动数据（差异超出准确度即记为异常）/ Reconcile a month's readings with the activity data."""
    from workflows.accounting import readings
    try:
        first = datetime.strptime(month, "%Y-%m").date()
    except ValueError:
        raise StewardError("month", f"月份应为 YYYY-MM，「{month}」不是", f"The month must be YYYY-MM, not {month!r}",
                           field="month") from None
    added = run_as(as_user, lambda c, s, a: [(x.id, x.message_zh, x.message_en)
                                             for x in readings.reconcile_as(s, a, c.files, first)])
    typer.echo(f"新发现 {len(added)} 处异常 / {len(added)} new finding(s)")
    for i, zh, en in added:
        typer.echo(f"  #{i} {zh} / {en}")
