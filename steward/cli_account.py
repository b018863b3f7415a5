"""``steward account``: accounting runs, explanations and the factor library (6.1)."""

from __future__ import annotations

import getpass
import json
from datetime import date
from typing import Annotated, Optional

import typer

from steward.cli_common import AsJson, AsUser, PasswordStdin, ctx, parse_date, run_as
from storage.errors import StewardError

account_app = typer.Typer(help="碳排放核算（6.1）/ Carbon accounting", no_args_is_help=True)
APPS = {"account": account_app}
Enterprise = Annotated[str, typer.Option("--enterprise", "-e", help="企业代码 / enterprise code")]
Year = Annotated[int, typer.Option(help="核算年度 / year")]
Grid = Annotated[str, typer.Option(help="电网因子：national|ets|regional|residual / grid factor")]


def _in_session(actor: str, fn):
    context = ctx()
    context.require_current_schema()
    with context.unit_of_work(actor) as session:
        return fn(session)


@account_app.command("run")
def account_run(enterprise: Enterprise, year: Year, grid: Grid = "national", as_json: AsJson = False):
    """核算一个年度并保存结果（按设施、工序、企业汇总）/ Account a year and freeze the result."""
    from workflows import accounting
    if grid not in ("national", "ets", "regional", "residual"):
        raise StewardError("grid", "电网因子须为 national、ets、regional 或 residual",
                           "Grid must be national, ets, regional or residual", field="grid")
    run = _in_session(f"cli:{getpass.getuser()}", lambda s: accounting.run(
        s, accounting.enterprise(s, enterprise).id, year, f"cli:{getpass.getuser()}", grid))
    totals = run.totals
    if as_json:
        typer.echo(json.dumps({"enterprise": enterprise, "year": year, "run": run.id, "grid": grid,
                               "library_version": run.library_version, **totals}, ensure_ascii=False, indent=1))
        return
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
        typer.echo(f"  较 {p['year']} 年 vs previous year: {p['change']:+.2f}%")
    for code, t in totals["processes"].items():
        typer.echo(f"    工序 {code:<14} {t['total']:>12,.1f}")


@account_app.command("explain")
def account_explain(enterprise: Enterprise, year: Year,
                    facility: Annotated[Optional[str], typer.Option(help="设施代码 / facility code")] = None,
                    material: Annotated[Optional[str], typer.Option(help="物料 / material")] = None,
                    month: Annotated[Optional[str], typer.Option(help="YYYY-MM")] = None,
                    as_json: AsJson = False):
    """追溯一个数字：活动数据行、因子及来源、公式 / Trace a figure to its rows, factors and formula."""
    from sqlmodel import select

    from storage.models import AccountingRun
    from workflows import accounting

    def go(s):
        ent = accounting.enterprise(s, enterprise)
        run = s.exec(select(AccountingRun).where(AccountingRun.enterprise_id == ent.id, AccountingRun.year == year)
                     .order_by(AccountingRun.id.desc())).first()
        if run is None:
            raise StewardError("no_run", f"{enterprise} {year} 年尚未核算，请先运行 steward account run",
                               f"{enterprise} {year} has not been accounted yet; run steward account run first")
        return run.id, accounting.explain(run.lines, facility, material, month)
    run_id, lines = _in_session("cli:explain", go)
    if as_json:
        typer.echo(json.dumps(lines, ensure_ascii=False, indent=1))
        return
    total = sum(line["tco2"] for line in lines if line["kind"] != "allocated")
    typer.echo(f"核算 #{run_id}：{len(lines)} 行，合计 {total:,.3f} tCO2 / run #{run_id}: {len(lines)} line(s)")
    for line in lines:
        typer.echo(f"- {line['period'][:7]} {line['facility'] or '(enterprise)'} {line['category']}/{line['material']} "
                   f"[{line['ref']}, {line['source']}]")
        typer.echo(f"    {line['formula']}")
        for f in line["factors"]:
            typer.echo(f"    {f['parameter']} = {f['value']:g} {f['unit']} ← {f['source']}"
                       + ("（沿用最近发布值 latest published, used as fallback）" if f.get("fallback") else ""))


