"""`steward account`."""

from __future__ import annotations

from typing import Annotated, Optional

import typer

from accounting import confidence
from steward.cli.common import (
    AsJson,
    AsUser,
    Enterprise,
    Grid,
    OwnEnterprise,
    Year,
    emit,
    own,
    read,
    run_as,
    save,
)
from storage.errors import StewardError

app = typer.Typer(help="碳排放核算（6.1）/ Carbon accounting", no_args_is_help=True)


@app.command("run")
def account_run(as_user: AsUser, year: Year, enterprise: OwnEnterprise = None, grid: Grid = "national",
                as_json: AsJson = False):
    """核算一个年度并保存结果（按设施、工序、企业汇总）/ Account a year and freeze the result."""
    from workflows.accounting import runs
    if grid not in ("national", "ets", "regional", "residual"):
        raise StewardError("grid", "电网因子须为 national、ets、regional 或 residual",
                           "Grid must be national, ets, regional or residual", field="grid")

    def go(c, s, a):
        own(s, a, enterprise)
        return runs.run_as(s, a, year, grid)
    run = run_as(as_user, go)
    enterprise = enterprise or run_as(as_user, lambda c, s, a: own(s, a, None))
    totals = run.totals
    if as_json:
        return emit({"enterprise": enterprise, "year": year, "run": run.id, "grid": grid,
                               "library_version": run.library_version, **totals}, True)
    e = totals["enterprise"]
    typer.echo(f"{enterprise} {year} 核算 #{run.id}（因子库 {run.library_version}，电网因子 {grid}）")
    typer.echo(f"  直接排放 direct        {e['direct']:>14,.1f} tCO2")
    typer.echo(f"  外购电热 indirect      {e['indirect']:>14,.1f} tCO2")
    typer.echo(f"  输出 exported          {e['exported']:>14,.1f} tCO2")
    typer.echo(f"  合计 total             {e['total']:>14,.1f} tCO2")
    for material, i in totals["intensity"].items():
        typer.echo(f"  强度 {material:<22} {i['total_per_unit']:.4f} tCO2/{i['unit']}（直接 {i['direct_per_unit']:.4f}）")
    if "previous_year" in totals:
        p = totals["previous_year"]
        months = p.get("months") or list(range(1, 13))
        from accounting import like_for_like as lfl
        same = "" if lfl.complete(months) else f"同期（{lfl.label(months, 'zh')}）"
        same_en = "" if lfl.complete(months) else f", same months ({lfl.label(months, 'en')})"
        change = f"{p['change']:+.2f}%" if p.get("change") is not None else "—"
        typer.echo(f"  较 {p['year']} 年{same} vs previous year{same_en}: {change}")
    for code, t in totals["processes"].items():
        typer.echo(f"    工序 {code:<14} {t['total']:>12,.1f}")
    _stated(totals)


def _stated(totals: dict) -> None:
    """What the run states besides its figures, as the accounting page does: the ETS rule and the figure it names, the
    GWP set and the factor document with why, and the notes a reader must know (defaults used, months without fuel)."""
    from accounting import ets_scope
    from accounting.factors import DOCUMENTS
    from workflows.accounting import calculation, views
    ets = totals.get("ets")
    if ets:
        typer.echo(f"  碳市场清缴口径 ETS basis: {ets['zh']} / {ets['en']}")
        if ets.get("covered"):
            typer.echo(f"    {ets_scope.due(totals, ets['figure']):,.1f} tCO2e；来源 source: "
                       f"{confidence.with_grade(ets['source'], ets['confidence'], 'both')}"
                       f"；自数据年度 from data year {ets.get('first_year')}")
        else:
            typer.echo(f"    来源 source: {confidence.with_grade(ets['source'], ets['confidence'], 'both')}")
    gwp = totals.get("gwp") or {}
    if gwp:
        zh, en = calculation.GWP_SETS.get(gwp.get("set", ""), (gwp.get("set", ""), gwp.get("set", "")))
        mine = gwp.get("basis") == "enterprise"
        typer.echo(f"  GWP 取值 GWP set: {zh} / {en}（{'企业选定 chosen by the enterprise: ' + gwp.get('reason', '') if mine else '缺省 default'}）")
    document = totals.get("document") or {}
    if document:
        zh, en = DOCUMENTS.get(document.get("document", ""), (document.get("document", ""),) * 2)
        mine = document.get("basis") == "enterprise"
        typer.echo(f"  缺省因子依据 Factor document: {zh} / {en}"
                   f"（{'企业选定 chosen by the enterprise: ' + document.get('reason', '') if mine else '缺省 default'}）")
    notes = totals.get("notes") or []
    if notes:
        typer.echo("  本次核算须知 Notes:")
        for note in notes:
            typer.echo(f"    - {confidence.cited(views.note_text(note, 'zh'), 'zh')}")
            typer.echo(f"      {confidence.cited(views.note_text(note, 'en'), 'en')}")


