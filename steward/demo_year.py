"""The demo's lived year (December 2025 to November 2026): what 晋岩水泥 did with the system, so that every page
a newcomer opens shows the product at work. Every step goes through the same use cases a person's click does,
signatures included, so the audit log, tasks and states are what a real year leaves.

Dates of the records people keep are fixed in that year (``AS_OF`` is its last day); what the system stamps itself
(issue dates, sign-off times) is the day the demo is seeded. All names and figures are invented."""

from __future__ import annotations

import io
from datetime import date, timedelta

import docx
from sqlmodel import Session, select

from steward.demo import DEMO_PASSWORD, PLANT
from storage.files import FileStore
from storage.models import ChecklistItem, CorrectiveAction, Distribution, Nonconformity, Person, Revision
from workflows.accounting import anomalies, dq_plan
from workflows.audit import internal_audit as audits
from workflows.audit import readiness
from workflows.documents import document as docs
from workflows.documents import records
from workflows.engine import clock, machine
from workflows.engine.machine import actor_for
from workflows.improvement import compliance, improvement
from workflows.improvement import nonconformity as ncs
from workflows.people import organisation as org
from workflows.planning import carbon_assets, objectives, reduction
from workflows.review import review as reviews

AS_OF = date(2026, 11, 30)  # the last day of the demo's year: the evidence map is judged on it
MAX_BYTES = 20 << 20
ALL_DEPARTMENTS = ["GM", "ENV", "PROD", "EQP", "QC", "SUP", "FIN", "HR"]

# type, title, clauses it serves, departments that must read it, sections (heading, text)
DOCUMENTS = [
    ("policy", "碳排放管理方针", ["5.2.1", "5.2.2"], ALL_DEPARTMENTS, [
        ("方针", "依法合规、精准计量、降碳增效、持续改进。"),
        ("政策一致（5.2.1 a）", "贯彻国家和山西省碳达峰碳中和部署，落实水泥行业碳达峰实施方案的要求。"),
        ("战略一致（5.2.1 b）", "与公司“绿色建材、低碳运营”的发展战略一致，覆盖石灰石开采、熟料煅烧、水泥粉磨及余热发电全过程。"),
        ("合规（5.2.1 c）", "遵守《碳排放权交易管理暂行条例》等法律法规和核算报告标准，按时报送排放报告、足额履约清缴配额。"),
        ("社会责任（5.2.1 d）", "履行节能降碳社会责任，以 2023 年为基准年逐年降低熟料单位产品碳排放，并向社会公开。"),
        ("持续改进（5.2.1 e）", "通过内部审核、管理评审和纠正措施持续改进碳排放绩效；最高管理者保障所需人员、资金和设备。"),
    ]),
    ("procedure", "碳排放管理职责与资源保障制度", ["4.1", "4.2", "4.3", "5.1.3", "7.2"], ["GM", "ENV", "FIN", "HR"], [
        ("目的", "明确最高管理者、碳排放管理机构及各部门的职责，保障碳排放管理所需资源。"),
        ("最高管理者职责", "批准方针、目标和资源计划，主持管理评审，将碳排放管理纳入公司发展规划。"),
        ("碳排放管理办公室", "设在能源环保部，负责核算、数据质量、文件记录、内审组织和碳资产管理。"),
        ("资源", "每年编制碳排放管理预算，覆盖计量监测、培训、技术改造、咨询核查和信息系统。"),
    ]),
    ("procedure", "文件和记录控制程序", ["7.5.1", "7.5.2", "7.4.1"], ALL_DEPARTMENTS, [
        ("目的", "确保碳排放管理体系文件受控、现行有效，记录完整、可追溯。"),
        ("编号与审批", "文件按“企业代码-类型-序号”编号，经编制、审核、批准后由碳排放管理办公室签发。"),
        ("发放与宣贯", "签发后系统通知发放范围内人员阅读确认；作废文件加盖作废标识并保留。"),
        ("记录保存", "核算与监测记录保存不少于 10 年，其他记录不少于 5 年。"),
    ]),
    ("procedure", "碳排放核算与数据质量管理程序", ["6.1.1", "6.1.2", "6.1.3", "8.1.1", "8.1.2", "8.1.3"],
     ["ENV", "PROD", "EQP", "QC"], [
        ("目的", "规定碳排放现状调查、月度核算、数据质量控制和异常数据处理的方法。"),
        ("核算边界", "以法人为边界，按 GB/T 32151.8 核算燃料燃烧、熟料煅烧过程及购入电力排放。"),
        ("数据质量控制", "每年编制数据质量控制计划；计量器具按期检定；燃煤低位发热量逐月化验。"),
        ("异常数据", "系统每日比对月度数据，偏离历史水平的数据由能源环保部核实并记录处理结论。"),
    ]),
    ("procedure", "内部审核与管理评审程序", ["9.2.1", "9.2.2", "9.2.3", "9.3.1", "9.3.2"], ["GM", "ENV", "QC"], [
        ("内部审核", "每年至少一次覆盖指南全部条款的内部审核，审核员不审核本部门工作。"),
        ("管理评审", "每年由总经理主持一次管理评审，输入按指南 9.3.1 逐项准备，输出形成决定并跟踪落实。"),
    ]),
    ("procedure", "不符合、纠正措施与持续改进程序", ["10.1", "10.2", "10.3", "10.4"], ["ENV", "PROD", "EQP", "QC"], [
        ("不符合处理", "对发现的不符合分析原因、评估后果、采取纠正和纠正措施，并验证有效性。"),
        ("持续改进", "通过改进登记跟踪来自审核、评审、员工建议和数据分析的改进机会。"),
    ]),
    ("instruction", "入窑煤粉计量与煤质化验作业指导书", ["8.1.3", "8.3"], ["PROD", "QC", "EQP"], [
        ("计量", "入窑煤粉由转子秤 M-W001 连续计量，中控每班记录累计量。"),
        ("采样与化验", "入厂煤每批采样，按 GB/T 213 测定低位发热量，月度加权平均后录入系统。"),
    ]),
    ("instruction", "能源计量器具检定校准作业指导书", ["7.2", "8.1.3"], ["EQP", "ENV"], [
        ("台账", "全部能源计量器具登记台账，注明准确度等级、检定周期和下次检定日期。"),
        ("检定", "到期前一个月送检或请计量院现场检定，检定证书扫描件上传系统。"),
    ]),
]