@account_app.command("factors")
def account_factors(parameter: Annotated[Optional[str], typer.Option(help="ncv|carbon_content|oxidation|grid_ef|…")] = None):
    """列出因子库及来源 / The default factor library with sources and validity."""
    from accounting.factors import default_library
    for f in default_library().factors:
        if parameter and f.parameter != parameter:
            continue
        valid = f"{f.valid_from or ''}–{f.valid_to or ''}"
        typer.echo(f"{f.parameter:<18} {f.material:<20} {f.value:>10g} {f.unit:<13} {valid:<23} {f.source()}")


@account_app.command("measured")
def account_measured(as_user: AsUser, parameter: str, material: str, value: float, unit: str,
                     valid_from: Annotated[str, typer.Option("--from", help="起始日期 / valid from")],
                     evidence: Annotated[str, typer.Option(help="证据 / evidence")],
                     valid_to: Annotated[Optional[str], typer.Option("--to", help="截止日期 / valid to")] = None):
    """登记企业实测因子（覆盖缺省值）/ Record a measured factor that overrides the default."""
    from workflows import accounting
    row = run_as(as_user, lambda c, s, a: accounting.add_measured_factor(
        s, a, parameter=parameter, material=material, value=value, unit=unit,
        valid_from=parse_date(valid_from, "from") or date.today(), valid_to=parse_date(valid_to, "to"),
        evidence=evidence))
    typer.echo(f"实测因子 #{row.id} {parameter}/{material} = {value:g} {unit} 已登记 / recorded")


@account_app.command("template")
def account_template(out: Annotated[str, typer.Option(help="保存为 .xlsx / where to write the template")]):
    """下载活动数据导入模板 / Write the activity-data import template."""
    from pathlib import Path

    from forms.activity_import import template
    Path(out).write_bytes(template())
    typer.echo(f"wrote {out}")


@account_app.command("import")
def account_import(as_user: AsUser, path: Annotated[str, typer.Argument(help=".xlsx 或 .csv")]):
    """导入活动数据（整批校验，有错则全部不导入）/ Import activity data, all or nothing."""
    from pathlib import Path

    from workflows import activity
    file = Path(path)
    if not file.is_file():
        raise StewardError("no_file", f"找不到文件 {path}", f"No such file {path}")
    n = run_as(as_user, lambda c, s, a: activity.import_file(s, a, file.name, file.read_bytes()))
    typer.echo(f"已导入 {n} 行 / imported {n} row(s)")


data_app = typer.Typer(help="数据质量：异常数据识别与处理（6.1.3 b）/ Data anomalies", no_args_is_help=True)
baseline_app = typer.Typer(help="碳排放基准（6.3）/ Carbon baselines", no_args_is_help=True)
APPS.update({"data": data_app, "baseline": baseline_app})


@data_app.command("scan")
def data_scan(enterprise: Enterprise):
    """检查活动数据：缺失月份、离群值、强度异常、单位录错 / Check the data for gaps, outliers, unit slips."""
    from workflows import accounting, data_quality
    rows = _in_session("cli:data-scan", lambda s: [(a.id, a.message_zh, a.message_en) for a in data_quality.scan(
        s, accounting.enterprise(s, enterprise).id)])
    typer.echo(f"新发现 {len(rows)} 处异常 / {len(rows)} new finding(s)")
    for i, zh, en in rows:
        typer.echo(f"  #{i} {zh} / {en}")


@data_app.command("list")
def data_list(as_user: AsUser, status: Annotated[str, typer.Option(help="open|confirmed|dismissed|all")] = "open"):
    """列出异常数据 / List data anomalies."""
    from sqlmodel import select

    from storage.models import DataAnomaly

    def go(c, s, a):
        query = select(DataAnomaly).where(DataAnomaly.enterprise_id == a.enterprise_id)
        if status != "all":
            query = query.where(DataAnomaly.state == status)
        return [(d.id, d.state, d.message_zh, d.note) for d in s.exec(query.order_by(DataAnomaly.period))]
    for i, st, msg, note in run_as(as_user, go):
        typer.echo(f"#{i:<5} {st:<10} {msg}" + (f"  ← {note}" if note else ""))


@data_app.command("resolve")
def data_resolve(as_user: AsUser, anomaly_id: int,
                 status: Annotated[str, typer.Argument(help="confirmed|dismissed")],
                 note: Annotated[str, typer.Option(help="原因或处理措施 / why, or what was done")]):
    """确认或排除一处异常（留存记录）/ Confirm or dismiss an anomaly, on record."""
    from workflows import data_quality
    run_as(as_user, lambda c, s, a: data_quality.resolve(s, a, anomaly_id, status, note))
    typer.echo(f"#{anomaly_id} → {status}")


