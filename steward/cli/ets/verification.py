"""`steward ets verification`: record (or, with --reason, correct) a data year's verification."""

from __future__ import annotations

from typing import Annotated

import typer

from steward.cli.common import AsJson, AsUser, emit, parse_date, run_as


def verification_cmd(as_user: AsUser, year: Annotated[int, typer.Option("--year", help="数据年度 / data year")],
                     verifier: Annotated[str, typer.Option("--verifier", help="核查机构 / verification body")],
                     start: Annotated[str, typer.Option("--start", help="核查开始日期 YYYY-MM-DD / first day")],
                     end: Annotated[str, typer.Option("--end", help="核查结束日期 YYYY-MM-DD / last day")],
                     verified: Annotated[float, typer.Option("--verified", help="核查排放量 t CO₂e / verified emissions")],
                     findings: Annotated[str, typer.Option("--findings", help="核查发现 / findings")] = "",
                     reason: Annotated[str, typer.Option("--reason", help="修改已登记核查的原因 / why a recorded one "
                                                                          "changes")] = "",
                     as_json: AsJson = False):
    """登记年度排放报告的核查结果，核查量即应清缴量 / Record the verification of a year's report; the verified figure is
    what the surrender is due on."""
    from workflows.ets import verification
    started_on, ended_on = parse_date(start, "start"), parse_date(end, "end")
    assert started_on is not None and ended_on is not None  # both options are required
    data = run_as(as_user, lambda c, s, a: verification.as_json(verification.record(
        s, a, year=year, verifier=verifier, started_on=started_on, ended_on=ended_on, verified_tco2e=verified,
        findings=findings, reason=reason)))

    def lines(d: dict):
        pct = "" if d["difference_pct"] is None else f"（{d['difference_pct']:+.2f} %）"
        yield (f"{d['year']} 核查 / verification: {d['verifier']}  {d['started_on']} — {d['ended_on']}")
        yield (f"  报告 / reported {d['reported_tco2e']:,.1f} t  核查 / verified {d['verified_tco2e']:,.1f} t  "
               f"差 / difference {d['difference_t']:+,.1f} t{pct}")
    emit(data, as_json, lines)