# people who have not yet read and confirmed what was issued to them (everyone else has)
UNREAD = {"yangf", "sunt"}


def live(session: Session, store: FileStore) -> None:
    """Everything the plant did in the demo year, in the order it happened, with the readiness the dashboard
    charts taken after each stage on the day it ended (so its trend shows how the system was built up)."""
    plant = org.enterprise(session, PLANT).id
    steps = [(date(2025, 12, 31), lambda: _duties(session)), (date(2026, 1, 31), lambda: (_documents(session, store), _daily_data(session, store))),
             (date(2026, 3, 31), lambda: _kept_records(session)),
             (date(2026, 4, 30), lambda: (_objectives_and_measures(session), _assets(session))),
             (date(2026, 5, 31), lambda: (_compliance(session), _data_quality(session, store), _improvements(session),
                                          _annual_report(session, store))),
             (date(2026, 5, 31), lambda: _verification(session)),
             (date(2026, 6, 30), lambda: _audit(session, store)), (date(2026, 7, 31), lambda: _review(session, store)),
             (AS_OF, lambda: _carbon_market(session, store))]
    for day, step in steps:
        step()
        readiness.snapshot(session, plant, day)


# clause → the department that carries it (4.3), beyond the 4.2/4.3 duties the organisation already has
DUTIES = {"5.1": "GM", "5.2": "GM", "6.1": "ENV", "6.2": "ENV", "6.3": "ENV", "6.4": "PROD", "7.1": "HR", "7.2": "FIN",
          "7.3": "SUP", "7.4": "ENV", "7.5": "ENV", "8.1": "ENV", "8.2": "SUP", "8.3": "EQP", "8.4": "PROD", "8.5": "ENV",
          "9.1": "ENV", "9.2": "QC", "9.3": "GM", "10": "QC"}


def _duties(session: Session) -> None:
    for clause_id, department in DUTIES.items():
        org.add(session, "responsibility", {"clause_id": clause_id, "department": department,
                                            "assigned_on": date(2025, 12, 1)}, enterprise_ref=PLANT)


def body(number: str, title: str, sections: list[tuple[str, str]]) -> bytes:
    """A plain Word body: the title, the number, numbered sections."""
    out = docx.Document()
    out.add_heading(title, level=0)
    out.add_paragraph(f"文件编号：{number}    山西晋岩水泥有限公司（虚构）")
    for i, (heading, text) in enumerate(sections, 1):
        out.add_heading(f"{i} {heading}", level=1)
        out.add_paragraph(text)
    buf = io.BytesIO()
    out.save(buf)
    return buf.getvalue()


def _issue(session: Session, rev: Revision, store: FileStore, data: bytes, name: str) -> None:
    """Upload, then sign it through to issued."""
    docs.upload(session, actor_for(session, "lixf"), rev, name, io.BytesIO(data), store, MAX_BYTES)
    _sign_through(session, rev)


def _sign_through(session: Session, rev: Revision) -> None:
    """Submit → review → approve → issue, each signed by the person whose duty it is."""
    for trigger, who in (("submit", "lixf"), ("review", "chenj"), ("approve", "wangjg"), ("issue", "lixf")):
        machine.fire(session, docs.LIFECYCLE, rev, trigger, actor_for(session, who), password=DEMO_PASSWORD)