@app.command("explain")
def account_explain(enterprise: Enterprise, year: Year,
                    facility: Annotated[Optional[str], typer.Option(help="设施代码 / facility code")] = None,
                    material: Annotated[Optional[str], typer.Option(help="物料 / material")] = None,
                    month: Annotated[Optional[str], typer.Option(help="YYYY-MM")] = None,
                    as_json: AsJson = False):
    """追溯一个数字：活动数据行、因子及来源、公式 / Trace a figure to its rows, factors and formula."""
    from sqlmodel import select

    from storage.models import AccountingRun
    from workflows.accounting import calculation

    def go(s):
        ent = calculation.enterprise(s, enterprise)
        run = s.exec(select(AccountingRun).where(AccountingRun.enterprise_id == ent.id, AccountingRun.year == year)
                     .order_by(AccountingRun.id.desc())).first()
        if run is None:
            raise StewardError("no_run", f"{enterprise} {year} 年尚未核算，请先运行 steward account run",
                               f"{enterprise} {year} has not been accounted yet; run steward account run first")
        return run.id, calculation.explain(run.lines, facility, material, month)
    run_id, lines = read("cli:explain", go)
    if as_json:
        return emit(lines, True)
    total = sum(line["tco2"] for line in lines if line["kind"] != "allocated")
    typer.echo(f"核算 #{run_id}：{len(lines)} 行，合计 {total:,.3f} tCO2 / run #{run_id}: {len(lines)} line(s)")
    for line in lines:
        typer.echo(f"- {line['period'][:7]} {line['facility'] or '(enterprise)'} {line['category']}/{line['material']} "
                   f"[{line['ref']}, {line['source']}]")
        typer.echo(f"    {line['formula']}")
        for f in line["factors"]:
            typer.echo(f"    {f['parameter']} = {f['value']:g} {f['unit']} ← {confidence.cited(f['source'], 'both')}"
                       + ("（早于首次发布年份，采用最早发布值 before the first published year: the earliest used）"
                          if f.get("earliest") else "（沿用最近发布值 latest published, used as fallback）"
                          if f.get("fallback") else ""))


@app.command("factors")
def account_factors(parameter: Annotated[Optional[str], typer.Option(help="ncv|carbon_content|oxidation|grid_ef|…")] = None):
    """列出因子库及来源 / The default factor library with sources and validity."""
    from accounting.factors import default_library
    for f in default_library().factors:
        if parameter and f.parameter != parameter:
            continue
        valid = f"{f.valid_from or ''}–{f.valid_to or ''}"
        names = " / ".join(n for n in dict.fromkeys((f.name_zh, f.name_en)) if n)
        typer.echo(f"{f.parameter:<18} {f.material:<20} {f.value:>10g} {f.unit:<13} {valid:<23} {f.source('both')}  {names}")


@app.command("parameters")
def account_parameters(lang: Annotated[str, typer.Option(help="zh|en")] = "zh"):
    """可登记的实测参数、单位和合理范围 / The measured parameters the calculators read, with unit and plausible range."""
    from accounting import parameters
    from accounting.factors import default_library
    for name, label, unit, band, applies, units in parameters.table(default_library(), lang):
        typer.echo(f"{name:<18} {label:<16} {unit:<12} {band:<22} {applies}  [{units}]")


@app.command("measured")
def account_measured(as_user: AsUser, parameter: str, material: str,
                     value: Annotated[str, typer.Argument(help="数值，如 22.9 或 1,200 / the value")], unit: str,
                     valid_from: Annotated[str, typer.Option("--from", help="起始日期 / valid from")],
                     evidence: Annotated[str, typer.Option(help="证据 / evidence")],
                     valid_to: Annotated[Optional[str], typer.Option("--to", help="截止日期 / valid to")] = None,
                     batch: Annotated[Optional[str], typer.Option(
                         help="批次量：按量加权 / the quantity of fuel the value stands for")] = None,
                     batch_unit: Annotated[str, typer.Option(help="批次量单位 / batch unit")] = "t"):
    """登记企业实测因子（覆盖缺省值），并重新核算它影响的已核算年度 / Record a measured factor that overrides the
    default, then run again each accounted year it reads into."""
    from workflows.accounting import measured, runs
    years: set[int] = set()

    def go(c, s, a):
        row = measured.record(s, a, parameter=parameter, material=material, value=value, unit=unit,
                              valid_from=valid_from, valid_to=valid_to or "", evidence=evidence,
                              batch_quantity=batch or "", batch_unit=batch_unit, years=years)
        return row.id, row.value, runs.accounted(s, a.enterprise_id, years)
    number, figure, accounted = run_as(as_user, go)
    typer.echo(f"实测因子 #{number} {parameter}/{material} = {figure:g} {unit} 已登记 / recorded")
    _rerun(as_user, accounted)


