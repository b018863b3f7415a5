"""Carbon assets and the compliance year (8.5): the ledger, the 5 % offset limit, the cheapest surrender."""

from __future__ import annotations

from datetime import date

import pytest
from helpers import act, plant_id

from accounting.carbon_assets import Lot, plan_compliance
from storage.errors import StewardError
from workflows.planning import carbon_assets as assets


def test_held_allowances_go_first_then_cheaper_offsets_to_the_limit_then_purchases():
    plan = plan_compliance(2025, 100_000, [Lot("CEA", 2024, 60_000), Lot("CEA", 2025, 30_000), Lot("CCER", 2023, 2_000),
                                           Lot("GEC", 2025, 500), Lot("CEA", 2026, 9_999)],
                           cea_price=95.0, ccer_price=70.0)
    assert [(x.kind, x.vintage, x.quantity) for x in plan.surrender] == [("CEA", 2024, 60_000), ("CEA", 2025, 30_000),
                                                                         ("CCER", 2023, 2_000)]
    assert plan.buy_ccer_t == 3_000 and plan.offset_used_t == 5_000  # 5 % of 100,000
    assert plan.buy_cea_t == 5_000 and plan.cost == 3_000 * 70 + 5_000 * 95
    assert plan.deadline == date(2026, 12, 31)
    dearer = plan_compliance(2025, 100_000, [Lot("CEA", 2025, 90_000)], cea_price=60.0, ccer_price=70.0)
    assert dearer.buy_ccer_t == 0 and dearer.buy_cea_t == 10_000


def test_a_surrender_beyond_holdings_or_the_offset_limit_is_refused(plant):
    on = date(2026, 6, 30)

    def add(**kw):
        return act(plant, "lixf", lambda s, a: assets.record(s, a, on=on, **kw))
    add(kind="CEA", vintage=2025, txn="allocate", quantity=1_000_000, reference="省生态环境厅配额分配通知")
    add(kind="CCER", vintage=2024, txn="buy", quantity=80_000, price=68.0)
    with pytest.raises(StewardError) as err:
        add(kind="CEA", vintage=2025, txn="surrender", quantity=1_500_000, compliance_year=2025)
    assert err.value.code == "beyond_holdings" and "1,000,000.000" in err.value.en
    with pytest.raises(StewardError, match="at most 5 %"):
        add(kind="CCER", vintage=2024, txn="surrender", quantity=70_000, compliance_year=2025)
    add(kind="CEA", vintage=2026, txn="allocate", quantity=10)
    with pytest.raises(StewardError, match="cannot be surrendered for 2025"):
        add(kind="CEA", vintage=2026, txn="surrender", quantity=5, compliance_year=2025)
    with pytest.raises(StewardError, match="requires one of"):
        act(plant, "yangf", lambda s, a: assets.record(s, a, kind="CEA", vintage=2025, txn="sell", quantity=1, on=on))


def test_the_position_shows_what_is_due_and_the_cheapest_way(plant):
    on = date(2026, 6, 30)
    act(plant, "lixf", lambda s, a: [
        assets.record(s, a, kind="CEA", vintage=2025, txn="allocate", quantity=1_100_000, on=on),
        assets.record(s, a, kind="CEA", vintage=2025, txn="surrender", quantity=600_000, on=on, compliance_year=2025),
        assets.add_price(s, a, "CEA", on, 92.5, "全国碳市场收盘价"),
        assets.add_price(s, a, "CCER", on, 75.0, "交易所挂牌价")])
    with plant("test") as s:
        pos = assets.position(s, plant_id(s), 2025, today=date(2026, 11, 25))
    due = pos["due_t"]
    assert due > 1_150_000 and pos["remaining_t"] == pytest.approx(due - 600_000)
    assert pos["deadline"] == "2026-12-31" and pos["days_left"] == 36
    assert pos["rule"]["figure"] == "total_direct_only" and pos["rule"]["covered"]  # cement, 2025: in the ETS
    assert "不含购入电力" in pos["rule"]["zh"] and pos["rule"]["confidence"] == "U"
    plan = pos["plan"]
    assert plan["offset_used_t"] == pytest.approx(due * 0.05, abs=0.01)
    assert plan["buy_cea_t"] == pytest.approx(due - 1_100_000 - due * 0.05, abs=0.01)


def test_surrender_reminders_and_yearly_duties_come_once(plant, engine):
    from sqlmodel import Session, select

    from storage.models import Task
    from workflows.planning import yearly_duties
    with plant("system:flow") as s:
        first = yearly_duties.surrender_reminders(s, plant_id(s), date(2026, 11, 25))  # 36 days left, all still due
        again = yearly_duties.surrender_reminders(s, plant_id(s), date(2026, 11, 26))
        early = yearly_duties.surrender_reminders(s, plant_id(s), date(2026, 6, 1))
        duties = yearly_duties.yearly(s, plant_id(s), 2027)
        duties_again = yearly_duties.yearly(s, plant_id(s), 2027)
    assert first == 3 and again == 0 and early == 0  # two carbon managers and top management, once per stage
    assert duties == {"training_plan": 2, "target_review": 3} and duties_again == {"training_plan": 0, "target_review": 0}
    with Session(engine) as s:
        titles = [t.title_en for t in s.exec(select(Task).where(Task.lifecycle == "surrender"))]
        assert titles and all("still to surrender for 2025" in t and "36 days left" in t for t in titles)


def test_what_a_surrender_is_due_on_is_a_rule_per_sector_and_data_year_with_its_source():
    from accounting import ets_scope
    assert ets_scope.rule("power", 2021).covered and ets_scope.rule("power", 2021).source
    assert ets_scope.rule("cement", 2024).covered and not ets_scope.rule("cement", 2023).covered  # joined for 2024 data
    for sector in ("chemicals", "coking", "coal", "other", "nobody-knows"):
        assert not ets_scope.rule(sector, 2025).covered and "not in the national ETS" in ets_scope.rule(sector, 2025).en
    for rules in ets_scope.RULES.values():
        assert [year for year, _ in rules] == sorted(year for year, _ in rules)
        assert all(r.source and r.confidence in "HMU" and r.zh and r.en for _, r in rules)
