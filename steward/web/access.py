"""Which roles open which page: one table, from which the menu is built and each page is checked."""

from __future__ import annotations

from dataclasses import dataclass

from storage.errors import Forbidden
from workflows.engine.machine import Actor

ALL = frozenset({"top_management", "carbon_body_member", "department_head", "carbon_manager", "internal_auditor",
                 "staff", "external_provider", "viewer", "administrator"})
INTERNAL = ALL - {"external_provider"}
MANAGEMENT = frozenset({"top_management", "carbon_body_member", "carbon_manager", "internal_auditor",
                        "department_head", "viewer"})


@dataclass(frozen=True)
class Page:
    path: str
    zh: str
    en: str
    roles: frozenset[str]
    menu: bool = True  # False: reached from another page (the registers list), not from the menu


PAGES = (
    Page("/", "总览", "Overview", ALL),
    Page("/tasks", "我的任务", "My tasks", ALL),
    Page("/documents", "文件", "Documents", INTERNAL),
    Page("/audits", "内部审核", "Internal audits", MANAGEMENT),
    Page("/nonconformities", "不符合项", "Nonconformities", INTERNAL),
    Page("/reviews", "管理评审", "Management reviews", MANAGEMENT),
    Page("/accounting", "碳核算", "Accounting", MANAGEMENT | {"staff"}),  # staff read the meters and enter them
    Page("/registers", "登记册", "Registers", MANAGEMENT),
    Page("/obligations", "合规义务", "Obligations", MANAGEMENT, menu=False),
    Page("/objectives", "目标指标", "Objectives", MANAGEMENT, menu=False),
    Page("/records", "记录", "Records", INTERNAL),
    Page("/calendar", "日历", "Calendar", INTERNAL, menu=False),
    Page("/readiness", "体系就绪度", "Readiness", MANAGEMENT, menu=False),
    Page("/meters", "计量器具", "Meters", MANAGEMENT | {"staff"}, menu=False),  # the metrologist records calibrations
    Page("/readings", "计量读数", "Meter readings", MANAGEMENT | {"staff"}, menu=False),  # reached from accounting
    Page("/assays", "燃料化验", "Fuel assays", MANAGEMENT | {"staff"}, menu=False),
    Page("/assets", "碳资产", "Carbon assets", frozenset({"top_management", "carbon_manager", "carbon_body_member",
                                                      "viewer"})),
    Page("/ets", "碳市场月报", "Carbon market months", frozenset({"top_management", "carbon_body_member", "carbon_manager",
                                                        "department_head", "internal_auditor", "viewer"})),
    Page("/people", "人员与角色", "People", frozenset({"carbon_manager", "administrator"})),
    Page("/role-changes", "角色变更", "Role changes", frozenset({"top_management", "carbon_manager", "administrator"}),
         menu=False),  # top management countersigns here; the keepers ask from the people page
    Page("/countersign", "会签设置", "Countersigning", frozenset({"carbon_manager"}), menu=False),  # from documents
    Page("/settings", "设置", "Settings", ALL),
)
BY_PATH = {p.path: p for p in PAGES}


def may_open(roles, path: str) -> bool:
    return bool(set(roles) & BY_PATH[path].roles)


def require(actor: Actor, path: str) -> None:
    if not may_open(actor.roles, path):
        raise Forbidden("role_required", "您的角色无权访问此页面", "Your role may not open this page")


def nav(roles) -> list[Page]:
    """The menu: only the pages this person may open."""
    return [p for p in PAGES if p.menu and may_open(roles, p.path)]