def _rerun(as_user: str, years: list[int]) -> None:
    """New data in an accounted year runs it again here and now, each step printed as it goes."""
    if not years:
        return
    from workflows.accounting import runs
    typer.echo(f"重新核算 {'、'.join(map(str, years))} 年 / running {', '.join(map(str, years))} again")

    def progress(step: int, total: int, zh: str, en: str) -> None:
        typer.echo(f"  ({step}/{total}) {zh} / {en}")
    run = run_as(as_user, lambda c, s, a: runs.rerun(s, a, years, progress=progress))
    typer.echo(f"核算 #{run.id}（{run.year}）/ run #{run.id} ({run.year})")


@app.command("document")
def account_document(as_user: AsUser, document: Annotated[str, typer.Argument(help="GB/T 32150-2015 | GB/T 32151.34-2024")],
                     reason: Annotated[str, typer.Option(help="依据 / why (the reporting programme's rule)")] = ""):
    """选择缺省因子依据文件（各文件不一致时优先采用）/ Choose the document whose defaults the enterprise reports under."""
    from workflows.accounting import calculation
    chosen = run_as(as_user, lambda c, s, a: calculation.choose_document(s, a, document, reason))
    typer.echo(f"缺省因子依据 / default factors under: {chosen['document']}"
               + (f"（{chosen['reason']}）" if chosen["reason"] else "（缺省 / default）"))


@app.command("template")
def account_template(out: Annotated[str, typer.Option(help="保存为 .xlsx / where to write the template")],
                     enterprise: Annotated[Optional[str], typer.Option(help="企业代码：设施下拉列表 / facilities' drop-down")] = None):
    """下载活动数据导入模板 / Write the activity-data import template."""

    from forms.activity_import import template
    from workflows.accounting import calculation
    places: list = []
    if enterprise:
        from sqlmodel import select

        from storage.models import Facility
        places = read("cli:template", lambda s: [(f.code, f.name) for f in s.exec(select(Facility).where(
            Facility.enterprise_id == calculation.enterprise(s, enterprise).id).order_by(Facility.code)).all()])
    save(out, template(places))
    typer.echo(f"wrote {out}")


@app.command("import")
def account_import(as_user: AsUser, paths: Annotated[list[str], typer.Argument(help=".xlsx 或 .csv，可多个 / one or more")]):
    """导入活动数据（每个文件整批校验，有错则该文件全部不导入），并重新核算有变更的已核算年度 / Import activity data,
    each file all or nothing, then run again each accounted year it changed.

    Many files go in one process (a script importing a year pays the start once): each file is its own
    transaction, a refused file is named and the others still go in, the years they changed are run again once
    at the end, and the exit code is 2 if any file was refused."""
    from pathlib import Path

    from steward.cli.common import load_context
    from workflows.accounting import activity, runs
    files = [Path(p) for p in paths]
    missing = [str(f) for f in files if not f.is_file()]
    if missing:
        raise StewardError("no_file", f"找不到文件 {', '.join(missing)}", f"No such file {', '.join(missing)}")
    refused, context, accounted = 0, load_context(), set()
    for file in files:
        years: set[int] = set()

        def go(c, s, a, file=file, years=years) -> tuple[int, list[int]]:
            n = activity.import_file(s, a, file.name, file.read_bytes(), years, c.files)
            return n, runs.accounted(s, a.enterprise_id, years)
        try:
            n, changed = run_as(as_user, go, context)
        except StewardError as exc:
            if len(files) == 1:
                raise
            refused += 1
            typer.echo(f"{file.name}: 未导入 / not imported — {exc.zh} / {exc.en}", err=True)
            continue
        accounted.update(changed)
        typer.echo(f"{file.name + ': ' if len(files) > 1 else ''}已导入 {n} 行 / imported {n} row(s)")
    _rerun(as_user, sorted(accounted))  # the imports are kept even if the re-run is refused; it can be run again
    if refused:
        raise typer.Exit(2)


@app.command("report")
def account_report(enterprise: Enterprise, year: Year, out: Annotated[str, typer.Option(help="输出 .docx / output")]):
    """碳排放现状调查与评价报告（6.1.1 a–e，含图表）/ The status survey and evaluation report, with charts."""

    from workflows.accounting import calculation, runs, survey_report
    data = read("cli:report", lambda s: survey_report.render(s, runs.year_run(
        s, calculation.enterprise(s, enterprise).id, year)))
    save(out, data)
    typer.echo(f"wrote {out} ({len(data):,} bytes)")
