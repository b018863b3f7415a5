"""Management review: inputs compiled from the system, the meeting, sign-off by top management (9.3)."""

import io
from datetime import timedelta

import docx
import pytest
from helpers import act, plant_id, this_year
from sqlmodel import Session, select

from steward.demo import DEMO_PASSWORD as PW
from storage.errors import StewardError
from storage.models import ManagementReview, ReviewAction, Task
from workflows.documents import records
from workflows.engine import clock
from workflows.improvement import nonconformity as ncs
from workflows.review import review as reviews

SOON = clock.today() + timedelta(days=30)


def planned(plant) -> int:
    with plant("system:test") as s:
        review, created = reviews.ensure(s, plant_id(s), this_year())
        assert created
        return review.id


def compiled(plant) -> int:
    review_id = planned(plant)
    act(plant, "lixf", lambda s, a: reviews.compile_inputs(s, a, s.get(ManagementReview, review_id)))
    return review_id


def held(plant, review_id):
    act(plant, "lixf", lambda s, a: reviews.record_meeting(
        s, a, s.get(ManagementReview, review_id), held_on=clock.today(), attendees=["王建国", "李秀芳", "赵敏"],
        minutes="听取体系运行、碳排放绩效和内审情况汇报。", conclusion="体系充分、适宜、有效。",
        decisions=[{"decision": "2027 年完成 2# 水泥磨变频改造", "owner": "liuy", "due": SOON}]))


def state_the_rest(plant, review_id):
    def go(s, a):
        review = s.get(ManagementReview, review_id)
        for clause_id in reviews.missing_inputs(review):
            reviews.state_input(s, a, review, clause_id, f"{clause_id}：本期无变化，经碳排放管理机构确认。")
    act(plant, "lixf", go)


def test_the_input_pack_is_compiled_from_the_system(plant, engine):
    with plant("system:test") as s:
        ncs.raise_nc(s, plant_id(s), source="data", clause_id="6.1.3b", title="3 月柴油数据缺失", raised_by="t")
    act(plant, "lixf", lambda s, a: records.add(s, a, "communication", {
        "direction": "external", "channel": "letter", "counterpart": "市生态环境局", "subject": "排放报告报送"}))
    review_id = compiled(plant)
    with Session(engine) as s:
        review = s.get(ManagementReview, review_id)
        assert review.state == "prepared"
        assert set(review.inputs) == set(reviews.INPUT_ITEMS)
        assert any("3 月柴油数据缺失" in line for line in review.inputs["9.3.1c3"]["zh"])
        assert any("市生态环境局" in line for line in review.inputs["9.3.1e"]["zh"])
        performance = review.inputs["9.3.1c1"]["facts"]
        assert performance["year"] == 2025 and performance["this"] and performance["last"]
        assert "9.3.1b4" in reviews.missing_inputs(review)  # the context register is not compiled: state it


def test_a_meeting_with_missing_inputs_is_refused_naming_them_and_nothing_is_written(plant, engine, store):
    """The meeting reviews the whole input pack (9.3.1): with an input neither compiled nor stated it cannot be
    recorded, and so cannot be signed either; its decisions are not half-kept."""
    from storage.models import ReviewAction
    review_id = compiled(plant)
    with pytest.raises(StewardError) as err:
        held(plant, review_id)
    assert "9.3.1b4" in err.value.zh and "9.3.1b6" in err.value.en
    with Session(engine) as s:
        assert s.get(ManagementReview, review_id).state == "prepared"
        assert s.get(ManagementReview, review_id).minutes == ""
        assert s.exec(select(ReviewAction)).all() == []


def test_top_management_signs_and_the_minutes_are_kept_with_actions_tracked(plant, engine, store):
    review_id = compiled(plant)
    state_the_rest(plant, review_id)
    held(plant, review_id)
    with pytest.raises(StewardError, match="Wrong password"):
        act(plant, "wangjg", lambda s, a: reviews.sign_off(s, a, s.get(ManagementReview, review_id), "guess", store))
    act(plant, "wangjg", lambda s, a: reviews.sign_off(s, a, s.get(ManagementReview, review_id), PW, store))
    with Session(engine) as s:
        review = s.get(ManagementReview, review_id)
        assert review.state == "approved" and review.minutes_sha256
        action = s.exec(select(ReviewAction)).one()
        task = s.exec(select(Task).where(Task.lifecycle == "review_action")).one()
        assert task.assignee_id == action.owner_id and task.due == SOON and task.status == "open"
    doc = docx.Document(io.BytesIO(store.read(review.minutes_sha256)))
    cells = "\n".join(c.text for t in doc.tables for r in t.rows for c in r.cells)
    assert "变频改造" in cells and "王建国" in cells and "有效 valid" in cells and "9.3.1c5" in cells
    assert "Extraordinary" not in "\n".join(p.text for p in doc.paragraphs)  # a yearly review gives no reason
    with pytest.raises(StewardError, match="signed off"):
        act(plant, "lixf", lambda s, a: reviews.state_input(s, a, s.get(ManagementReview, review_id), "9.3.1e", "x"))
    act(plant, "liuy", lambda s, a: reviews.complete_action(s, a, action.id, "已完成变频改造，节电 8%"))
    with Session(engine) as s:
        assert s.exec(select(Task).where(Task.lifecycle == "review_action")).one().status == "done"


