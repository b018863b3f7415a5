"""Controlled vocabularies stored in columns, with their zh/en labels."""

from __future__ import annotations

from enum import StrEnum


class Labelled(StrEnum):
    """A StrEnum whose members carry zh/en labels: ``Member = ("code", "中文", "English")``."""

    def __new__(cls, value: str, zh: str = "", en: str = ""):
        obj = str.__new__(cls, value)
        obj._value_ = value
        obj.zh, obj.en = zh, en
        return obj

    def label(self, lang: str = "zh") -> str:
        return self.en if lang.startswith("en") else self.zh


class Industry(Labelled):
    power = ("power", "电力", "Power generation")
    chemicals = ("chemicals", "化工", "Chemicals")
    steel = ("steel", "钢铁", "Iron and steel")
    cement = ("cement", "水泥", "Cement")
    nonferrous = ("nonferrous", "有色金属", "Non-ferrous metals")
    aluminium = ("aluminium", "铝冶炼", "Aluminium smelting")  # the one non-ferrous sector in the national ETS
    coking = ("coking", "焦化", "Coking")
    coal = ("coal", "煤炭", "Coal")
    other = ("other", "其他", "Other")


class Role(Labelled):
    top_management = ("top_management", "最高管理者", "Top management")
    carbon_body_member = ("carbon_body_member", "碳排放管理机构成员", "Carbon management body member")
    department_head = ("department_head", "部门负责人", "Department head")
    carbon_manager = ("carbon_manager", "碳排放管理人员", "Carbon manager")
    internal_auditor = ("internal_auditor", "内审员", "Internal auditor")
    staff = ("staff", "员工", "Staff")
    external_provider = ("external_provider", "外部服务机构", "External provider")
    viewer = ("viewer", "只读用户", "Viewer")
    administrator = ("administrator", "系统管理员", "Administrator")


class MeterType(Labelled):
    electricity = ("electricity", "电能表", "Electricity meter")
    gas_flow = ("gas_flow", "气体流量计", "Gas flow meter")
    liquid_flow = ("liquid_flow", "液体流量计", "Liquid flow meter")
    steam_flow = ("steam_flow", "蒸汽流量计", "Steam flow meter")
    heat = ("heat", "热量表", "Heat meter")
    weighbridge = ("weighbridge", "汽车衡", "Weighbridge")
    belt_scale = ("belt_scale", "皮带秤", "Belt scale")
    rail_scale = ("rail_scale", "轨道衡", "Rail scale")
    analyser = ("analyser", "在线分析仪", "Online analyser")
    other = ("other", "其他", "Other")


class DataSource(Labelled):
    measured = ("measured", "实测", "Measured")
    calculated = ("calculated", "计算", "Calculated")
    default = ("default", "缺省值", "Default value")


class ActivityCategory(Labelled):
    fuel_combustion = ("fuel_combustion", "化石燃料燃烧", "Fossil-fuel combustion")
    process = ("process", "工业生产过程", "Industrial process")
    electricity_purchased = ("electricity_purchased", "购入电力", "Purchased electricity")
    electricity_exported = ("electricity_exported", "输出电力", "Exported electricity")
    # sub-metered use of one facility: allocates the enterprise's net purchase, never adds to it
    electricity_consumed = ("electricity_consumed", "设施耗电量", "Facility electricity use")
    heat_purchased = ("heat_purchased", "购入热力", "Purchased heat")
    heat_exported = ("heat_exported", "输出热力", "Exported heat")
    co2_recovered = ("co2_recovered", "CO2回收利用", "CO2 recovered")
    carbon_input = ("carbon_input", "碳平衡投入", "Carbon-balance input")  # steel, coking, chemical feedstock
    carbon_output = ("carbon_output", "碳平衡产出", "Carbon-balance output")
    production = ("production", "产品产量", "Production output")
