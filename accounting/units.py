"""Units of activity data and factors: one pint registry for the whole product, so a figure is converted to the
unit its formula expects, always, and a unit of the wrong kind is a named refusal, never a traceback.

- The calorie is the international-table calorie, 4.1868 J, as Chinese coal and energy statistics use it
  (GB/T 213; 1 kgce = 7,000 kcal = 29.3076 MJ in GB/T 2589), never pint's default thermochemical 4.184 J.
- Chinese statistics count gas in 10^4 Nm3 (万标准立方米); ``Nm3`` is a plain volume (the reference state is part
  of the data's meaning, not of the arithmetic).
- Ratios (g/t, kg/t, t/t, %, ‰, ppm) are dimensioned quantities: 3.1 g/t is 0.0031 kg/t, never 3.1.
"""

from __future__ import annotations

import logging
import warnings
from functools import cache

import pint

from accounting.errors import AccountingError

ureg: pint.UnitRegistry = pint.UnitRegistry()
with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    _quiet = logging.getLogger("pint.util")
    _level, _quiet.level = _quiet.level, logging.ERROR
    ureg.define("calorie = 4.1868 * joule = cal")  # international table (GB/T 213, GB/T 2589), not 4.184 J
    _quiet.level = _level
ureg.define("Nm3 = meter ** 3")
ureg.define("wan_Nm3 = 10000 * Nm3")
ureg.define("tCO2 = tonne")
ureg.define("kgCO2 = kilogram")
ureg.define("tC = tonne")
ureg.define("kgC = kilogram")
ureg.define("percent_ = 0.01 = pct")
ureg.define("tce = 29.3076 * gigajoule")  # tonne of coal equivalent, GB/T 2589: 7,000 kcal/kg
ureg.define("kgce = 29.3076 * megajoule")
ureg.define("cell_day = day")  # one electrolysis cell working one day: anode effects are counted per cell-day

# how people write units in spreadsheets and statistics → pint names
ALIASES = {
    "10^4 Nm3": "wan_Nm3", "10^4Nm3": "wan_Nm3", "万Nm3": "wan_Nm3", "万m3": "wan_Nm3", "万立方米": "wan_Nm3",
    "万标准立方米": "wan_Nm3", "10⁴ Nm³": "wan_Nm3", "10⁴Nm³": "wan_Nm3", "Nm³": "Nm3", "标准立方米": "Nm3",
    "t": "tonne", "吨": "tonne", "kt": "kilotonne", "万t": "10000 * tonne", "万吨": "10000 * tonne", "千克": "kilogram",
    "MWh": "megawatt_hour", "kWh": "kilowatt_hour", "万kWh": "10000 * kilowatt_hour", "GWh": "gigawatt_hour",
    "GJ": "gigajoule", "TJ": "terajoule", "MJ": "megajoule",
    "tCO2/MWh": "tCO2 / megawatt_hour", "tCO2/GJ": "tCO2 / gigajoule", "tC/GJ": "tC / gigajoule",
    "GJ/t": "gigajoule / tonne", "GJ/10^4 Nm3": "gigajoule / wan_Nm3", "GJ/万Nm3": "gigajoule / wan_Nm3",
    "tCO2/t": "tCO2 / tonne", "fraction": "dimensionless", "%": "pct", "％": "pct", "‰": "permille",
    "t/t": "tonne / tonne", "kg/t": "kilogram / tonne", "g/t": "gram / tonne",
    "min/cell-day": "minute / cell_day",
}


def _pint_name(text: str) -> str:
    return ALIASES.get(text, text.replace("10^4 Nm3", "wan_Nm3").replace("10^4Nm3", "wan_Nm3"))


@cache
def _parsed(text: str) -> pint.Quantity:
    text = text.strip()
    try:
        parsed = ureg.parse_expression(_pint_name(text))
    except (pint.errors.UndefinedUnitError, pint.errors.DefinitionSyntaxError, AttributeError, TypeError,
            SyntaxError, ValueError, AssertionError, KeyError):
        parsed = None
    if not isinstance(parsed, pint.Quantity) or not text:
        raise AccountingError("unit", f"无法识别的单位「{text}」", f"Unknown unit {text!r}", field="unit")
    return parsed