def test_next_years_review_reports_on_this_years_actions(plant, engine, store):
    review_id = compiled(plant)
    state_the_rest(plant, review_id)
    held(plant, review_id)
    with plant("system:test") as s:
        nxt, _ = reviews.ensure(s, plant_id(s), this_year() + 1)
    act(plant, "lixf", lambda s, a: reviews.compile_inputs(s, a, s.get(ManagementReview, nxt.id)))
    with Session(engine) as s:
        lines = s.get(ManagementReview, nxt.id).inputs["9.3.1a"]["zh"]
        assert lines[0].endswith("共 1 项措施，已完成 0 项") and "变频改造" in lines[1]


def test_a_meeting_without_minutes_is_refused(plant):
    review_id = compiled(plant)
    state_the_rest(plant, review_id)
    with pytest.raises(StewardError, match="minutes"):
        act(plant, "lixf", lambda s, a: reviews.record_meeting(
            s, a, s.get(ManagementReview, review_id), held_on=clock.today(), attendees=[], minutes="",
            conclusion="", decisions=[]))


def test_risks_context_and_objective_progress_flow_into_the_inputs(plant, engine):
    from workflows.planning import objectives
    act(plant, "lixf", lambda s, a: [
        records.add(s, a, "risk", {"clause": "6.2.2c", "risk": "全国碳市场配额收紧", "likelihood": 4, "impact": 4,
                                   "response": "提前储备 CCER", "owner": "李秀芳"}),
        records.add(s, a, "context_issue", {"clause": "5.1.2d", "issue": "水泥行业纳入全国碳市场", "effect": "threat"}),
        objectives.add(s, a, title="熟料强度下降 3%", level="enterprise", metric="intensity:clinker", target_year=2027,
                       reduction_pct=3, plan={k: "见方案" for k in "abcdef"})])
    review_id = compiled(plant)
    with Session(engine) as s:
        review = s.get(ManagementReview, review_id)
        assert any("全国碳市场配额收紧" in line for line in review.inputs["9.3.1b6"]["zh"])
        assert any("水泥行业纳入全国碳市场" in line for line in review.inputs["9.3.1b4"]["zh"])
        assert review.inputs["9.3.1c2"]["zh"][0].startswith("JYCEM-OB-001 熟料强度下降 3%")
        assert {"9.3.1b4", "9.3.1b6", "9.3.1c2"}.isdisjoint(reviews.missing_inputs(review))


def test_the_pack_names_states_and_results_in_words_and_the_english_lists_what_the_chinese_lists(plant, engine):
    from workflows.audit import internal_audit as audits
    with plant("system:test") as s:
        ncs.raise_nc(s, plant_id(s), source="data", clause_id="6.1.3b", title="3 月柴油数据缺失", raised_by="t")
    audit = act(plant, "lixf", lambda s, a: audits.plan_year(s, a, this_year()))
    act(plant, "lixf", lambda s, a: audits.start(s, a, s.get(type(audit), audit.id)))
    lead = act(plant, "zhaom", lambda s, a: a.person.username)  # the demo's lead auditor
    for clause, result, notes in (("4.1", "conform", ""), ("4.2a", "observation", "机构图未更新")):
        act(plant, lead, lambda s, a, c=clause, r=result, n=notes: audits.record(s, a, s.get(type(audit), audit.id),
                                                                               c, r, n))
    review_id = compiled(plant)
    with Session(engine) as s:
        inputs = s.get(ManagementReview, review_id).inputs
    for item in ("9.3.1c3", "9.3.1c5"):
        zh, en = inputs[item]["zh"], inputs[item]["en"]
        assert zh and len(en) == len(zh), (item, zh, en)  # the English page lists what the Chinese one lists
        for code in ("open", "in_progress", "conform", "observation", "pending", "minor_nc", "planned"):
            assert not any(f" {code} " in f" {line} ".replace("（", " ").replace("）", " ").replace("，", " ")
                           for line in zh), (code, zh)
    assert any("待分析" in line or "未处理" in line or "新增不符合项" in line for line in inputs["9.3.1c3"]["zh"])
    assert any("符合 1" in line and "观察项 1" in line and "未检查" in line for line in inputs["9.3.1c5"]["zh"])
    assert any("Conforms 1" in line and "Observation 1" in line for line in inputs["9.3.1c5"]["en"])