@baseline_app.command("propose")
def baseline_propose(as_user: AsUser, year: Year,
                     trigger: Annotated[str, typer.Option(help="initial|boundary|energy_mix|products|raw_materials|"
                                                               "process|equipment|sources|other")] = "initial",
                     reason: Annotated[str, typer.Option(help="调整原因 / reason")] = ""):
    """提出基准（首次或按 6.3.2 调整），报最高管理者批准 / Propose a baseline for approval."""
    from workflows import baseline
    row = run_as(as_user, lambda c, s, a: baseline.propose(s, a, year, trigger, reason))
    e = row.figures["enterprise"]
    typer.echo(f"{row.number} 基准年 {row.base_year}：{e['total']:,.1f} tCO2，待批准 / proposed")


@baseline_app.command("approve")
def baseline_approve(as_user: AsUser, number: str, password_stdin: PasswordStdin = False):
    """最高管理者批准基准（签名）/ Top management approves (signed)."""
    from steward.cli_common import password
    from workflows import baseline, engine
    pw = password(password_stdin)
    run_as(as_user, lambda c, s, a: engine.fire(s, baseline.LIFECYCLE, baseline.get(s, a, number), "approve", a,
                                                password=pw))
    typer.echo(f"{number} 已批准生效 / approved and in force")


@baseline_app.command("reject")
def baseline_reject(as_user: AsUser, number: str, comment: Annotated[str, typer.Option(help="意见 / comment")]):
    """不批准基准 / Reject a proposed baseline."""
    from workflows import baseline, engine
    run_as(as_user, lambda c, s, a: engine.fire(s, baseline.LIFECYCLE, baseline.get(s, a, number), "reject", a,
                                                comment=comment))
    typer.echo(f"{number} 未批准 / rejected")


@baseline_app.command("compare")
def baseline_compare(enterprise: Enterprise, year: Year, as_json: AsJson = False):
    """与有效基准对比排放量和强度 / Compare a year with the active baseline."""
    from workflows import accounting, baseline
    result = _in_session("cli:baseline", lambda s: baseline.compare(s, accounting.enterprise(s, enterprise).id, year))
    if as_json:
        typer.echo(json.dumps(result, ensure_ascii=False, indent=1))
        return
    e = result["enterprise"]
    typer.echo(f"{enterprise} {year} 对比基准 {result['baseline']}（{result['base_year']}）：{e['now']:,.1f} vs "
               f"{e['base']:,.1f} tCO2 ({e['change_pct']:+.2f}%)")
    for material, i in result["intensity"].items():
        if i["change_pct"] is not None:
            typer.echo(f"  强度 {material}: {i['now']:.4f} vs {i['base']:.4f} tCO2/t ({i['change_pct']:+.2f}%)")


dq_app = typer.Typer(help="数据质量控制计划（8.1）/ Data-quality control plan", no_args_is_help=True)
APPS["dq"] = dq_app


@dq_app.command("plan")
def dq_plan_cmd(as_user: AsUser, year: Year):
    """由系统数据生成数据质量控制计划（受控文件草稿）/ Generate the plan as a controlled-document draft."""
    from workflows import dq_plan
    rev = run_as(as_user, lambda c, s, a: dq_plan.generate(s, a, year, c.files, c.settings.max_upload_mb << 20))
    typer.echo(f"数据质量控制计划第{rev.rev}版草稿已生成，请提交审批（steward doc fire … submit）/ "
               f"plan revision {rev.rev} drafted; submit it for review")


@dq_app.command("check")
def dq_check(enterprise: Enterprise, year: Year, as_json: AsJson = False):
    """对照计划检查实际情况（8.1.3 a–g）/ Check reality against the plan (8.1.3 a–g)."""
    from workflows import accounting, dq_plan
    items = _in_session("cli:dq-check", lambda s: dq_plan.check(s, accounting.enterprise(s, enterprise).id, year))
    if as_json:
        typer.echo(json.dumps(items, ensure_ascii=False, indent=1))
        return
    for i in items:
        typer.echo(f"{'✓' if i['ok'] else '✗'} {i['clause']} {i['zh']} / {i['en']}"
                   + (f": {', '.join(i['details'][:8])}" if i["details"] else ""))


