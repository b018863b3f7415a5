"""`steward ets`."""

from __future__ import annotations

from typing import Annotated

import typer

from steward.cli.common import AsJson, Enterprise, emit, read
from steward.cli.ets import verification

app = typer.Typer(help="全国碳市场月度报送 / The national carbon market's monthly uploads", no_args_is_help=True)
LACKS = {"value": "数值 / value", "evidence": "证据 / evidence"}
Month = Annotated[str, typer.Option("--month", help="月份 YYYY-MM / month")]
app.command("verification")(verification.verification_cmd)


@app.command("month")
def month_cmd(enterprise: Enterprise, month: Month, as_json: AsJson = False):
    """一个月的报送包：各项数值及来源、证据文件、状态、截止日期 / One month's package: values and where each came from,
    evidence files, status, deadline."""
    from workflows.accounting.calculation import enterprise as find_enterprise
    from workflows.ets import month as months
    when = months.parse_month(month)
    data = read("cli:ets-month", lambda s: months.as_json(months.package(s, find_enterprise(s, enterprise).id, when)))

    def lines(d: dict):
        yield (f"{d['enterprise']} {d['month']}  {d['status_zh']} / {d['status_en']}{'  逾期 / late' if d['late'] else ''}"
               f"  截止 / due {d['deadline']} ({d['days_left']:+d})")
        if d["submitted"]:
            yield f"报送 / submitted: {d['submitted']['by']} {d['submitted']['at']}  回执 / receipt {d['submitted']['receipt']}"
        for item in d["items"]:
            value = "—" if item["value"] is None else f"{item['value']:,.6g} {item['unit']}"
            files = ", ".join(f"{e['file']} ({e['sha256'][:12]})" for e in item["evidence"]) or "—"
            lack = f"  缺 / lacks: {', '.join(LACKS[x] for x in item['lacks'])}" if item["lacks"] else ""
            yield f"  {item['name_zh']} / {item['name_en']}: {value}  [{item['source_en']}]  {files}{lack}"
    emit(data, as_json, lines)
