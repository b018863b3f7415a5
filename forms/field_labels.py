"""Names of stored fields as people call them, for history pages (the audit log keeps column names)."""

LABELS: dict[str, tuple[str, str]] = {
    "state": ("状态", "state"), "title": ("标题", "title"), "description": ("描述", "description"),
    "consequence": ("后果评价", "consequences"), "disposition": ("处置", "disposition"), "root_cause": ("原因", "root cause"),
    "severity": ("严重程度", "severity"), "preventive_measures": ("预防措施", "preventive measures"),
    "owner_id": ("负责人", "owner"), "due": ("期限", "due date"), "effective": ("有效性结论", "effectiveness"),
    "effectiveness_note": ("有效性评审", "effectiveness review"), "closed_on": ("关闭日期", "closed on"),
    "reopened": ("重新打开次数", "times reopened"), "conclusion": ("结论", "conclusion"),
    "report_sha256": ("审核报告", "audit report"), "planned_start": ("计划开始", "planned start"),
    "planned_end": ("计划结束", "planned end"), "team_ids": ("审核组", "audit team"), "lead_id": ("组长", "lead"),
    "inputs": ("评审输入", "review inputs"), "statements": ("书面说明", "statements"), "attendees": ("参加人员", "attendees"),
    "minutes": ("会议纪要", "minutes"), "held_on": ("会议日期", "meeting date"), "minutes_sha256": ("会议纪要文件", "minutes file"),
    "file_sha256": ("文件内容", "file content"), "file_name": ("文件名", "file name"), "media_type": ("文件类型", "file type"),
    "effective_date": ("生效日期", "effective date"), "next_review_due": ("下次评审", "next review"),
    "result": ("结果", "result"), "done_on": ("完成日期", "done on"), "notes": ("事实与证据", "facts and evidence"),
    "evidence": ("证据", "evidence"), "similar": ("类似问题", "similar issues"), "due_date": ("期限", "due date"),
    "planned_on": ("计划日期", "planned date"), "method": ("审核方法", "method"), "scope": ("范围", "scope"),
}


def label(name: str, lang: str) -> str:
    zh, en = LABELS.get(name, (name, name.replace("_", " ")))
    return en if lang == "en" else zh