@account_app.command("report")
def account_report(enterprise: Enterprise, year: Year, out: Annotated[str, typer.Option(help="输出 .docx / output")]):
    """碳排放现状调查与评价报告（6.1.1 a–e，含图表）/ The status survey and evaluation report, with charts."""
    from pathlib import Path

    from workflows import accounting, survey_report
    data = _in_session("cli:report", lambda s: survey_report.render(s, survey_report.latest_run(
        s, accounting.enterprise(s, enterprise).id, year)))
    Path(out).write_bytes(data)
    typer.echo(f"wrote {out} ({len(data):,} bytes)")


assets_app = typer.Typer(help="碳资产与履约（8.5）/ Carbon assets and ETS compliance", no_args_is_help=True)
APPS["assets"] = assets_app


@assets_app.command("add")
def assets_add(as_user: AsUser, kind: Annotated[str, typer.Argument(help="CEA|CCER|GEC|SINK")], vintage: int,
               txn: Annotated[str, typer.Argument(help="allocate|buy|sell|surrender|transfer_in|transfer_out")],
               quantity: float, price: Annotated[Optional[float], typer.Option(help="元/单位 / CNY per unit")] = None,
               on: Annotated[Optional[str], typer.Option(help="日期 / date")] = None,
               year: Annotated[Optional[int], typer.Option(help="履约年度（清缴时）/ compliance year")] = None,
               reference: Annotated[str, typer.Option(help="凭证 / reference")] = ""):
    """登记碳资产变动（不能清缴或卖出多于持有）/ Record a movement (never more than is held)."""
    from workflows import carbon_assets
    row = run_as(as_user, lambda c, s, a: carbon_assets.record(
        s, a, kind=kind, vintage=vintage, txn=txn, quantity=quantity, price=price,
        on=parse_date(on, "on") or date.today(), reference=reference, compliance_year=year))
    typer.echo(f"#{row.id} {kind} {vintage} {txn} {quantity:,.3f}")


@assets_app.command("price")
def assets_price(as_user: AsUser, kind: str, price: float, source: Annotated[str, typer.Option(help="来源 / source")],
                 on: Annotated[Optional[str], typer.Option(help="日期 / date")] = None):
    """登记价格 / Record a market price."""
    from workflows import carbon_assets
    run_as(as_user, lambda c, s, a: carbon_assets.add_price(s, a, kind, parse_date(on, "on") or date.today(), price,
                                                              source))
    typer.echo(f"{kind} {price:g}")


@assets_app.command("prices")
def assets_prices(kind: Annotated[str, typer.Option(help="CEA|CCER|GEC|SINK")] = "CEA"):
    """价格历史 / Price history with sources."""
    from sqlmodel import select

    from storage.models import CarbonPrice
    rows = _in_session("cli:prices", lambda s: [(p.on, p.price, p.source) for p in s.exec(
        select(CarbonPrice).where(CarbonPrice.kind == kind).order_by(CarbonPrice.on))])
    for on, price, source in rows:
        typer.echo(f"{on} {kind} {price:>8,.2f}  {source}")


@assets_app.command("position")
def assets_position(enterprise: Enterprise, year: Year, as_json: AsJson = False):
    """履约年度：应清缴、已清缴、持有、截止日期与最省钱的清缴方案 / Due, surrendered, held, deadline, cheapest plan."""
    from workflows import accounting, carbon_assets
    pos = _in_session("cli:assets", lambda s: carbon_assets.position(s, accounting.enterprise(s, enterprise).id, year))
    if as_json:
        typer.echo(json.dumps(pos, ensure_ascii=False, indent=1))
        return
    plan = pos["plan"]
    typer.echo(f"{enterprise} {year}：应清缴 due {pos['due_t']:,.1f} t，尚欠 remaining {pos['remaining_t']:,.1f} t，"
               f"截止 deadline {pos['deadline']}（{pos['days_left']} 天 days）")
    for lot in plan["surrender"]:
        typer.echo(f"  清缴持有 surrender held {lot['kind']} {lot['vintage']}: {lot['quantity']:,.1f} t")
    typer.echo(f"  购买 buy CCER {plan['buy_ccer_t']:,.1f} t, CEA {plan['buy_cea_t']:,.1f} t；"
               f"费用 cost {plan['cost_cny']:,.0f} 元 CNY")


