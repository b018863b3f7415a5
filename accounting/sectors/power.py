"""Power generation (GB/T 32151.1 and the MEE guideline for power-generation facilities): coal is accounted
month by month from that month's own measurements — NCV, and carbon either per unit of heat (tC/GJ) or as the
element carbon of the coal as received (tC/t) — each weighted over the month's batches by the quantity of coal
the batch stands for. A month whose carbon content was not measured takes the guideline's high default
(``data/power_defaults.tsv``), and its explanation says so, with the rule and its source; coal's oxidation rate
is the guideline's 99 % unless measured. Desulfurisation limestone is the general carbonate calculation (its
measured purity applies). Other fuels are accounted as any enterprise's."""

from __future__ import annotations

from collections import defaultdict

from accounting.coals import COALS
from accounting.errors import AccountingError
from accounting.factors import Chosen, Factor, Library
from accounting.inventory import C_TO_CO2, Activity, Emission, Options, combustion, register_sector, used
from accounting.units import amount, convert


def is_coal(material: str) -> bool:
    return material in COALS


def _weighted(batches: list[Factor], unit: str, what: tuple[str, str], a: Activity) -> tuple[float, str]:
    """The month's value, weighted by each batch's quantity (one batch: its value)."""
    values = [b.value_in(unit) for b in batches]
    if len(batches) == 1:
        return values[0], f"{values[0]:g}"
    if any(b.batch is None or b.batch <= 0 for b in batches):
        raise AccountingError(
            "batch_quantity", f"{a.period:%Y-%m} {a.material} 有 {len(batches)} 次{what[0]}测定，但并非每次都记录了所代表的"
            f"煤量：请为每一批次填写煤量（批次量），以便按量加权", f"{a.period:%Y-%m} {a.material}: {len(batches)} "
            f"determinations of {what[1]}, but not each says the quantity of coal it stands for: record each batch's "
            "quantity so the month can be weighted by it", field="batch")
    weights = [convert(b.batch or 0.0, b.batch_unit or "t", "t") for b in batches]
    value = sum(w * v for w, v in zip(weights, values, strict=True)) / sum(weights)
    terms = " + ".join(f"{w:g} t × {v:g}" for w, v in zip(weights, values, strict=True))
    return value, f"({terms}) / {sum(weights):g} t = {value:.6g}"


def _measured(chosen: Factor) -> dict:
    return used(Chosen(chosen, False))


