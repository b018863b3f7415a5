"""The plant-specific values the calculators read (a coal's measured NCV, the clinker's CaO…), each with its
unit and a plausible range, so a measurement is checked when it is recorded and not when a year's total
comes out thirty times too high. A range is a plausibility band, not a limit in any standard: a value
outside it is almost always a typing or unit slip (65.23 for a fraction of 0.6523, kJ for MJ); a real
outlier is recorded after checking the lab report and correcting the band here (docs/parameters.md)."""

from __future__ import annotations

import difflib
import math
from dataclasses import dataclass
from datetime import date

from pint.errors import DimensionalityError, UndefinedUnitError

from accounting.coals import BANDS, COALS
from accounting.errors import AccountingError
from accounting.factors import Library
from accounting.units import convert

# the units a measured value may be typed in, each converting through pint to the parameter's canonical unit (the first)
FRACTION = ("fraction", "%", "percent", "‰", "ppm")
KG_PER_T = ("kg/t", "g/t", "t/t")
NCV_PER_MASS = ("GJ/t", "MJ/kg", "MJ/t", "kJ/kg", "kcal/kg")
NCV_PER_VOLUME = ("GJ/10^4 Nm3", "MJ/Nm3", "kJ/Nm3", "kcal/Nm3")
CARBON_PER_HEAT = ("tC/GJ", "kgC/GJ", "tC/TJ")
CO2_PER_T = ("tCO2/t", "kgCO2/t")
CARBON_PER_MASS = ("tC/t", "kgC/t", "%", "fraction")  # the power guideline's element carbon, often typed as a %
CARBON_PER_VOLUME = ("tC/(10^4 Nm3)", "kgC/Nm3", "tC/Nm3")
VOLUME_PER_MASS = ("Nm3/t",)
FAMILIES = (FRACTION, KG_PER_T, NCV_PER_MASS, NCV_PER_VOLUME, CARBON_PER_HEAT, CO2_PER_T, CARBON_PER_MASS,
            CARBON_PER_VOLUME, VOLUME_PER_MASS)


def accepted(canonical: str) -> tuple[str, ...]:
    """Every unit a value whose canonical unit is ``canonical`` may be typed in (the canonical one first)."""
    return next((f for f in FAMILIES if canonical in f), (canonical,))


@dataclass(frozen=True)
class Parameter:
    name: str
    zh: str
    en: str
    unit: str | None  # None: the unit of the library's default for the material (NCV: GJ/t or GJ/10^4 Nm3)
    low: float  # absolute bounds in ``unit``, or (when ``relative``) multiples of the material's default
    high: float
    relative: bool = False
    materials: tuple[str, ...] = ()  # empty: any material with a default for this parameter
    any_material: bool = False  # the carbon balance takes whatever the plant feeds in

    @property
    def fraction(self) -> bool:
        """A share of 0–1: a fraction, or element carbon as tC per t of coal (typed as 55 % as often as 0.55)."""
        return self.unit in ("fraction", "tC/t")

    def units(self, canonical: str | None = None) -> tuple[str, ...]:
        """The units this parameter accepts; ``canonical`` is the material's default unit for an NCV."""
        if self.unit is None:
            return accepted(canonical) if canonical else NCV_PER_MASS + NCV_PER_VOLUME
        return accepted(self.unit)

    def band(self, lang: str = "zh") -> str:
        if self.relative:
            return (f"缺省值的 {self.low:g}–{self.high:g} 倍" if lang == "zh"
                    else f"{self.low:g}–{self.high:g} × the default")
        return f"{self.low:g}–{self.high:g} {self.unit}"


