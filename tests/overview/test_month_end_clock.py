"""At 23:30 UTC on the last day of February it is already 1 March at the plant (Asia/Shanghai): the year so far is
still January–February, named so on the overview and the accounting page in both languages, and every date the
pages stamp is the plant's."""

from __future__ import annotations

import re
from datetime import datetime, timezone

import pytest
from helpers import act, as_user

from workflows.accounting import runs
from workflows.engine import clock

pytestmark = pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
MONTH_END_UTC = datetime(2026, 2, 28, 23, 30, tzinfo=timezone.utc)  # 07:30 on 1 March in Shanghai


def shown(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html.split("<main", 1)[-1]))


def test_at_2330_utc_on_the_last_day_of_a_month_the_pages_name_the_right_months_and_the_plant_date(
        web, plant, in_progress):
    with clock.reading(MONTH_END_UTC):
        assert clock.today().isoformat() == "2026-03-01"
        run_id = act(plant, "lixf", lambda s, a: runs.run_as(s, a, 2026, grid="ets").id)  # a fresh run, made now
        lixf = as_user(web, "lixf")
        page = lixf.get("/accounting").text
        words = shown(page)
        assert f"2026 · 核算 #{run_id}" in words and "2026-03-01 07:30" in words and "2026-02-28" not in words
        assert "排放总量（1–2 月）" in words and "较上年同期（2025 1–2 月）" in words
        assert "1–3 月" not in words  # March has begun at the plant, but has no figures: it is not compared
        assert 'name="period" value="2026-03"' in page  # the month a figure is typed for is the plant's month
        assert 'name="year" value="2025"' in page
        workbook = lixf.get(f"/accounting/run.xlsx?run={run_id}")
        assert "2026-03-01" in workbook.headers["content-disposition"]
        overview = shown(lixf.get("/").text)
        assert "2026 年累计排放（1–2 月）" in overview and "较上年同期（2025 1–2 月）" in overview
        assert "较基准年同期（2023 1–2 月）" in overview and "1–3 月" not in overview
        english = as_user(web, "lixf")
        english.get("/lang/en")
        en = shown(english.get("/accounting").text)
        assert "Jan–Feb" in en and "2026-03-01 07:30" in en and "Jan–Mar" not in en
        en_overview = shown(english.get("/").text)
        assert "(Jan–Feb)" in en_overview and "2025 Jan–Feb" in en_overview and "Jan–Mar" not in en_overview