@register_sector("power", "fuel_combustion")
def power_combustion(a: Activity, lib: Library, opt: Options) -> Emission:
    """E = AD × NCV × CC × OF × 44/12 with the month's weighted measurements; CC = element carbon / NCV when the
    element carbon is what the laboratory measured."""
    if not is_coal(a.material):
        return combustion(a, lib, opt)
    tonnes = amount(a.quantity, a.unit, "t", a.material)  # coal by mass: a unit of another kind is named, first
    factors: list[dict] = []
    notes: list[dict] = []
    ncv_batches = lib.batches("ncv", a.material, a.period)
    if ncv_batches:
        ncv, ncv_text = _weighted(ncv_batches, "GJ/t", ("低位发热量", "the NCV"), a)
        factors += [_measured(b) for b in ncv_batches]
    else:
        try:
            chosen = lib.get("ncv", a.material, a.period)
        except AccountingError:  # raw coal: no default, the month's measurement is the only source
            raise AccountingError(
                "measurement_missing", f"{a.period:%Y-%m} {a.material} 没有本月实测的低位发热量，且无缺省值：请登记本月入厂煤"
                "化验的低位发热量（ncv）", f"{a.period:%Y-%m} {a.material}: no NCV measured this month and no default "
                "for it: record the month's measured NCV (ncv) of the coal", field="ncv") from None
        ncv, ncv_text = chosen.factor.value_in("GJ/t"), f"{chosen.factor.value_in('GJ/t'):g}"
        factors.append(used(chosen))
        notes.append({"code": "ncv_unmeasured", "material": a.material, "zh": f"{a.period:%Y-%m} {a.material} 本月未实测低位发热量，采用"
                      f"{chosen.factor.source('zh')}的 {ncv:g} GJ/t", "en": f"{a.period:%Y-%m} {a.material}: no NCV measured "
                      f"this month; {ncv:g} GJ/t from {chosen.factor.source('en')} is used"})
    element = lib.batches("carbon_element", a.material, a.period)
    per_heat = lib.batches("carbon_content", a.material, a.period)
    if element:
        carbon, text = _weighted(element, "tC/t", ("元素碳含量", "element carbon"), a)
        cc = carbon / ncv
        cc_text = f"element carbon {text} tC/t ÷ NCV {ncv:.6g} GJ/t = {cc:.6g} tC/GJ"
        factors += [_measured(b) for b in element]
    elif per_heat:
        cc, text = _weighted(per_heat, "tC/GJ", ("单位热值含碳量", "carbon per unit of heat"), a)
        cc_text = f"carbon per heat {text} tC/GJ"
        factors += [_measured(b) for b in per_heat]
    else:
        rule = lib.get("carbon_content_unmeasured", "coal", a.period)
        cc = rule.factor.value_in("tC/GJ")
        cc_text = f"no measurement this month: the guideline's default {cc:g} tC/GJ"
        factors.append(used(rule))
        notes.append({"code": "carbon_default", "material": a.material, "zh": f"{a.period:%Y-%m} {a.material} 本月未实测元素碳含量：按发电设施指南的规则"
                      f"采用缺省值 {cc:g} tC/GJ（{rule.factor.source('zh')}；{rule.factor.table}）",
                      "en": f"{a.period:%Y-%m} {a.material}: carbon content not measured this month, so by the power "
                      f"guideline's rule its default {cc:g} tC/GJ applies ({rule.factor.source('en')}; {rule.factor.table})"})
    measured_of = lib.batches("oxidation", a.material, a.period)
    if measured_of:
        of, _ = _weighted(measured_of, "fraction", ("碳氧化率", "the oxidation rate"), a)
        factors += [_measured(b) for b in measured_of]
    else:
        oxidation = lib.get("oxidation_power", "coal", a.period)
        of = oxidation.factor.value_in("fraction")
        factors.append(used(oxidation))
    heat = tonnes * ncv
    tco2 = heat * cc * of * C_TO_CO2
    formula = (f"{a.quantity:g} {a.unit} × NCV {ncv_text} GJ/t = {heat:,.3f} GJ; × {cc_text} × OF {of:g} × 44/12 "
               f"= {tco2:,.3f} tCO2")
    return Emission(a, tco2, "direct", formula, factors, notes=notes)


FUELLED = ("fuel_combustion", "carbon_input")


def months_without_fuel(lines: list[Emission]) -> list[dict]:
    """A month with electricity generated but no fuel burnt is a gap in the data (a month of fuel not entered), not
    a month of free power: said in words, naming the generation row's month and column."""
    generated: dict[str, float] = defaultdict(float)
    fuelled: set[str] = set()
    months: dict[object, str] = {}  # each period's YYYY-MM, made once, not once per line
    for e in lines:
        a = e.activity
        if a.category == "production" and a.material == "electricity":
            generated[months.get(a.period) or months.setdefault(a.period, f"{a.period:%Y-%m}")] += convert(
                a.quantity, a.unit, "MWh")
        elif a.category in FUELLED:
            fuelled.add(months.get(a.period) or months.setdefault(a.period, f"{a.period:%Y-%m}"))
    return gaps(generated, fuelled)


def gaps(generated: dict[str, float], fuelled: set[str]) -> list[dict]:
    """The notes for months with generation (MWh) and no fuel row; shared by the run and the quick totals."""
    return [{"code": "generation_without_fuel",
             "zh": f"{month} 有发电量 {generated[month]:,.1f} MWh（产品产量「发电量」一行的数量列），但没有任何燃料消耗记录："
                   "请补录本月的燃料消耗量，或核对发电量是否填错了月份",
             "en": f"{month} has {generated[month]:,.1f} MWh generated (the production row 'Electricity generated', "
                   "quantity column) but no fuel burnt: enter the month's fuel consumption, or check the month of the "
                   "generation figure"}
            for month in sorted(generated) if generated[month] > 0 and month not in fuelled]