PARAMETERS = {p.name: p for p in (
    Parameter("ncv", "低位发热量", "Net calorific value", None, 0.5, 1.6, relative=True),
    Parameter("carbon_content", "单位热值含碳量", "Carbon content per unit of heat", "tC/GJ", 0.8, 1.2, relative=True),
    Parameter("oxidation", "碳氧化率", "Oxidation fraction", "fraction", 0.80, 1.0),
    Parameter("carbonate_ef", "碳酸盐排放因子", "Carbonate emission factor", "tCO2/t", 0.95, 1.05, relative=True),
    Parameter("purity", "碳酸盐纯度", "Carbonate purity", "fraction", 0.5, 1.0, materials=("calcium_carbonate",
              "magnesium_carbonate", "dolomite", "sodium_carbonate")),
    Parameter("cao", "熟料 CaO 含量", "CaO in clinker", "fraction", 0.55, 0.72, materials=("clinker",)),
    Parameter("cao_noncarbonate", "熟料中非碳酸盐 CaO", "Non-carbonate CaO in clinker", "fraction", 0.0, 0.05,
              materials=("clinker",)),
    Parameter("mgo", "熟料 MgO 含量", "MgO in clinker", "fraction", 0.0, 0.06, materials=("clinker",)),
    Parameter("mgo_noncarbonate", "熟料中非碳酸盐 MgO", "Non-carbonate MgO in clinker", "fraction", 0.0, 0.03,
              materials=("clinker",)),
    Parameter("toc", "生料有机碳含量", "Organic carbon in raw meal", "fraction", 0.0, 0.01, materials=("raw_meal",)),
    Parameter("carbon_element", "元素碳含量（收到基）", "Element carbon content (as received)", "tC/t", 0.2, 0.95,
              materials=COALS),
    Parameter("carbon_per_volume", "单位体积含碳量（碳平衡气体）", "Carbon per volume (carbon-balance gas)",
              "tC/(10^4 Nm3)", 0.1, 8.0, any_material=True),
    Parameter("flare_destruction", "火炬销毁效率", "Flare destruction efficiency", "fraction", 0.5, 1.0,
              materials=("coal_mine_methane_flared",)),
    Parameter("post_mining_ef", "矿后活动甲烷排放因子", "Post-mining methane factor", "Nm3/t", 0.0, 25.0,
              materials=("raw_coal_underground", "raw_coal_surface")),
    Parameter("carbon_fraction", "含碳量（碳平衡）", "Carbon fraction (carbon balance)", "fraction", 0.0, 1.0,
              any_material=True),
    Parameter("sulfur", "阳极硫含量", "Sulfur in anode", "fraction", 0.0, 0.05, materials=("prebaked_anode",)),
    Parameter("ash", "阳极灰分", "Ash in anode", "fraction", 0.0, 0.02, materials=("prebaked_anode",)),
    Parameter("ef_cf4", "CF4 排放因子", "CF4 emission factor", "kg/t", 0.0, 1.0, materials=("primary_aluminium",)),
    Parameter("ef_c2f6", "C2F6 排放因子", "C2F6 emission factor", "kg/t", 0.0, 0.2, materials=("primary_aluminium",)),
    Parameter("ef_n2o", "N2O 生成因子", "N2O generation factor", "kg/t", 0.0, 400.0,
              materials=("nitric_acid", "adipic_acid")),
    Parameter("n2o_abatement", "N2O 去除率", "N2O abatement", "fraction", 0.0, 1.0, materials=("nitric_acid", "adipic_acid")),
)}
PUBLISHED = ("grid_ef", "grid_ef_ets", "grid_ef_regional", "grid_ef_residual", "heat_ef")


def _refuse(code: str, zh: str, en: str, field: str) -> AccountingError:
    return AccountingError(code, zh, en, field=field)