def _documents(session: Session, store: FileStore) -> None:
    manager = actor_for(session, "lixf")
    for doc_type, title, clause_ids, departments, sections in DOCUMENTS:
        doc, rev = docs.create(session, manager, doc_type=doc_type, title=title, clause_ids=clause_ids,
                               departments=departments, retention_years=10)
        _issue(session, rev, store, body(doc.number, title, sections), f"{doc.number}-r1.docx")
    issued = session.exec(select(Revision).where(Revision.state == "issued",
                                                 Revision.enterprise_id == manager.enterprise_id)).all()
    for rev in issued:  # everyone has read and confirmed what they were given, but for two who are behind
        for entry in session.exec(select(Distribution).where(Distribution.revision_id == rev.id)).all():
            person = session.get(Person, entry.person_id)
            if person.username and person.username not in UNREAD:
                docs.acknowledge(session, actor_for(session, person.username), rev)


# form → records as people typed them, each with the day it was kept
KEPT: dict[str, list[tuple[date, dict]]] = {
    "context_issue": [
        (date(2026, 1, 12), {"clause": "5.1.2a", "issue": "水泥行业纳入全国碳排放权交易市场，2025 年度起履约",
                             "effect": "threat", "response": "提前测算配额缺口，制定履约资金计划"}),
        (date(2026, 1, 12), {"clause": "5.1.2b", "issue": "山西省重点行业碳排放管理体系建设指南发布", "effect": "neutral",
                             "response": "按指南建立体系并开展内审"}),
        (date(2026, 1, 12), {"clause": "5.1.2c", "issue": "下游商混企业要求提供产品碳足迹数据", "effect": "opportunity",
                             "response": "开展 P.O 42.5 水泥碳足迹核算"}),
        (date(2026, 1, 12), {"clause": "5.1.2d", "issue": "错峰生产政策使冬季停窑 2–3 个月", "effect": "neutral",
                             "response": "停窑期安排技改和计量器具检定"}),
        (date(2026, 1, 12), {"clause": "5.1.2e", "issue": "煤价波动、熟料需求下降", "effect": "threat",
                             "response": "提高替代燃料和余热发电比例"}),
        (date(2026, 1, 12), {"clause": "5.1.2f", "issue": "集团要求年度强度下降 2%", "effect": "neutral",
                             "response": "纳入年度目标"}),
        (date(2026, 1, 12), {"clause": "5.1.3a", "issue": "公司“十五五”规划将低碳转型列为战略重点", "effect": "opportunity",
                             "response": "碳排放管理纳入年度经营计划"}),
        (date(2026, 1, 12), {"clause": "5.1.3b", "issue": "合规义务清单已识别 6 项", "effect": "neutral",
                             "response": "每年开展合规性评价"}),
        (date(2026, 1, 12), {"clause": "5.1.3c", "issue": "核算人员 2 名，持证 1 名", "effect": "threat",
                             "response": "安排培训取证"}),
        (date(2026, 1, 12), {"clause": "5.1.3e", "issue": "中控 DCS 与能源管理系统数据可自动采集", "effect": "opportunity",
                             "response": "逐步实现活动数据自动导入"}),
    ],
    "risk": [
        (date(2026, 1, 20), {"clause": "6.2.2a", "risk": "电能表检定过期导致数据失准", "likelihood": 3, "impact": 4,
                             "response": "建立检定台账与到期提醒", "owner": "刘洋"}),
        (date(2026, 1, 20), {"clause": "6.2.2b", "risk": "配额缺口扩大，履约成本上升", "likelihood": 3, "impact": 4,
                             "response": "分季度购入配额，控制均价", "owner": "李秀芳"}),
        (date(2026, 1, 20), {"clause": "6.2.2c", "risk": "燃煤低位发热量未按批化验，采用缺省值导致多报", "likelihood": 2,
                             "impact": 3, "response": "执行煤质化验作业指导书", "owner": "赵敏"}),
        (date(2026, 1, 20), {"clause": "6.2.2d", "risk": "核算人员流动造成能力断档", "likelihood": 2, "impact": 3,
                             "response": "AB 角设置与年度培训", "owner": "李秀芳"}),
        (date(2026, 1, 20), {"clause": "6.2.2e", "risk": "未按期报送排放报告", "likelihood": 1, "impact": 5,
                             "response": "系统日历提醒，提前一个月完成核查", "owner": "张伟"}),
        (date(2026, 1, 20), {"clause": "6.2.2f", "risk": "供应商煤质波动", "likelihood": 3, "impact": 2,
                             "response": "合同约定热值下限", "owner": "孙涛"}),
        (date(2026, 1, 20), {"clause": "6.2.3a", "risk": "篦冷机热效率低，熟料热耗偏高", "likelihood": 4, "impact": 3,
                             "response": "实施篦冷机改造", "owner": "刘洋"}),
        (date(2026, 1, 20), {"clause": "6.2.3b", "risk": "低碳水泥产品市场机会未把握", "likelihood": 2, "impact": 3,
                             "response": "开发低熟料系数水泥", "owner": "陈静"}),
        (date(2026, 1, 20), {"clause": "6.2.3c", "risk": "余热发电利用不足", "likelihood": 3, "impact": 3,
                             "response": "优化余热锅炉运行", "owner": "刘洋"}),
        (date(2026, 1, 20), {"clause": "6.2.3e", "risk": "技改资金不到位", "likelihood": 2, "impact": 4,
                             "response": "纳入年度预算", "owner": "吴霞"}),
        (date(2026, 1, 20), {"clause": "6.2.3f", "risk": "内审员经验不足", "likelihood": 2, "impact": 2,
                             "response": "参加外部内审员培训", "owner": "赵敏"}),
        (date(2026, 1, 20), {"clause": "6.2.3g", "risk": "CCER 价格波动", "likelihood": 3, "impact": 2,
                             "response": "按需少量购入，控制抵销比例", "owner": "李秀芳"}),
    ],
    "budget": [
        (date(2026, 1, 25), {"year": 2026, "item": "在线计量与能源管理系统升级", "category": "monitoring",
                             "planned_cny": 300000, "spent_cny": 186000}),
        (date(2026, 1, 25), {"year": 2026, "item": "核算与内审员培训", "category": "training", "planned_cny": 36000,
                             "spent_cny": 21500}),
        (date(2026, 1, 25), {"year": 2026, "item": "篦冷机改造", "category": "technology", "planned_cny": 4800000,
                             "spent_cny": 4520000}),
        (date(2026, 1, 25), {"year": 2026, "item": "第三方核查与碳足迹咨询", "category": "consulting",
                             "planned_cny": 120000, "spent_cny": 80000}),
    ],
    "competence": [
        (date(2026, 2, 10), {"person": "张伟", "post": "碳排放管理员", "education": "环境工程本科",
                             "qualification": "碳排放管理员（三级）", "experience_years": 4, "assessment": "competent"}),
        (date(2026, 2, 10), {"person": "周磊", "post": "计量员、内审员", "education": "自动化专科",
                             "qualification": "内审员证书", "experience_years": 8, "assessment": "competent"}),
        (date(2026, 2, 10), {"person": "杨帆", "post": "中控室操作员", "education": "化工工艺专科",
                             "experience_years": 2, "assessment": "needs_training"}),
    ],
    "training_plan": [
        (date(2026, 1, 15), {"year": 2026, "topics": "核算指南；数据质量控制；内审员培训；全员碳意识", "audience": "核算员、计量员、内审员、全员",
                             "schedule": "3 月、6 月、9 月", "budget_cny": 36000}),
    ],
    "training": [
        (date(2026, 3, 18), {"topic": "水泥行业温室气体核算指南（GB/T 32151.8）", "kind": "standard", "trainer": "李秀芳",
                             "attendees": 12, "hours": 4, "passed": 11}),
        (date(2026, 5, 22), {"topic": "碳排放管理体系内审员培训", "kind": "management", "trainer": "郑琳（晋诚碳咨询）",
                             "attendees": 6, "hours": 16, "passed": 6}),
        (date(2026, 6, 9), {"topic": "全员低碳意识：方针与岗位节能", "kind": "awareness", "trainer": "张伟", "attendees": 85,
                            "hours": 1.5}),
    ],
    "communication": [
        (date(2026, 3, 28), {"direction": "external", "channel": "platform", "counterpart": "省生态环境厅",
                             "subject": "2025 年度排放报告报送", "outcome": "已受理"}),
        (date(2026, 4, 30), {"direction": "external", "channel": "letter", "counterpart": "晋岩建材集团",
                             "subject": "一季度排放与强度数据报送", "outcome": "集团已确认"}),
        (date(2026, 6, 5), {"direction": "internal", "channel": "meeting", "counterpart": "碳排放管理领导小组",
                            "subject": "上半年目标进展与篦冷机改造", "outcome": "确定改造验收节点"}),
        (date(2026, 6, 10), {"direction": "internal", "channel": "notice", "counterpart": "全体员工",
                            "subject": "碳排放管理方针宣贯", "outcome": "各部门组织学习"}),
    ],
    "provider_evaluation": [
        (date(2026, 4, 15), {"provider": "晋诚碳咨询（虚构）", "service": "体系建设咨询与内审员培训",
                             "contract_no": "JY-HT-2026-011", "score": 88, "conclusion": "keep"}),
        (date(2026, 4, 15), {"provider": "某省计量科学研究院（虚构）", "service": "能源计量器具检定",
                             "contract_no": "JY-HT-2026-004", "score": 92, "conclusion": "keep"}),
    ],
    "supply_chain": [
        (date(2026, 3, 3), {"supplier": "晋北煤业（虚构）", "supplies": "烟煤", "clause": "8.2a",
                            "low_carbon_criteria": "低位热值不低于 21 GJ/t", "green_share_pct": 0,
                            "evidence": "供货合同 2026-03"}),
        (date(2026, 3, 3), {"supplier": "介休电力（虚构）", "supplies": "外购电力", "clause": "8.2b",
                            "low_carbon_criteria": "绿电比例逐年提高", "green_share_pct": 12, "evidence": "购电协议"}),
        (date(2026, 3, 3), {"supplier": "义安物流（虚构）", "supplies": "水泥运输", "clause": "8.2c",
                            "low_carbon_criteria": "国六及新能源车辆优先", "green_share_pct": 30, "evidence": "运输合同"}),
        (date(2026, 3, 3), {"supplier": "孝义钢渣（虚构）", "supplies": "钢渣替代原料", "clause": "8.2d",
                            "low_carbon_criteria": "替代石灰质原料降低过程排放", "green_share_pct": 5,
                            "evidence": "试用报告"}),
        (date(2026, 3, 3), {"supplier": "各包装袋供应商", "supplies": "包装袋", "clause": "8.2e",
                            "low_carbon_criteria": "可回收材料", "evidence": "采购评审"}),
        (date(2026, 3, 3), {"supplier": "下游商混客户", "supplies": "产品碳足迹数据", "clause": "8.2f",
                            "low_carbon_criteria": "按 ISO 14067 提供足迹声明", "evidence": "客户函件"}),
    ],
    "footprint_data": [
        (date(2026, 5, 30), {"subject": "P.O 42.5 水泥", "kind": "product_footprint", "value": 612, "unit": "kgCO2e/t",
                             "boundary": "cradle_to_gate", "standard": "ISO 14067", "source": "晋诚碳咨询核算报告（虚构）",
                             "year": 2025}),
    ],
    "objective_review": [
        (date(2026, 7, 8), {"year": 2026, "conclusion": "上半年熟料单位排放较基准年下降 1.6%，进度符合预期",
                            "next_steps": "下半年完成篦冷机改造验收"}),
    ],
}


