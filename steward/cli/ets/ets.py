"""`steward ets`."""

from __future__ import annotations

from typing import Annotated

import typer

from steward.cli.common import AsJson, AsUser, Enterprise, Year, emit, read, run_as, save
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
        for c in d["changed_since_submission"]:
            now = "—" if c["now"] is None else f"{c['now']:,.6g}"
            yield (f"! 报送后数据已变更 / changed since submission: {c['zh']} / {c['en']}: 报送 / submitted "
                   f"{'—' if c['submitted'] is None else format(c['submitted'], ',.6g')} {c['unit']}, "
                   f"现为 / now {now} {c['unit']} — 如需更正请提出更正 / start a correction to change it")
    emit(data, as_json, lines)


@app.command("report")
def report_cmd(as_user: AsUser, year: Year,
               out: Annotated[str, typer.Option("--out", help="报告文件 .xlsx 或 .docx / the report file")],
               summary: Annotated[str, typer.Option(help="已发布报告的变更内容 / what changed, for an issued report")] = "",
               regenerate: Annotated[bool, typer.Option("--regenerate", help="按最新核算重新生成 / generate again")] = False):
    """年度排放报告：由冻结的核算结果生成（受控文件草稿）并导出 Excel 或 Word / The annual emission report: generated
    from the frozen run into its controlled document's draft, written as Excel or Word."""
    from storage.errors import StewardError
    from workflows.ets import annual
    kind = out.rsplit(".", 1)[-1].lower() if "." in out else ""
    if kind not in ("xlsx", "docx"):
        raise StewardError("out", f"输出文件须以 .xlsx 或 .docx 结尾：{out}", f"The output file must end in .xlsx or .docx: {out}",
                           field="out")

    from pathlib import Path
    if not Path(out).parent.is_dir():  # before anything is generated: nothing half-done
        raise StewardError("no_folder", f"文件夹 {Path(out).parent} 不存在", f"The folder {Path(out).parent} does not exist",
                           field="out")

    def work(c, s, a):
        made = annual.find(s, a.enterprise_id, year)
        if made is None or regenerate:
            made = annual.generate(s, a, year, c.files, c.settings.max_upload_mb << 20, summary)
        data = annual.workbook(s, a, year)[1] if kind == "xlsx" else annual.word(s, a, year, c.files)[1]
        return annual.summary_of(s, made), data
    shown, data = run_as(as_user, work)
    save(out, data)
    typer.echo(f"{year} 年度排放报告 {shown['number']} 第{shown['rev']}版（{shown['state_zh']}）应履约排放量 "
               f"{shown['tco2e']:,.3f} tCO2e → {out} / {year} annual report {shown['number']} rev {shown['rev']} "
               f"({shown['state_en']}): covered {shown['tco2e']:,.3f} tCO2e")