def check(parameter: str, material: str, value: float, unit: str, lib: Library) -> Parameter:
    """Refuse a measurement the calculators would misread, naming what is wrong and what was probably meant."""
    spec = PARAMETERS.get(parameter)
    if spec is None:
        if parameter in PUBLISHED or parameter.startswith("gwp_"):
            raise _refuse("published", f"「{parameter}」是主管部门发布的因子，不能作为企业实测值登记",
                          f"{parameter!r} is a published factor, not a plant measurement", "parameter")
        near = difflib.get_close_matches(parameter, PARAMETERS, n=1)
        hint = (f"，是否要填「{near[0]}」（{PARAMETERS[near[0]].zh}）？", f"; did you mean {near[0]!r}?") if near else \
            ("。可登记的参数见 steward account parameters", "; see steward account parameters")
        raise _refuse("unknown_parameter", f"核算不使用参数「{parameter}」{hint[0]}", f"No calculator uses {parameter!r}"
                      f"{hint[1]}", "parameter")
    if not math.isfinite(value) or value < 0:
        raise _refuse("value", f"{spec.zh}须为非负的有限数值", f"{spec.en} must be a finite, non-negative number", "value")
    default = _default(spec, material, lib)
    coal_band = BANDS.get(parameter) if default is None and spec.relative else None  # raw coal: no default
    target = spec.unit or (coal_band[2] if coal_band else default.factor.unit)
    fit = spec.units(target)
    unit = unit.strip()
    try:
        if unit not in fit:
            raise ValueError(unit)
        amount = convert(value, unit, target)
    except (AccountingError, DimensionalityError, UndefinedUnitError, ValueError):
        raise _refuse("unit", f"{spec.zh}的单位「{unit}」不适用，可用：{'、'.join(fit)}",
                      f"{unit!r} is not a unit for {spec.en}; use one of {', '.join(fit)}", "unit") from None
    if coal_band:
        low, high = coal_band[:2]
    elif spec.relative:
        base = default.factor.value_in(target)
        low, high = spec.low * base, spec.high * base
    else:
        low, high = spec.low, spec.high
    if low <= amount <= high:
        return spec
    if spec.fraction and 1 < amount <= 100 and low <= amount / 100 <= high:  # 65.23 typed as a fraction
        raise _refuse("percent", f"{spec.zh}是比例（0–1），{value:g} 像是百分数：是否要填 {amount / 100:g}？"
                      f"（或单位选 %）", f"{spec.en} is a fraction (0–1); {value:g} looks like a percentage: did you "
                      f"mean {amount / 100:g}? (or choose the unit %)", "value")
    if spec.fraction and unit in ("%", "percent") and value <= 1 and low <= value <= high:  # 0.98 typed as a percentage
        raise _refuse("percent", f"{spec.zh} {value:g} % 像是把比例当成了百分数：是否要填 {value * 100:g} %（即 {value:g}）？",
                      f"{spec.en} {value:g} % looks like a fraction typed as a percentage: did you mean "
                      f"{value * 100:g} % ({value:g})?", "value")
    band_zh, band_en = (("无缺省值的煤种按煤的一般范围", "a coal without a default: the range of coals") if coal_band
                        else (spec.band("zh"), spec.band("en")))
    from accounting.products import PRODUCTS
    zh_name = next((f.name_zh for f in lib.factors if f.material == material and f.name_zh),
                   PRODUCTS.get(material, (material,))[0])
    raise _refuse("implausible", f"{zh_name}的{spec.zh} {value:g} {unit} 超出合理范围 {low:.4g}–{high:.4g} {target}"
                  f"（{band_zh}），请核对化验报告和单位",
                  f"{spec.en} of {material.replace('_', ' ')} {value:g} {unit} is outside the plausible "
                  f"{low:.4g}–{high:.4g} {target} "
                  f"({band_en}); check the lab report and the unit", "value")


def _default(spec: Parameter, material: str, lib: Library):
    """The library's value for the material, which also says the material is one this parameter applies to."""
    if spec.any_material:
        return None
    if spec.materials:
        if material not in spec.materials:
            raise _refuse("material", f"{spec.zh}只适用于：{'、'.join(spec.materials)}（不是「{material}」）",
                          f"{spec.en} applies to {', '.join(spec.materials)} only (not {material!r})", "material")
        return None
    if material not in lib.materials(spec.name):
        if material in COALS and spec.name in (*BANDS, "oxidation"):  # a coal the power rules take, without a default
            return None
        known = sorted(lib.materials(spec.name))
        near = difflib.get_close_matches(material, known, n=1)
        raise _refuse("material", f"因子库没有「{material}」的{spec.zh}缺省值" + (f"，是否要填「{near[0]}」？" if near else
                      f"；可选：{'、'.join(known)}"), f"The library has no {spec.en} for {material!r}" +
                      (f"; did you mean {near[0]!r}?" if near else f"; choose {', '.join(known)}"), "material")
    return lib.get(spec.name, material, date.today())


def applies_to(p: Parameter, lib: Library) -> set[str]:
    """The materials a parameter may be measured for: those named, or with a default, and every coal the power rules
    take for the coal parameters (raw coal has no default)."""
    if p.materials:
        return set(p.materials)
    return lib.materials(p.name) | (set(COALS) if p.name in (*BANDS, "oxidation") else set())


def table(lib: Library, lang: str = "zh") -> list[tuple[str, str, str, str, str, str]]:
    """(parameter, name, canonical unit, plausible range, applies to, accepted units) for the CLI and the import template's help sheet."""
    out = []
    for p in PARAMETERS.values():
        if p.any_material:
            applies = "碳平衡的任一投入或产出" if lang == "zh" else "any carbon-balance input or output"
        else:
            applies = ", ".join(p.materials or sorted(applies_to(p, lib)))
        unit = p.unit or ("按缺省值单位（GJ/t 或 GJ/10^4 Nm3）" if lang == "zh" else "the default's unit (GJ/t or GJ/10^4 Nm3)")
        out.append((p.name, p.zh if lang == "zh" else p.en, unit, p.band(lang), applies, ", ".join(p.units())))
    return out