def _kept_records(session: Session) -> None:
    manager = actor_for(session, "lixf")
    for form, rows in KEPT.items():
        for on, payload in rows:
            records.add(session, manager, form, payload, recorded_on=on)


PLAN = {"a": "篦冷机改造、余热发电优化、替代原料", "b": "停窑期改造，逐月跟踪热耗与电耗",
        "c": "设备动力部 6 人，技改资金 480 万元", "d": "设备动力部实施，能源环保部核算，总经理批准",
        "e": "2026 年 3 月完成改造，6 月验收，年底评价", "f": "按核算结果比较基准年强度，经第三方核查"}


def _objectives_and_measures(session: Session) -> None:
    manager = actor_for(session, "lixf")
    goal = objectives.add(session, manager, title="2026 年熟料单位产品排放较 2023 年下降 3%", level="enterprise",
                          metric="intensity:clinker", target_year=2026, reduction_pct=3, plan=PLAN, owner="lixf")
    objectives.add(session, manager, title="熟料煅烧工序排放较基准年下降 2%", level="process", scope="P30", metric="total",
                   target_year=2026, reduction_pct=2, plan=PLAN, clause_id="6.4.2b", parent=goal.number, owner="liuy")
    objectives.add(session, manager, title="1# 回转窑排放较基准年下降 2%", level="facility", scope="F-KL01", metric="total",
                   target_year=2026, reduction_pct=2, plan=PLAN, clause_id="6.4.2c", parent=goal.number, owner="chenj")
    measures = [  # title, tonnes a year, capex, how verified, stage reached
        ("篦冷机改造（第四代）", 9800, 4_800_000, "改造前后熟料热耗对比，第三方核查", "verified"),
        ("余热锅炉优化运行", 3200, 200_000, "余热发电量对比", "implemented"),
        ("2# 水泥磨变频改造", 1500, 650_000, "单位水泥电耗对比", "planned"),
        ("钢渣替代部分石灰石", 6000, 300_000, "生料碳酸盐含量与过程排放对比", "identified"),
    ]
    for title, tonnes, capex, verification, stage in measures:
        row = reduction.add(session, manager, title=title, abatement_t=tonnes, verification=verification, capex=capex,
                            owner="liuy")
        for step in reduction.STAGES[1:reduction.STAGES.index(stage) + 1]:
            reduction.advance(session, manager, row.number, step, achieved_t=tonnes * 0.93 if step == "verified" else None,
                              evidence="改造验收报告及 2026 年 4–9 月热耗统计" if step == "verified" else "")
        records.add(session, manager, "reduction_measure", {
            "measure": title, "stage": stage, "expected_t": tonnes, "verification": verification,
            **({"achieved_t": tonnes * 0.93} if stage == "verified" else {})}, recorded_on=date(2026, 6, 12))


