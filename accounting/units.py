"""Units of activity data and factors, checked with pint so a wrong unit fails loudly.

Chinese statistics count gas in 10^4 Nm3 (万标准立方米); we define ``Nm3`` as a plain volume
(the reference state is part of the data's meaning, not of the arithmetic).
"""

from __future__ import annotations

from functools import cache

import pint

from accounting.errors import AccountingError

ureg: pint.UnitRegistry = pint.UnitRegistry()
ureg.define("Nm3 = meter ** 3")
ureg.define("wan_Nm3 = 10000 * Nm3")
ureg.define("tCO2 = tonne")
ureg.define("tC = tonne")
ureg.define("percent_ = 0.01 = pct")

# how people write units in spreadsheets and statistics → pint names
ALIASES = {
    "10^4 Nm3": "wan_Nm3", "10^4Nm3": "wan_Nm3", "万Nm3": "wan_Nm3", "万m3": "wan_Nm3", "万立方米": "wan_Nm3",
    "t": "tonne", "吨": "tonne", "kt": "kilotonne", "万t": "10000 * tonne", "万吨": "10000 * tonne",
    "MWh": "megawatt_hour", "kWh": "kilowatt_hour", "万kWh": "10000 * kilowatt_hour", "GWh": "gigawatt_hour",
    "GJ": "gigajoule", "TJ": "terajoule", "MJ": "megajoule",
    "tCO2/MWh": "tCO2 / megawatt_hour", "tCO2/GJ": "tCO2 / gigajoule", "tC/GJ": "tC / gigajoule",
    "GJ/t": "gigajoule / tonne", "GJ/10^4 Nm3": "gigajoule / wan_Nm3", "tCO2/t": "tCO2 / tonne",
    "fraction": "dimensionless", "%": "pct",
}


@cache
def _parsed(text: str) -> pint.Quantity:
    name = ALIASES.get(text.strip(), text.strip())
    try:
        parsed = ureg.parse_expression(name)
    except (pint.errors.UndefinedUnitError, pint.errors.DefinitionSyntaxError, AttributeError, TypeError,
            SyntaxError, ValueError, AssertionError):
        parsed = None
    if not isinstance(parsed, pint.Quantity) or not text.strip():
        raise AccountingError("unit", f"无法识别的单位「{text}」", f"Unknown unit {text!r}", field="unit")
    return parsed


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


def convert(value: float, unit_text: str, target: str, what: tuple[str, str] = ("", "")) -> float:
    """``value unit_text`` in ``target``; a dimension mismatch names both units."""
    try:
        return value * scale(unit_text, target)
    except pint.errors.DimensionalityError:
        raise AccountingError("unit_mismatch", f"{what[0]}单位「{unit_text}」不能换算为「{target}」",
                              f"{what[1] and what[1] + ': '}unit {unit_text!r} does not convert to {target!r}",
                              field="unit") from None
