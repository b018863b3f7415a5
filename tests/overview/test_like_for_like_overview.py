"""The overview two months into a year: January–February against January–February of last year, of the base
year from its monthly figures (the kiln stops every February) and of the target, each figure naming its months."""

from __future__ import annotations

import re

import pytest
from helpers import act, as_user, pct

from workflows.overview import dashboard
from workflows.planning import objectives

pytestmark = pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)


def shown(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html.split("<main", 1)[-1]))


def test_the_overview_reads_the_year_so_far_like_for_like(web, plant, in_progress):
    act(plant, "lixf", lambda s, a: objectives.add(
        s, a, title="2026 年排放总量较基准年下降 3%", level="enterprise", metric="total", target_year=2026,
        reduction_pct=3, plan={k: "见方案" for k in "abcdef"}))
    view = act(plant, "wangjg", lambda s, a: dashboard.overview(s, a, "en"))
    e = view["emissions"]
    assert view["intensity"]["years"][-1] == "2026 Jan–Feb"  # the chart's part year says so
    now, last, base = in_progress["now"], in_progress["last"], in_progress["base"]
    assert e["year"] == 2026 and e["label"] == "Jan–Feb" and not e["complete"] and not e["pro_rata"]
    assert e["vs_same_period"] == pytest.approx(pct(now, last), abs=0.06)
    assert e["baseline"] == pytest.approx(base, abs=0.1)  # not 2023 / 12 × 2
    assert e["vs_baseline"] == pytest.approx(pct(now, base), abs=0.06)
    assert e["target"]["value"] == pytest.approx(base * 0.97, rel=1e-4) and e["target"]["standing"]
    zh = shown(as_user(web, "wangjg").get("/").text).split("不符合项与任务")[0]
    assert "2026 年累计排放（1–2 月）" in zh
    assert f"较上年同期（2025 1–2 月） {pct(now, last):+.1f}%" in zh
    assert f"较基准年同期（2023 1–2 月） {pct(now, base):+.1f}%" in zh
    assert "较目标同期（1–2 月）" in zh and re.search("(超前|按计划|落后)", zh) and "完成" not in zh
    english = as_user(web, "wangjg")
    english.get("/lang/en")
    en = shown(english.get("/").text)
    assert "(Jan–Feb)" in en and "2023 Jan–Feb" in en
