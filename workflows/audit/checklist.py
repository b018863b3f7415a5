"""The checklist of an internal audit as it stands: its lines in clause order, the results counted by
chapter, and the nonconformities it raised. The audit's use cases, its pages and its Word report read it."""

from __future__ import annotations

from itertools import groupby

from sqlmodel import Session, select

from storage.models import ChecklistItem, InternalAudit, Nonconformity
from storage.vocab import Labelled

KEY_POINTS = {"9.2.1a": "目标是否完成 / Objectives met", "9.2.1b": "绩效是否改进 / Performance improved",
              "9.2.1c": "资源是否充分到位 / Resources adequate", "9.2.1d": "经营是否合规 / Operations compliant",
              "9.2.1e": "人员能力是否满足 / Competence adequate"}


class Result(Labelled):
    pending = ("pending", "未检查", "Not checked")
    conform = ("conform", "符合", "Conforms")
    observation = ("observation", "观察项", "Observation")
    minor_nc = ("minor_nc", "一般不符合", "Minor nonconformity")
    major_nc = ("major_nc", "严重不符合", "Major nonconformity")
    not_applicable = ("not_applicable", "不适用", "Not applicable")


def checklist(session: Session, audit: InternalAudit) -> list[ChecklistItem]:
    return list(session.exec(select(ChecklistItem).where(ChecklistItem.audit_id == audit.id)
                             .order_by(ChecklistItem.position)).all())


def summary(session: Session, audit: InternalAudit) -> dict:
    items = checklist(session, audit)
    by_result = {r.value: 0 for r in Result}
    for item in items:
        by_result[item.result] += 1
    by_chapter = []
    for chapter, group in groupby(items, key=lambda i: i.clause_id.split(".")[0]):
        group = list(group)
        by_chapter.append({"chapter": chapter, "total": len(group),
                           **{r.value: sum(i.result == r for i in group) for r in Result}})
    return {"total": len(items), "by_result": by_result, "by_chapter": by_chapter}


def findings(session: Session, audit: InternalAudit) -> list[Nonconformity]:
    """Every nonconformity the audit raised, in the order raised (a line may carry several), in one query."""
    return list(session.exec(select(Nonconformity).where(
        Nonconformity.enterprise_id == audit.enterprise_id, Nonconformity.source == "audit",
        Nonconformity.source_ref.startswith(f"{audit.number}/")).order_by(Nonconformity.id)).all())
