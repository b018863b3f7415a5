"""A scheduled flow that could not do an enterprise's work tells its carbon managers, with the reason, and
the task closes itself once a later run gets through. One open task per flow and enterprise: a daily flow
that keeps failing does not fill the inbox."""

from __future__ import annotations

from datetime import date, timedelta

from sqlmodel import Session

from storage.errors import StewardError
from workflows.engine import machine

PREFIX = "flow_"
# where the carbon manager puts each flow's work right (the task list itself for the daily and yearly rounds)
PAGES = {"accounting": "/accounting", "accounting-yearly": "/accounting", "audit-programme": "/audits",
         "management-review": "/reviews", "compliance-evaluation": "/registers/compliance",
         "yearly-planning": "/tasks", "daily-tasks": "/tasks", "ets-month": "/ets"}
NAMES = {"accounting": ("每月核算", "monthly accounting"), "accounting-yearly": ("年度核算", "yearly accounting"),
         "audit-programme": ("年度内审方案", "yearly audit programme"),
         "management-review": ("年度管理评审计划", "yearly management review"),
         "compliance-evaluation": ("年度合规性评价", "yearly compliance evaluation"),
         "yearly-planning": ("年度培训与目标评审任务", "yearly training and target review"),
         "daily-tasks": ("每日提醒", "daily reminders"), "ets-month": ("碳市场月度报送包", "carbon-market month")}


def lifecycle(flow: str) -> str:
    return (PREFIX + flow)[:40]


def page(task_lifecycle: str) -> str | None:
    return PAGES.get(task_lifecycle[len(PREFIX):]) if task_lifecycle.startswith(PREFIX) else None


def failed(session: Session, enterprise_id: int, flow: str, error: StewardError, today: date) -> int:
    """Give each carbon manager one task naming the reason, unless one is open for this flow already."""
    name_zh, name_en = NAMES.get(flow, (flow, flow))
    return machine.give_once(session, enterprise_id, lifecycle(flow), enterprise_id, ["carbon_manager"],
                            f"自动流程「{name_zh}」未完成：{error.zh}"[:300],
                            f"The scheduled {name_en} could not finish: {error.en}"[:300], today + timedelta(days=3),
                            while_open=True)


def succeeded(session: Session, enterprise_id: int, flow: str) -> None:
    machine.close_tasks(session, lifecycle(flow), enterprise_id)
