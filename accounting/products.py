"""What a production row may name: the products an enterprise makes (their output is what intensity is per)
and the kiln residues the cement standard counts with clinker. A production row for anything else is a
typing slip that would silently count for nothing, so the calculators refuse it. Each product has the unit its
output is counted in (electricity MWh, heat GJ, everything else by mass in t): a row in a unit of another kind
(electricity in t) is refused when it is entered, naming the units that fit, never read as the wrong quantity."""

from __future__ import annotations

# code: (中文, English, an output that intensity is reported per)
PRODUCTS: dict[str, tuple[str, str, bool]] = {
    "clinker": ("熟料", "Clinker", True),
    "cement": ("水泥", "Cement", True),
    "kiln_dust": ("窑头粉尘", "Kiln-exhaust dust", False),
    "bypass_dust": ("旁路放风粉尘", "Bypass dust", False),
    "waste_heat_electricity": ("余热发电量", "Waste-heat electricity", False),
    "electricity": ("发电量", "Electricity generated", True),
    "electricity_supplied": ("供电量", "Electricity supplied", True),
    "heat_supplied": ("供热量", "Heat supplied", True),
    "crude_steel": ("粗钢", "Crude steel", True),
    "primary_aluminium": ("电解铝", "Primary aluminium", True),
    "coke": ("焦炭", "Coke", True),
    "raw_coal": ("原煤", "Raw coal", True),
    "nitric_acid": ("硝酸", "Nitric acid", True),
    "adipic_acid": ("己二酸", "Adipic acid", True),
}


# the canonical unit of each product's quantity; its dimension is the one a row must have (any unit converting to it)
UNITS: dict[str, str] = {code: "t" for code in PRODUCTS} | {
    "waste_heat_electricity": "MWh", "electricity": "MWh", "electricity_supplied": "MWh", "heat_supplied": "GJ"}


def unit_of(material: str) -> str:
    return UNITS.get(material, "t")


def is_output(material: str) -> bool:
    return PRODUCTS.get(material, ("", "", False))[2]