def _assets(session: Session) -> None:
    manager = actor_for(session, "lixf")
    for on, price in ((date(2026, 3, 31), 88.5), (date(2026, 6, 30), 92.0), (date(2026, 9, 30), 95.3),
                      (date(2026, 11, 27), 97.1)):
        carbon_assets.add_price(session, manager, "CEA", on, price, "全国碳市场收盘价（示例值）")
    carbon_assets.add_price(session, manager, "CCER", date(2026, 11, 27), 78.0, "CCER 成交均价（示例值）")
    due_2024, due_2025 = (carbon_assets.verified_emissions(session, manager.enterprise_id, year) for year in (2024, 2025))
    record = carbon_assets.record
    record(session, manager, kind="CEA", vintage=2024, txn="allocate", quantity=round(due_2024 * 0.97), on=date(2025, 9, 1),
           reference="省生态环境厅 2024 年度配额分配通知")
    record(session, manager, kind="CEA", vintage=2024, txn="buy", quantity=round(due_2024 * 0.03) + 1,
           on=date(2025, 11, 20), price=86.0, reference="全国碳市场挂牌成交")
    record(session, manager, kind="CEA", vintage=2024, txn="surrender", quantity=round(due_2024 + 0.49),
           on=date(2025, 12, 18), compliance_year=2024, reference="2024 年度履约清缴")
    record(session, manager, kind="CEA", vintage=2025, txn="allocate", quantity=round(due_2025 * 0.95), on=date(2026, 8, 28),
           reference="省生态环境厅 2025 年度配额预分配通知")
    record(session, manager, kind="CEA", vintage=2025, txn="buy", quantity=20000, on=date(2026, 10, 15), price=95.0,
           reference="全国碳市场大宗协议交易")


