"""A fictional Shanxi cement group to explore and test with: 晋岩建材集团 and its plant.

Figures are invented but of a realistic size for a 5,000 t/d clinker line with waste-heat power;
the same seed always gives the same numbers.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date
from functools import cache

from pwdlib.hashers.argon2 import Argon2Hasher
from sqlmodel import Session, select

from forms.organisation import add_months
from storage.files import FileStore
from storage.models import ActivityRecord, ActivityRule, Enterprise, Person
from workflows.engine.credentials import hash_password
from workflows.people import organisation as org

GROUP, PLANT, SISTER = "JYGRP", "JYCEM", "JYXNC"
DEMO_PASSWORD = "jinyan-demo-2026"
FIRST_MONTH = date(2023, 1, 1)
MONTHS = 36

DEPARTMENTS = [
    ("GM", "总经理办公室"), ("ENV", "能源环保部（碳排放管理办公室）"), ("PROD", "生产技术部"),
    ("EQP", "设备动力部"), ("QC", "质量控制部"), ("SUP", "供应部"), ("FIN", "财务部"), ("HR", "人力资源部"),
]
PROCESSES = [
    ("P10", "石灰石破碎及输送", "Limestone crushing"), ("P20", "生料制备", "Raw meal preparation"),
    ("P30", "熟料煅烧", "Clinker burning"), ("P40", "水泥粉磨", "Cement grinding"),
    ("P50", "余热发电", "Waste-heat power"), ("P60", "辅助生产及厂内运输", "Auxiliaries and site transport"),
]
FACILITIES = [
    # code, name, process, kind, model, fuel, location, capacity, key emitter
    ("F-CR01", "锤式破碎机", "P10", "crusher", "TKPC2022", "电力", "矿山破碎车间", "1200 t/h", False),
    ("F-RM01", "生料立磨", "P20", "mill", "TRM53.4", "电力", "生料磨车间", "450 t/h", True),
    ("F-CM01", "煤磨", "P30", "mill", "MPF1713", "电力", "煤磨车间", "40 t/h", False),
    ("F-KL01", "1#回转窑（含分解炉）", "P30", "kiln", "Φ4.8×74m", "烟煤", "烧成车间", "5000 t/d 熟料", True),
    ("F-CL01", "篦式冷却机", "P30", "cooler", "TCFC5000", "电力", "烧成车间", "5000 t/d", False),
    ("F-CG01", "1#水泥磨", "P40", "mill", "Φ4.2×13m", "电力", "水泥磨车间", "180 t/h", True),
    ("F-CG02", "2#水泥磨", "P40", "mill", "Φ4.2×13m", "电力", "水泥磨车间", "180 t/h", True),
    ("F-WH01", "余热发电机组（自备电厂）", "P50", "captive_power", "N9-1.25/340", "余热", "余热电站", "9 MW", False),
    ("F-BL01", "燃气热风炉", "P60", "boiler", "RQL-4", "天然气", "辅助车间", "4 MW", False),
    ("F-MV01", "厂内装载机及运输车辆", "P60", "mobile", "ZL50 等", "柴油", "全厂", "18 台", False),
]
METERS = [
    # code, name, type, facility, quantity, unit, class, last calibrated
    ("M-E001", "总进线关口电能表", "electricity", None, "购入电量", "MWh", "0.2S", date(2026, 3, 15)),
    ("M-E002", "余热发电上网/自用电能表", "electricity", "F-WH01", "余热发电量", "MWh", "0.5S", date(2026, 3, 15)),
    ("M-E010", "生料立磨电能表", "electricity", "F-RM01", "耗电量", "MWh", "0.5S", date(2026, 4, 2)),
    ("M-E020", "1#水泥磨电能表", "electricity", "F-CG01", "耗电量", "MWh", "0.5S", date(2026, 4, 2)),
    ("M-E021", "2#水泥磨电能表", "electricity", "F-CG02", "耗电量", "MWh", "0.5S", date(2025, 8, 20)),
    ("M-W001", "入窑煤粉转子秤", "belt_scale", "F-KL01", "入窑煤量", "t", "0.5", date(2026, 5, 10)),
    ("M-W002", "入厂原煤汽车衡", "weighbridge", None, "进厂原煤", "t", "III", date(2026, 1, 8)),
    ("M-W003", "入窑生料计量仓", "belt_scale", "F-KL01", "入窑生料量", "t", "0.5", date(2026, 5, 10)),
    ("M-W004", "熟料皮带秤", "belt_scale", "F-CL01", "熟料产量", "t", "0.5", date(2026, 5, 10)),
    ("M-W005", "水泥出厂汽车衡", "weighbridge", None, "水泥销量", "t", "III", date(2026, 1, 8)),
    ("M-G001", "天然气流量计", "gas_flow", "F-BL01", "天然气消耗", "10^4 Nm3", "1.0", date(2026, 2, 1)),
    ("M-D001", "柴油加油机", "liquid_flow", "F-MV01", "柴油消耗", "t", "0.3", date(2026, 1, 12)),
]
PEOPLE = [
    # code, name, dept, position, username, roles
    ("E001", "王建国", "GM", "总经理", "wangjg", ["top_management", "carbon_body_member"]),
    ("E002", "李秀芳", "ENV", "能源环保部部长", "lixf", ["department_head", "carbon_body_member", "carbon_manager"]),
    ("E003", "张伟", "ENV", "碳排放管理员", "zhangw", ["carbon_manager"]),
    ("E004", "赵敏", "QC", "质量控制部部长、内审组长", "zhaom", ["department_head", "internal_auditor", "carbon_body_member"]),
    ("E005", "刘洋", "EQP", "设备动力部部长", "liuy", ["department_head", "carbon_body_member"]),
    ("E006", "陈静", "PROD", "生产技术部部长", "chenj", ["department_head", "carbon_body_member"]),
    ("E007", "杨帆", "PROD", "中控室操作员", "yangf", ["staff"]),
    ("E008", "周磊", "EQP", "计量员", "zhoul", ["staff", "internal_auditor"]),
    ("E009", "吴霞", "FIN", "财务主管", "wux", ["staff"]),
    ("E010", "孙涛", "SUP", "采购主管", "sunt", ["staff"]),
    ("E011", "黄志强", "GM", "信息系统管理员", "huangzq", ["administrator"]),
    ("X001", "郑琳（晋诚碳咨询）", None, "外部核查咨询顾问", "zhengl", ["external_provider"]),
    ("V001", "集团审计处 钱程", None, "集团审计观察员", "qianc", ["viewer"]),
]
# people of the group itself (JYGRP), as PEOPLE: the group's carbon manager reads every plant's carbon-market standing
GROUP_PEOPLE = [
    ("G001", "高峰", None, "集团碳排放管理负责人", "gaof", ["carbon_manager"]),
]


@cache
def _while_seeding() -> str:
    """The one hash every demo login has only inside the seeding transaction, at argon2's lightest cost: the
    lived year signs some forty times, each re-checking the password (~7 s of CPU at full cost). ``seed``
    replaces it with ``_own_hashes`` before it returns, so it is never committed."""
    return Argon2Hasher(time_cost=1, memory_cost=1024, parallelism=1).hash(DEMO_PASSWORD)


def _own_hashes(session: Session) -> None:
    """Each demo login its own salted hash at the cost real passwords get: one shared hash at argon2's lightest
    cost showed anyone reading the database that every account had the same password and cost nothing to
    crack, and a demo installation is often the one people go on using (changing the password)."""
    for person in session.exec(select(Person).where(Person.password_hash == _while_seeding())).all():
        person.password_hash = hash_password(DEMO_PASSWORD)
        session.add(person)
    session.flush()


@dataclass
class SeedReport:
    created: bool
    enterprises: int = 0
    counts: dict[str, int] = field(default_factory=dict)


def _monthly_series(rng: random.Random) -> list[tuple[date, dict[str, float]]]:
    """Clinker-driven monthly figures with the winter staggered shutdown (错峰生产) of Shanxi."""
    return [(add_months(FIRST_MONTH, i), month_figures(add_months(FIRST_MONTH, i), rng)) for i in range(MONTHS)]


def month_figures(month: date, rng: random.Random) -> dict[str, float]:
    """One ordinary month of the plant: the kiln runs a week in January, stops in February, part of March and
    December; a little more efficient each year."""
    run_days = {1: 8, 2: 0, 3: 22, 12: 20}.get(month.month, 29 + rng.choice([0, 1, 1, 2]) - 1)
    year_gain = 1 - 0.012 * (month.year - FIRST_MONTH.year)  # efficiency improves a little each year
    clinker = run_days * 5150 * rng.uniform(0.96, 1.03)
    cement = clinker / 0.78 * rng.uniform(0.97, 1.03) + (9000 if run_days == 0 else 0)
    coal = clinker * 0.148 * year_gain * rng.uniform(0.98, 1.02)
    raw_meal = clinker * 1.55 * rng.uniform(0.995, 1.005)
    power_own = clinker * 0.031 * rng.uniform(0.95, 1.04)  # MWh of waste-heat power
    power_used = (clinker * 0.058 + cement * 0.036) * year_gain + 350  # MWh, plant-wide
    return {
        "coal": coal, "raw_meal": raw_meal, "clinker": clinker, "cement": cement,
        "power_purchased": max(power_used - power_own, 300.0), "power_waste_heat": power_own,
        "natural_gas": rng.uniform(1.6, 2.4) if month.month in (11, 12, 1, 2, 3) else rng.uniform(0.4, 0.8),
        "diesel": rng.uniform(34, 46) * (0.4 if run_days < 10 else 1.0),
        "rm_power": raw_meal * 0.016, "cg1_power": cement * 0.018, "cg2_power": cement * 0.017,
    }


# series key → (facility, category, material, unit, source, meter)
SERIES = {
    "coal": ("F-KL01", "fuel_combustion", "bituminous_coal", "t", "measured", "M-W001"),
    "raw_meal": ("F-KL01", "process", "raw_meal", "t", "measured", "M-W003"),
    "clinker": ("F-KL01", "production", "clinker", "t", "measured", "M-W004"),
    "cement": (None, "production", "cement", "t", "measured", "M-W005"),
    "power_purchased": (None, "electricity_purchased", "grid_electricity", "MWh", "measured", "M-E001"),
    "power_waste_heat": ("F-WH01", "production", "waste_heat_electricity", "MWh", "measured", "M-E002"),
    "natural_gas": ("F-BL01", "fuel_combustion", "natural_gas", "10^4 Nm3", "measured", "M-G001"),
    "diesel": ("F-MV01", "fuel_combustion", "diesel", "t", "measured", "M-D001"),
    "rm_power": ("F-RM01", "electricity_consumed", "grid_electricity", "MWh", "measured", "M-E010"),
    "cg1_power": ("F-CG01", "electricity_consumed", "grid_electricity", "MWh", "measured", "M-E020"),
    "cg2_power": ("F-CG02", "electricity_consumed", "grid_electricity", "MWh", "measured", "M-E021"),
}


def seed(session: Session, store: FileStore | None = None) -> SeedReport:
    """Create the demo group once; a second call finds it and changes nothing. With a file store (where its
    documents' Word bodies go) the plant also lives its year (``steward.demo_year``); without, it is the
    organisation and three years of data only, from which tests start their own cycles."""
    if session.exec(select(Enterprise).where(Enterprise.code == PLANT)).first():
        return SeedReport(created=False)
    add = org.add
    add(session, "enterprise", {"code": GROUP, "name_zh": "晋岩建材集团有限公司", "name_en": "Jinyan Building Materials Group",
                                "industry": "cement", "address": "山西省太原市小店区（虚构）"})
    add(session, "enterprise", {"code": PLANT, "name_zh": "山西晋岩水泥有限公司", "name_en": "Shanxi Jinyan Cement Co., Ltd.",
                                "credit_code": "91140700MA0DEM7Q1X", "industry": "cement", "parent": GROUP,
                                "address": "山西省晋中市介休市义安镇（虚构）"})
    add(session, "enterprise", {"code": SISTER, "name_zh": "晋岩新材料（孝义）有限公司", "name_en": "Jinyan New Materials (Xiaoyi)",
                                "industry": "nonferrous", "parent": GROUP, "address": "山西省吕梁市孝义市（虚构）"})
    add(session, "site", {"code": "S1", "name": "义安主厂区", "address": "介休市义安镇工业园"}, enterprise_ref=PLANT)
    add(session, "site", {"code": "S2", "name": "石灰石矿山", "address": "介休市绵山北麓"}, enterprise_ref=PLANT)
    for code, name in DEPARTMENTS:
        add(session, "department", {"code": code, "name": name}, enterprise_ref=PLANT)
    for code, name, _en in PROCESSES:
        add(session, "process", {"code": code, "name": name, "site": "S2" if code == "P10" else "S1",
                                 "description": _en}, enterprise_ref=PLANT)
    for code, name, proc, kind, model, fuel, loc, cap, key in FACILITIES:
        add(session, "facility", {"code": code, "name": name, "process": proc, "kind": kind, "model": model,
                                  "fuel": fuel, "location": loc, "capacity": cap, "key_emitter": key},
            enterprise_ref=PLANT)
    for code, name, mtype, fac, qty, unit, acc, last in METERS:
        add(session, "meter", {"code": code, "name": name, "meter_type": mtype, "facility": fac, "quantity": qty,
                               "unit": unit, "accuracy_class": acc, "last_calibrated": last,
                               "serial_no": f"SN-{code}"},
            enterprise_ref=PLANT)
    for code, name, dept, position, username, roles in PEOPLE:
        person = add(session, "person", {"code": code, "name": name, "department": dept, "position": position,
                                         "email": f"{username}@jinyan-demo.example", "username": username,
                                         "roles": roles}, enterprise_ref=PLANT)
        person.password_hash = _while_seeding()
        session.add(person)
    for code, name, _dept, position, username, roles in GROUP_PEOPLE:
        person = add(session, "person", {"code": code, "name": name, "position": position, "username": username,
                                         "email": f"{username}@jinyan-demo.example", "roles": roles},
                     enterprise_ref=GROUP)
        person.password_hash = _while_seeding()
        session.add(person)
    add(session, "person", {"code": "E001", "name": "马强", "position": "总经理", "username": "maq",
                            "roles": ["top_management"]}, enterprise_ref=SISTER)
    for clause in ("4.2a", "4.2b", "4.2c", "4.2d"):
        add(session, "responsibility", {"clause_id": clause, "person": "E001", "assigned_on": date(2024, 1, 5)},
            enterprise_ref=PLANT)
    for clause, dept in (("4.3a", "ENV"), ("4.3b", "ENV"), ("4.3c", "HR"), ("4.3d", "ENV")):
        add(session, "responsibility", {"clause_id": clause, "department": dept, "assigned_on": date(2024, 1, 5)},
            enterprise_ref=PLANT)
    _seed_activity(session)
    _seed_obligations(session)
    _seed_measured_factors(session)
    _seed_accounting(session)
    _seed_carbon_market(session)
    # maker-checker on: what staff enter from now waits for a carbon manager before a run counts it
    session.add(ActivityRule(enterprise_id=org.enterprise(session, PLANT).id, confirm_staff_data=True,
                             changed_by="demo-seed"))
    if store is not None:
        from steward import demo_year
        demo_year.live(session, store)
    _own_hashes(session)
    return SeedReport(created=True)


def _seed_accounting(session: Session) -> None:
    """Account 2023–2025 and put a 2023 baseline in force, so the dashboard has a trend to show."""
    from workflows.accounting import baseline, runs
    from workflows.engine import machine
    from workflows.engine.machine import actor_for
    plant = org.enterprise(session, PLANT)
    for year in (2023, 2024, 2025):  # every year on record, so trends have more than one point
        runs.run(session, plant.id, year, "demo-seed")
    proposed = baseline.propose(session, actor_for(session, "lixf"), 2023)
    machine.fire(session, baseline.LIFECYCLE, proposed, "approve", actor_for(session, "wangjg"), password=DEMO_PASSWORD)


def _seed_carbon_market(session: Session) -> None:
    """The plant is on the national list from data year 2024 (cement joined then), with its province's 40 days."""
    from workflows.engine.machine import actor_for
    from workflows.ets import profile
    profile.save(session, actor_for(session, "lixf"), sector="cement", listed_from=2024)


# The plant's own laboratory figures (invented): clinker chemistry, raw-meal organic carbon, coal NCV per year.
MEASURED = [
    ("cao", "clinker", 0.655, "fraction", "熟料化学全分析月报（虚构）"),
    ("cao_noncarbonate", "clinker", 0.008, "fraction", "熟料化学全分析月报（虚构）"),
    ("mgo", "clinker", 0.022, "fraction", "熟料化学全分析月报（虚构）"),
    ("mgo_noncarbonate", "clinker", 0.003, "fraction", "熟料化学全分析月报（虚构）"),
    ("toc", "raw_meal", 0.0012, "fraction", "生料有机碳测定报告（虚构）"),
]
COAL_NCV = {2023: 22.40, 2024: 22.75, 2025: 22.90}


def _seed_measured_factors(session: Session) -> None:
    from workflows.accounting import calculation
    from workflows.engine.machine import actor_for
    manager = actor_for(session, "lixf")
    for parameter, material, value, unit, evidence in MEASURED:
        calculation.add_measured_factor(session, manager, parameter=parameter, material=material, value=value,
                                       unit=unit, valid_from=FIRST_MONTH, evidence=evidence)
    for year, ncv in COAL_NCV.items():
        calculation.add_measured_factor(session, manager, parameter="ncv", material="bituminous_coal", value=ncv,
                                       unit="GJ/t", valid_from=date(year, 1, 1), valid_to=date(year, 12, 31),
                                       evidence=f"{year} 年入厂煤月度化验加权平均（虚构）")


# Real instruments a Shanxi cement plant answers to (titles and numbers as published); the group rule is invented.
OBLIGATIONS = [
    ("OB-001", "碳排放权交易管理暂行条例", "regulation", "9.1.1c", "国务院", "国务院令第775号", date(2024, 5, 1),
     "按规定报送年度排放报告、接受核查并按时足额清缴配额"),
    ("OB-002", "碳排放权交易管理办法（试行）", "regulation", "9.1.1c", "生态环境部", "生态环境部令第19号", date(2021, 2, 1),
     "重点排放单位编制排放报告、清缴配额、信息公开"),
    ("OB-003", "工业企业温室气体排放核算和报告通则", "standard", "9.1.1b", "国家标准化管理委员会", "GB/T 32150-2015",
     date(2016, 6, 1), "按通则确定边界、识别排放源并核算报告"),
    ("OB-004", "水泥单位产品能源消耗限额", "standard", "9.1.1b", "国家市场监督管理总局", "GB 16780-2021",
     date(2022, 10, 1), "熟料和水泥单位产品综合能耗不高于限定值"),
    ("OB-005", "用能单位能源计量器具配备和管理通则", "standard", "9.1.1b", "国家标准化管理委员会", "GB 17167-2006",
     date(2007, 7, 1), "能源计量器具配备率、准确度等级和检定周期满足要求"),
    ("OB-006", "晋岩集团碳排放管理考核办法（虚构）", "stakeholder", "9.1.1d", "晋岩建材集团", "JYGRP-ZD-2024-07",
     date(2024, 3, 1), "每季度向集团报送排放与强度数据，年度强度下降 2%"),
]


def _seed_obligations(session: Session) -> None:
    from workflows.engine.machine import actor_for
    from workflows.improvement import compliance
    session.flush()
    manager = actor_for(session, "lixf")
    for code, title, kind, clause, issuer, ref, effective, requirement in OBLIGATIONS:
        compliance.add_obligation(session, manager, code, title=title, kind=kind, clause_id=clause, issuer=issuer,
                                  reference=ref, effective_from=effective, requirement=requirement)


def _seed_activity(session: Session) -> None:
    rng = random.Random(2026)
    add_activity(session, _monthly_series(rng))


def add_activity(session: Session, months: list[tuple[date, dict[str, float]]]) -> None:
    """The plant's monthly lines (``SERIES`` keys → quantity), each from its meter and the monthly report."""
    plant = org.enterprise(session, PLANT)
    facilities = {f.code: f.id for f in org.listing(session, "facility", PLANT)}
    meters = {m.code: m.id for m in org.listing(session, "meter", PLANT)}
    for month, values in months:
        for key, qty in values.items():
            fac, category, material, unit, source, meter = SERIES[key]
            session.add(ActivityRecord(
                enterprise_id=plant.id, facility_id=facilities[fac] if fac else None, period=month,
                category=category, material=material, quantity=round(qty, 3), unit=unit, source=source,
                meter_id=meters[meter], evidence=f"{month:%Y-%m} 生产月报 / monthly production report"))
    session.flush()


def new_year(months: int = 4, seed: int = 2027) -> list[tuple[date, dict[str, float]]]:
    """Ordinary figures for the first ``months`` months after the demo's three years (January 2026 on)."""
    rng = random.Random(seed)
    first = add_months(FIRST_MONTH, MONTHS)
    return [(add_months(first, i), month_figures(add_months(first, i), rng)) for i in range(months)]