objective_app = typer.Typer(help="碳排放管理目标与指标（6.4）/ Objectives and targets", no_args_is_help=True)
APPS["objective"] = objective_app


@objective_app.command("add")
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
    from steward.cli_common import parse_pairs
    from workflows import objectives
    row = run_as(as_user, lambda c, s, a: objectives.add(
        s, a, title=title, level=level, scope=scope, metric=metric, target_year=target_year, reduction_pct=reduction,
        plan=parse_pairs(plan, set()), clause_id=clause, parent=parent, owner=owner))
    typer.echo(f"{row.number} 已制定 / set")


@objective_app.command("progress")
def objective_progress(as_user: AsUser, as_json: AsJson = False):
    """各目标指标的进展（由核算结果计算）/ Progress of every objective, computed from the accounting."""
    from sqlmodel import select

    from storage.models import Objective
    from workflows import objectives

    def go(c, s, a):
        return [(o.title, objectives.progress(s, o)) for o in s.exec(select(Objective).where(
            Objective.enterprise_id == a.enterprise_id).order_by(Objective.number))]
    rows = run_as(as_user, go)
    if as_json:
        typer.echo(json.dumps([p for _, p in rows], ensure_ascii=False, indent=1))
        return
    for title, p in rows:
        typer.echo(f"{p['number']} {title}: 基准 base {p['base']:,.4f} → 目标 target {p['target']:,.4f}；"
                   f"{p['year']} 年 {p['current'] if p['current'] is not None else '—'}"
                   f"（完成 achieved {p['achieved_pct'] if p['achieved_pct'] is not None else '—'}%）")


measures_app = typer.Typer(help="减排措施与边际减排成本（8.4）/ Reduction measures and MAC", no_args_is_help=True)
APPS["measures"] = measures_app


@measures_app.command("add")
def measures_add(as_user: AsUser, title: str, abatement: Annotated[float, typer.Option(help="年减排量 tCO2e/yr")],
                 verification: Annotated[str, typer.Option(help="减排量验证方法 / how it will be verified")],
                 capex: Annotated[float, typer.Option(help="投资 元 / investment CNY")] = 0.0,
                 opex: Annotated[float, typer.Option(help="年运行费用（节约为负）/ yearly cost, negative saves")] = 0.0,
                 lifetime: Annotated[int, typer.Option(help="寿命（年）/ years")] = 10,
                 scope: Annotated[str, typer.Option(help="工序或设施代码 / process or facility")] = ""):
    """识别一项减排措施（须有验证方法）/ Identify a measure (a verification method is required)."""
    from workflows import reduction
    row = run_as(as_user, lambda c, s, a: reduction.add(s, a, title=title, abatement_t=abatement,
                                                        verification=verification, capex=capex, opex=opex,
                                                        lifetime_years=lifetime, scope=scope))
    typer.echo(f"{row.number} 已登记 / registered")


@measures_app.command("advance")
def measures_advance(as_user: AsUser, number: str, stage: Annotated[str, typer.Argument(help="planned|implemented|verified")],
                     achieved: Annotated[Optional[float], typer.Option(help="实际减排量 t / achieved t")] = None,
                     evidence: Annotated[str, typer.Option(help="验证证据 / evidence")] = ""):
    """推进措施：计划 → 实施 → 验证 / Move a measure on: planned, implemented, verified."""
    from workflows import reduction
    run_as(as_user, lambda c, s, a: reduction.advance(s, a, number, stage, achieved, evidence))
    typer.echo(f"{number} → {stage}")


@measures_app.command("mac")
def measures_mac(enterprise: Enterprise, out: Annotated[Optional[str], typer.Option(help="曲线图 .png / chart")] = None,
                 rate: Annotated[float, typer.Option(help="折现率 / discount rate")] = 0.08):
    """边际减排成本曲线：按每吨成本排序 / The marginal abatement cost curve, cheapest first."""
    from pathlib import Path

    from workflows import accounting, charts, reduction
    rows = _in_session("cli:mac", lambda s: reduction.mac_curve(s, accounting.enterprise(s, enterprise).id, rate))
    for r in rows:
        typer.echo(f"{r['cost_per_t']:>10,.1f} 元/t  {r['abatement_t']:>10,.0f} t/yr  {r['name']}")
    if out:
        Path(out).write_bytes(charts.mac_curve(rows, f"{enterprise} 边际减排成本曲线 MAC curve"))
        typer.echo(f"wrote {out}")