VERIFIER = "晋融碳核查技术服务有限公司（虚构）"


def _verification(session: Session) -> None:
    """The 2025 report verified in April and May 2026: one batch's NCV assay was missing, so the verifier applied the
    default and the verified figure is a little above the report's; it becomes the 2025 surrender due."""
    from datetime import datetime, timezone

    from workflows.ets import verification
    manager = actor_for(session, "lixf")
    reported = verification.reported(session, manager.enterprise_id, 2025).tco2e
    with clock.reading(datetime(2026, 5, 25, 2, tzinfo=timezone.utc)):
        verification.record(
            session, manager, year=2025, verifier=VERIFIER, started_on=date(2026, 4, 20), ended_on=date(2026, 5, 22),
            verified_tco2e=round(reported * 1.0035, 1),
            findings="1. 2025 年 3 月第 2 批入厂煤低位发热量化验记录缺失，按保守原则采用缺省值，排放量相应调增；"
                     "2. 外购电量与供电公司结算单一致；3. 熟料产量与生产月报、盘库记录一致。建议完善煤样化验记录归档。")


def _compliance(session: Session) -> None:
    manager = actor_for(session, "lixf")
    evaluation = compliance.start_as(session, manager, "2026")
    codes = {o.id: o.code for o in compliance.obligations(session, manager)}
    for item in compliance.items(session, evaluation):
        compliance.evaluate(session, manager, evaluation, codes[item.obligation_id], "compliant",
                            evidence="排放报告、核查报告、履约记录")
    compliance.complete(session, manager, evaluation, summary="6 项合规义务全部满足；2025 年度配额清缴准备中。")


def _data_quality(session: Session, store: FileStore) -> None:
    manager = actor_for(session, "lixf")
    _sign_through(session, dq_plan.generate(session, manager, 2025, store, MAX_BYTES))
    for row in anomalies.scan_as(session, manager)[:3]:
        anomalies.resolve(session, manager, row.id, "confirmed", "核对生产月报：冬季错峰停窑，数据属实")


def _annual_report(session: Session, store: FileStore) -> None:
    """The 2025 annual emission report: 2025 accounted again (the last quarter's coal assays came in after the first
    run), the report generated from that frozen run, reviewed, and approved by top management, which finishes
    the carbon manager's 31 March task."""
    from workflows.accounting import runs
    from workflows.ets import annual
    from workflows.planning import yearly_duties
    manager = actor_for(session, "lixf")
    yearly_duties.ets_report(session, manager.enterprise_id, 2026)
    runs.run(session, manager.enterprise_id, 2025, manager.label)
    report = annual.generate(session, manager, 2025, store, MAX_BYTES)
    rev = annual.newest(session, report)
    for trigger, who in (("submit", "lixf"), ("review", "chenj"), ("approve", "wangjg")):
        machine.fire(session, docs.LIFECYCLE, rev, trigger, actor_for(session, who), password=DEMO_PASSWORD)


# Coal batches the plant's lab assayed in the last quarter of 2025 (invented): date, tonnes, NCV GJ/t, carbon (fraction),
# ash, moisture. Each month weighs out at the year's NCV, 22.90 GJ/t, and near the default carbon per unit of heat.
ASSAYS = [(date(2025, 10, 8), 9200.0, 22.70, 0.5925, 0.205, 0.081), (date(2025, 10, 22), 9800.0, 23.09, 0.6026, 0.198, 0.077),
          (date(2025, 11, 6), 8600.0, 22.82, 0.5956, 0.201, 0.083), (date(2025, 11, 20), 9100.0, 22.98, 0.5998, 0.203, 0.079),
          (date(2025, 12, 4), 8900.0, 22.60, 0.5899, 0.209, 0.085), (date(2025, 12, 18), 8700.0, 23.21, 0.6058, 0.196, 0.076)]
LAB = "山西省煤炭质量检测中心晋中分中心（虚构）"


