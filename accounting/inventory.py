"""Emissions from activity data, following the structure of GB/T 32150 (combustion, process,
purchased and exported electricity and heat, recovered CO2), with sector modules registering
calculators for their own process sources. Every line keeps its formula and the factors it used,
so any figure can be traced back (``explain``).

Units are checked with pint: a quantity in t against a factor per 10^4 Nm3 is refused, not
silently multiplied.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import date

from pint.errors import DimensionalityError

from accounting.errors import AccountingError
from accounting.factors import Chosen, Library
from accounting.products import PRODUCTS, unit_of
from accounting.units import amount, fits, fitting, known, product_scale

C_TO_CO2 = 44 / 12


@dataclass(slots=True)
class Activity:
    ref: str  # where the figure came from (a row id), for explain
    period: date
    category: str
    material: str
    quantity: float
    unit: str
    facility: str | None = None  # facility code; None for the enterprise as a whole
    process: str | None = None  # process code
    source: str = "measured"


@dataclass(slots=True)
class Emission:
    activity: Activity
    tco2: float
    kind: str  # direct | indirect | exported | recovered | allocated | production
    basis: str  # how the figure is made, for explain
    factors: list[dict] = field(default_factory=list)
    per_unit: Emission | None = None  # set when the line is the per-unit result scaled by the quantity
    # what a reader must know about how the figure was made: a default used where a measurement was missing, with
    # the rule and its source, in both languages ({"code", "zh", "en"})
    notes: list[dict] = field(default_factory=list)

    @property
    def formula(self) -> str:
        """Text only when someone reads it: building it for every line of a large run costs more than the sums."""
        if self.per_unit is None:
            return self.basis
        a, unit = self.activity, self.per_unit
        return (f"{a.quantity:g} {a.unit} × {unit.tco2:.6g} tCO2/{a.unit} = {self.tco2:,.3f} tCO2"
                f"  [1 {a.unit}: {unit.basis}]")

    def as_json(self) -> dict:
        a = self.activity
        return {"ref": a.ref, "period": a.period.isoformat(), "category": a.category, "material": a.material,
                "quantity": a.quantity, "unit": a.unit, "facility": a.facility, "process": a.process,
                "source": a.source, "tco2": self.tco2, "kind": self.kind, "formula": self.formula,
                "factors": self.factors, **({"notes": self.notes} if self.notes else {})}


@dataclass(frozen=True)
class Options:
    grid: str = "national"  # national | ets | regional | residual
    gwp: str = "ar5"
    sector: str = ""  # the enterprise's industry: power accounts its coal by the power guideline's monthly rules


GRID_PARAMETER = {"national": "grid_ef", "ets": "grid_ef_ets", "regional": "grid_ef_regional",
                  "residual": "grid_ef_residual"}
Calculator = Callable[[Activity, Library, Options], Emission]
SECTOR_CALCULATORS: dict[tuple[str, str], Calculator] = {}
BY_SECTOR: dict[tuple[str, str], Calculator] = {}  # (industry, category): e.g. power's fuel combustion


def register(category: str, material: str | None = None):
    """A sector module claims a (category, material), e.g. cement's ("production", "clinker"), or a whole
    category it introduces (steel's carbon balance: ("carbon_input", None))."""
    def wrap(fn: Calculator) -> Calculator:
        if material is None:
            GENERAL[category] = fn
        else:
            SECTOR_CALCULATORS[(category, material)] = fn
        return fn
    return wrap


def register_sector(sector: str, category: str):
    """An industry's own rules for a general category (power's coal: monthly measurements, the guideline's
    default for a month without one); the calculator passes what it does not handle on to the general one."""
    def wrap(fn: Calculator) -> Calculator:
        BY_SECTOR[(sector, category)] = fn
        return fn
    return wrap


def gwp(lib: Library, gas: str, day: date, opt: Options) -> Chosen:
    return lib.get(f"gwp_{opt.gwp}", gas, day)


def used(chosen: Chosen) -> dict:
    return {**chosen.factor.as_json(), "fallback": chosen.fallback, "earliest": chosen.earliest}


def _check(a: Activity) -> None:
    if a.quantity < 0:
        raise AccountingError("negative", f"{a.period:%Y-%m} {a.material} 的数量为负数（{a.quantity}）",
                              f"{a.period:%Y-%m} {a.material}: negative quantity {a.quantity}", field="quantity")


def _near(material: str, known) -> tuple[str, str]:
    """"，是否要填「diesel」？" for a slip of the keyboard; nothing when no code is close."""
    found = difflib.get_close_matches(material, sorted(known), n=1)
    return (f"，是否要填「{found[0]}」？", f"; did you mean {found[0]!r}?") if found else ("", "")


def combustion(a: Activity, lib: Library, opt: Options) -> Emission:
    """E = AD × CC × OF × 44/12, AD = quantity × NCV (GB/T 32150 fuel combustion)."""
    if a.material not in lib.materials("ncv") and not any(o.material == a.material for o in lib.overrides):
        near = lib.closest(a.material)
        zh = "，最接近的是：" + "、".join(f"{f.name_zh}（{f.material}）" for f in near) if near else ""
        en = "; the closest are: " + ", ".join(f"{f.name_en or f.material} ({f.material})" for f in near) if near else ""
        raise AccountingError("unknown_fuel", f"未知燃料「{a.material}」：因子库没有其低位发热量{zh}",
                              f"Unknown fuel {a.material!r}: the factor library has no NCV for it{en}",
                              field="material")
    ncv, cc, of = (lib.get(p, a.material, a.period) for p in ("ncv", "carbon_content", "oxidation"))
    try:
        heat = a.quantity * ncv.factor.value * product_scale(a.unit, ncv.factor.unit, "GJ")
    except DimensionalityError:
        fit = fitting(ncv.factor.unit.split("/", 1)[-1])
        raise AccountingError("unit_mismatch", f"{a.material} 的单位「{a.unit}」与低位发热量单位「{ncv.factor.unit}」不匹配"
                              f"（可用：{'、'.join(fit)}）", f"{a.material}: unit {a.unit!r} does not fit the NCV unit "
                              f"{ncv.factor.unit!r} (use {', '.join(fit)})", field="unit") from None
    carbon, oxidised = cc.factor.value_in("tC/GJ"), of.factor.value_in("fraction")  # 26.1 kgC/GJ, 98 %: converted
    tco2 = heat * carbon * oxidised * C_TO_CO2
    formula = (f"{a.quantity:g} {a.unit} × {ncv.factor.value:g} {ncv.factor.unit} = {heat:,.3f} GJ; "
               f"× {carbon:g} tC/GJ × {oxidised:g} × 44/12 = {tco2:,.3f} tCO2")
    return Emission(a, tco2, "direct", formula, [used(ncv), used(cc), used(of)])


def _per_unit(a: Activity, chosen: Chosen, sign: int, kind: str, base_unit: str) -> Emission:
    try:
        value = a.quantity * chosen.factor.value * product_scale(a.unit, chosen.factor.unit, "tCO2")
    except DimensionalityError:
        fit = fitting(chosen.factor.unit.split("/", 1)[-1])
        raise AccountingError("unit_mismatch", f"{a.material} 的单位「{a.unit}」不能与因子单位「{chosen.factor.unit}」相乘"
                              f"（可用：{'、'.join(fit)}）", f"{a.material}: unit {a.unit!r} does not fit the factor unit "
                              f"{chosen.factor.unit!r} (use {', '.join(fit)})", field="unit") from None
    formula = f"{'−' if sign < 0 else ''}{a.quantity:g} {a.unit} × {chosen.factor.value:g} {chosen.factor.unit} = {sign * value:,.3f} tCO2"
    return Emission(a, sign * value, kind, formula, [used(chosen)])


def electricity(a: Activity, lib: Library, opt: Options) -> Emission:
    chosen = lib.get(GRID_PARAMETER[opt.grid], "grid_electricity", a.period)
    kind = {"electricity_purchased": "indirect", "electricity_exported": "exported",
            "electricity_consumed": "allocated"}[a.category]
    return _per_unit(a, chosen, -1 if kind == "exported" else 1, kind, "MWh")


def heat(a: Activity, lib: Library, opt: Options) -> Emission:
    chosen = lib.get("heat_ef", "purchased_heat", a.period)
    exported = a.category == "heat_exported"
    return _per_unit(a, chosen, -1 if exported else 1, "exported" if exported else "indirect", "GJ")


def carbonate(a: Activity, lib: Library, opt: Options) -> Emission:
    """E = quantity × purity × EF (carbonates used as raw material or flux, GB/T 32150)."""
    if a.material not in lib.materials("carbonate_ef"):
        near = _near(a.material, lib.materials("carbonate_ef") | {m for c, m in SECTOR_CALCULATORS if c == "process"})
        raise AccountingError("unknown_process", f"未知的过程排放物料「{a.material}」{near[0]}",
                              f"Unknown process material {a.material!r}{near[1]}", field="material")
    ef = lib.get("carbonate_ef", a.material, a.period)
    try:
        purity = lib.get("purity", a.material, a.period)
    except AccountingError:
        purity = None
    line = _per_unit(a, ef, 1, "direct", "t")
    if purity is not None:
        share = purity.factor.value_in("fraction")
        line.tco2 *= share
        line.basis += f" × purity {share:g} = {line.tco2:,.3f} tCO2"
        line.factors.append(used(purity))
    return line


def recovered(a: Activity, lib: Library, opt: Options) -> Emission:
    tonnes = amount(a.quantity, a.unit, "tCO2", a.material)
    return Emission(a, -tonnes, "recovered", f"−{a.quantity:g} {a.unit} CO2 recovered", [])


def _product(a: Activity) -> None:
    """A production row names a product and is in a unit of its kind (electricity generated in MWh, kWh…, never
    in t): refused by name with the units that fit, before any sector reads the quantity."""
    if a.material not in PRODUCTS:
        near = difflib.get_close_matches(a.material, PRODUCTS, n=1)
        raise AccountingError("unknown_product", f"未知的产品「{a.material}」" + (f"，是否要填「{near[0]}」（{PRODUCTS[near[0]][0]}）？"
                              if near else "：" + "、".join(f"{k}（{v[0]}）" for k, v in PRODUCTS.items())),
                              f"Unknown product {a.material!r}" + (f"; did you mean {near[0]!r}?" if near else
                              "; choose " + ", ".join(PRODUCTS)), field="material")
    target = unit_of(a.material)
    if not fits(a.unit, target):
        zh, en, _ = PRODUCTS[a.material]
        fit = fitting(target) or [target]
        raise AccountingError("unit_mismatch" if known(a.unit) else "unit",
                              f"{zh}的单位「{a.unit}」不适用：{zh}以 {target} 计，可用：{'、'.join(fit)}",
                              f"{en}: unit {a.unit!r} does not fit; {en.lower()} is counted in {target}, use "
                              f"{', '.join(fit)}", field="unit")


def production(a: Activity, lib: Library, opt: Options) -> Emission:
    """Output that emits nothing itself (cement, electricity…): it is what intensity is per."""
    return Emission(a, 0.0, "production", f"{a.quantity:g} {a.unit} output", [])


GENERAL: dict[str, Calculator] = {
    "fuel_combustion": combustion, "process": carbonate, "electricity_purchased": electricity,
    "electricity_exported": electricity, "electricity_consumed": electricity, "heat_purchased": heat,
    "heat_exported": heat, "co2_recovered": recovered, "production": production,
}


def calculate(activities: list[Activity], lib: Library, opt: Options = Options()) -> list[Emission]:
    """One emission line per activity line; the first bad line stops everything with its reason.

    Every calculator is linear in the quantity, so each (category, material, unit, month) is worked
    out once for one unit and scaled: a year of readings from thousands of meters costs a few dozen
    factor look-ups, not one per row, and the library keeps them for the next run on it. The per-unit
    formula stays on every line for ``explain``.
    """
    from accounting import sectors  # noqa: F401  (registers the sector calculators)
    per_unit: dict[tuple, Emission] = lib.unit_lines  # shared by every run on this library
    out = []
    for a in activities:
        _check(a)
        key = (opt, a.category, a.material, a.unit, a.period)
        unit_line = per_unit.get(key)
        if unit_line is None:
            if a.category == "production":
                _product(a)
            fn = (SECTOR_CALCULATORS.get((a.category, a.material)) or BY_SECTOR.get((opt.sector, a.category))
                  or GENERAL.get(a.category))
            if fn is None:
                raise AccountingError("category", f"未知的活动数据类别「{a.category}」",
                                      f"Unknown activity category {a.category!r}", field="category")
            unit_line = per_unit[key] = fn(replace(a, quantity=1.0, ref="1"), lib, opt)
        out.append(Emission(a, unit_line.tco2 * a.quantity, unit_line.kind, "", unit_line.factors, unit_line,
                            unit_line.notes))
    return out