def known(unit_text: str) -> bool:
    try:
        _parsed(unit_text)
    except AccountingError:
        return False
    return True


def quantity(value: float, unit_text: str) -> pint.Quantity:
    return value * _parsed(unit_text)


@cache
def scale(unit_text: str, target: str) -> float:
    """How many ``target`` one ``unit_text`` is. Every unit here is multiplicative, so a conversion is one factor,
    worked out by pint once per pair of units rather than once per figure (pint's parsing is the costly part)."""
    return (1 * _parsed(unit_text)).to(_parsed(target)).magnitude / _parsed(target).magnitude


@cache
def product_scale(first: str, second: str, target: str) -> float:
    """The factor that turns (x ``first``) × (y ``second``) into ``target``: quantity × NCV → GJ, say."""
    return (_parsed(first) * _parsed(second)).to(_parsed(target)).magnitude / _parsed(target).magnitude


def fits(unit_text: str, target: str) -> bool:
    try:
        scale(unit_text, target)
    except (AccountingError, pint.errors.DimensionalityError):
        return False
    return True


# what an amount is measured in: a mass, a volume, an energy, a duration (hours run). Twelve months of an amount add
# up to the year's; anything else — a share, a rate, a property per unit (%, GJ/t, tC/GJ, min/cell-day) — does not.
AMOUNTS = tuple(ureg.get_dimensionality(d) for d in ("[mass]", "[length] ** 3", "[energy]", "[time]"))


def is_amount(unit_text: str) -> bool:
    """Whether figures in this unit are amounts (extensive: they add up over months), judged by the unit's
    dimension rather than its spelling; an unknown unit is refused by name."""
    return _parsed(unit_text).dimensionality in AMOUNTS


def ratio(unit_text: str, target: str) -> float | None:
    """How many ``target`` one ``unit_text`` is, or None when it does not convert (coal in t for an item in MWh);
    the same text is 1 even for a unit pint does not know (min/cell-day)."""
    if unit_text == target:
        return 1.0
    return scale(unit_text, target) if fits(unit_text, target) else None


# the units a row or a form offers, in the order people expect them; which of them fit is worked out per target
ACTIVITY_UNITS = ("t", "kg", "万t", "MWh", "kWh", "万kWh", "GJ", "TJ", "10^4 Nm3", "Nm3")


def fitting(target: str, offered: tuple[str, ...] = ACTIVITY_UNITS) -> list[str]:
    """The offered units that convert to ``target``: what a refusal suggests instead."""
    return [u for u in offered if fits(u, target)]


def convert(value: float, unit_text: str, target: str, what: tuple[str, str] = ("", "")) -> float:
    """``value unit_text`` in ``target``; a dimension mismatch names both units."""
    try:
        return value * scale(unit_text, target)
    except pint.errors.DimensionalityError:
        raise AccountingError("unit_mismatch", f"{what[0]}单位「{unit_text}」不能换算为「{target}」",
                              f"{what[1] and what[1] + ': '}unit {unit_text!r} does not convert to {target!r}",
                              field="unit") from None


def amount(value: float, unit_text: str, target: str, material: str) -> float:
    """An activity's quantity in the unit its formula reads (anode in t, mine methane in Nm3…). A unit of another kind
    (anode in MWh, methane in t) is refused by name with the units that would fit, never a conversion traceback."""
    try:
        return value * scale(unit_text, target)
    except pint.errors.DimensionalityError:
        fit = fitting(target) or [target]
        raise AccountingError("unit_mismatch", f"{material} 的单位「{unit_text}」不适用：此处须为可换算为 {target} 的单位"
                              f"（如 {'、'.join(fit)}）",
                              f"{material}: unit {unit_text!r} does not fit here; use a unit that converts to {target} "
                              f"({', '.join(fit)})", field="unit") from None