def _daily_data(session: Session, store: FileStore) -> None:
    """以日保月: the coal assays of the last quarter, and December's hourly readings of two meters exported from the
    energy-monitoring system. The kiln coal scale read 2.4 % above the monthly report, beyond its class 0.5: the
    import finds it and puts it on the anomaly list with both figures; the grid meter agrees."""
    import csv
    import tempfile
    from pathlib import Path

    from forms.readings_import import HEADERS
    from storage.models import ActivityRecord, Meter
    from workflows.accounting import assays, readings
    from workflows.ets import month as ets_months
    manager = actor_for(session, "lixf")
    for day, tonnes, ncv, carbon, ash, moisture in ASSAYS:
        number = f"MZ-{day:%Y%m%d}"
        kept = assays.record(session, manager, store, material="bituminous_coal", sampled_on=day, quantity=tonnes,
                             ncv=ncv, carbon_content=carbon, ash=ash, moisture=moisture, lab=LAB,
                             report_name=f"{number}.pdf", report=f"%PDF-1.4\n% 煤质化验报告 {number}（虚构）\n".encode(),
                             max_bytes=MAX_BYTES)
        ets_months.attach_assays(session, kept.enterprise_id, kept.period, kept.material)
    plant = org.enterprise(session, PLANT).id
    month, hours = date(2025, 12, 1), 31 * 24
    with tempfile.TemporaryDirectory(prefix="demo-readings-") as tmp:
        path = Path(tmp) / "能源在线监测-2025-12.csv"
        with path.open("w", encoding="utf-8", newline="") as fh:
            out = csv.writer(fh)
            out.writerow(HEADERS)
            for code, off in (("M-W001", 1.024), ("M-E001", 1.001)):
                meter = session.exec(select(Meter).where(Meter.enterprise_id == plant, Meter.code == code)).one()
                booked = sum(session.exec(select(ActivityRecord.quantity).where(
                    ActivityRecord.meter_id == meter.id, ActivityRecord.period == month)).all())
                counter = 100_000.0
                for h in range(hours):  # the plant runs harder by day: the curve has a shape
                    share = (1.15 if 8 <= h % 24 < 20 else 0.85) * booked * off / hours
                    counter += share
                    out.writerow([code, f"2025-12-{h // 24 + 1:02d} {h % 24:02d}:00", f"{share:.4f}", f"{counter:.3f}",
                                  meter.unit])
        readings.import_upload(session, manager, store, path.name, path)


def _improvements(session: Session) -> None:
    manager = actor_for(session, "lixf")
    done = improvement.add(session, manager, title="活动数据由 DCS 自动导入", source="suggestion", owner="zhangw",
                           description="减少手工录入错误", due=clock.today() + timedelta(days=60))
    improvement.update(session, manager, done.number, "in_progress", "已完成接口测试")
    improvement.add(session, manager, title="推广低熟料系数水泥", source="data_analysis", owner="chenj",
                    due=clock.today() + timedelta(days=180))


FINDINGS = {  # clause → (result, note)
    "7.5.2c": ("minor_nc", "生产部 2026 年 4 月煤质化验记录未按程序编号归档，无法追溯到批次"),
    "8.1.3b": ("minor_nc", "2026 年 5 月入窑煤量与入厂煤量月度平衡差 3.8%，未记录分析"),
    "7.1.1c": ("observation", "中控操作员对碳排放方针了解不足，建议加强宣贯"),
}


def _audit(session: Session, store: FileStore) -> None:
    """The 2026 internal audit: planned, every clause checked, two findings raised and closed, report accepted."""
    plant = org.enterprise(session, PLANT)
    lead, member = actor_for(session, "zhaom"), actor_for(session, "zhoul")
    audits.ensure_programme(session, plant.id, 2026, "lixf", "覆盖指南全部条款，重点为数据质量和文件记录")
    audit = audits.plan(session, plant.id, year=2026, start=date(2026, 6, 15), end=date(2026, 6, 17), lead=lead.person,
                        team=[member.person], created_by="lixf", scope="全厂碳排放管理体系，指南第 4–10 章")
    audits.start(session, lead, audit)
    for item in session.exec(select(ChecklistItem).where(ChecklistItem.audit_id == audit.id)).all():
        result, note = FINDINGS.get(item.clause_id, ("conform", ""))
        audits.record(session, lead, audit, item.clause_id, result, note)
    audits.report(session, lead, audit, "体系基本有效运行；文件记录和数据平衡核查需加强，发现 2 项一般不符合、1 项观察项。",
                  DEMO_PASSWORD, store)
    manager, due = actor_for(session, "lixf"), clock.today() + timedelta(days=1)
    for nc in session.exec(select(Nonconformity).where(Nonconformity.enterprise_id == plant.id)).all():
        ncs.analyse(session, manager, nc, consequence="不影响年度排放量，但影响追溯", disposition="补充归档并复核",
                    root_cause="程序执行培训不足", severity="minor", preventive_measures="纳入月度数据核对清单")
        ncs.plan(session, manager, nc, [{"kind": "corrective", "description": "补齐记录并修订核对清单", "owner": "chenj",
                                         "due": due}])
        for action in session.exec(select(CorrectiveAction).where(CorrectiveAction.nonconformity_id == nc.id)).all():
            ncs.complete_action(session, actor_for(session, "chenj"), action, "已补齐 4–5 月记录，核对清单已修订")
        ncs.review_effectiveness(session, lead, nc, effective=True, note="抽查 8–9 月记录完整，平衡差已分析")
    audits.accept(session, actor_for(session, "wangjg"), audit, DEMO_PASSWORD, "同意审核结论")


def _review(session: Session, store: FileStore) -> None:
    """The 2026 management review: inputs compiled and stated, the meeting held, decisions made, signed off."""
    plant = org.enterprise(session, PLANT)
    manager = actor_for(session, "lixf")
    review, _ = reviews.ensure(session, plant.id, 2026, date(2026, 7, 16))
    reviews.compile_inputs(session, manager, review)
    for clause_id in reviews.missing_inputs(review):
        reviews.state_input(session, manager, review, clause_id, "本期已由碳排放管理办公室核实并汇报。")
    reviews.record_meeting(
        session, manager, review, held_on=date(2026, 7, 16), attendees=["王建国", "李秀芳", "赵敏", "刘洋", "陈静"],
        minutes="听取体系运行、2025 年度排放与上半年目标进展、内审结果和合规性评价汇报。",
        conclusion="体系充分、适宜、有效；篦冷机改造达到预期。",
        decisions=[{"decision": "2027 年完成 2# 水泥磨变频改造", "owner": "liuy", "due": clock.today() + timedelta(days=120)},
                   {"decision": "煤质化验记录纳入系统管理", "owner": "zhaom", "due": clock.today() + timedelta(days=45)}])
    reviews.sign_off(session, actor_for(session, "wangjg"), review, DEMO_PASSWORD, store)


# The 2026 months on the national platform: January to August submitted with the platform's receipts (March corrected
# and submitted again), September complete but past its deadline, October still lacking its assay reports.
ETS_RECEIPTS = {n: f"CETS-2026{n:02d}-JY{4100 + n * 7}" for n in range(1, 9)}


def _pdf(title: str) -> bytes:
    return (b"%PDF-1.4\n% " + title.encode("utf-8") + b"\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n"
            b"%%EOF\n")


def _carbon_market(session: Session, store: FileStore) -> None:
    from datetime import datetime, timezone

    from steward.demo import add_activity, new_year
    from workflows.accounting import calculation
    from workflows.ets import month as months
    from workflows.ets import reminders
    manager = actor_for(session, "lixf")
    plant = manager.enterprise_id
    add_activity(session, new_year(10))  # January to October 2026, from the meters and the monthly reports
    for parameter, value, unit, evidence in (("ncv", 23.05, "GJ/t", "2026 年入厂煤逐批化验加权平均（虚构）"),
                                             ("carbon_content", 0.02655, "tC/GJ", "2026 年入煤元素碳测定（虚构）")):
        calculation.add_measured_factor(session, manager, parameter=parameter, material="bituminous_coal", value=value,
                                        unit=unit, valid_from=date(2026, 1, 1), valid_to=date(2026, 12, 31),
                                        evidence=evidence)

    def at(day: date, hour: int = 10):
        return clock.reading(datetime(day.year, day.month, day.day, hour - 8, tzinfo=timezone.utc))

    def upload(month: date, skip: tuple[str, ...] = ()) -> None:
        for line in months.lines(session, plant, month, months.find(session, plant, month)):
            if line.item.code not in skip:
                name = f"{line.item.zh}-{month:%Y%m}.pdf"
                months.add_evidence(session, manager, month, line.item.code, name, io.BytesIO(_pdf(name)), store,
                                    MAX_BYTES)

    for number in range(1, 11):
        month = date(2026, number, 1)
        opened = date(2026, number + 1, 1) if number < 12 else date(2027, 1, 1)
        with at(opened, 8):
            reminders.open_month(session, plant, opened)
        with at(opened + timedelta(days=12)):
            upload(month, skip=("coal_ncv", "coal_carbon") if number == 10 else ())
        if number in ETS_RECEIPTS:
            with at(opened + timedelta(days=26), 15):
                months.submit(session, manager, month, receipt=ETS_RECEIPTS[number], password=DEMO_PASSWORD)
        if number == 3:
            with at(date(2026, 5, 8)):
                months.correct(session, manager, month, "熟料产量按盘库结果调整，重新报送")
                months.enter(session, manager, month, "clinker_output", 121350.0, "3 月熟料盘库报告（虚构）")
            with at(date(2026, 5, 9), 11):
                months.submit(session, manager, month, receipt=ETS_RECEIPTS[3] + "-R1", password=DEMO_PASSWORD)
    for day in (date(2026, 10, 30), date(2026, 11, 6), date(2026, 11, 10), AS_OF):  # as the daily round would
        with at(day, 8):
            reminders.remind(session, plant, day)
