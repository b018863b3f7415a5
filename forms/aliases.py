"""What people type for a code: 烟煤 or "bituminous coal" for bituminous_coal, 购入电力 for
electricity_purchased, 实测 for measured. An import and the entry form accept the names in both languages and
a few common words; what matches nothing is passed on unchanged and refused by name where it is checked."""

from __future__ import annotations

import re
from functools import cache

from accounting.factors import RULES_ONLY, default_library
from accounting.products import PRODUCTS
from accounting.sector_materials import SECTOR_MATERIALS
from storage.vocab import ActivityCategory, DataSource

# everyday words a plant's statistics use for what the library names otherwise
EXTRA = {"外购电力": "grid_electricity", "外购电": "grid_electricity", "电网电力": "grid_electricity", "电力": "grid_electricity",
         "网电": "grid_electricity", "外购热力": "purchased_heat", "热力": "purchased_heat", "外购蒸汽": "purchased_heat",
         "石灰石": "calcium_carbonate", "limestone": "calcium_carbonate", "纯碱": "sodium_carbonate",
         "soda ash": "sodium_carbonate", "生料": "raw_meal", "预焙阳极": "prebaked_anode",
         "煤矿瓦斯": "coal_mine_methane"}


def _key(text: str) -> str:
    return " ".join(str(text).strip().lower().replace("_", " ").split())


@cache
def _materials() -> dict[str, str]:
    found: dict[str, str] = {}
    for f in default_library().factors:
        # a gas's warming potential, a grid's factor, a sector's rule for a class of fuel: no row's material
        if f.parameter.startswith(("gwp_", "grid_")) or f.parameter in RULES_ONLY:
            continue
        found[_key(f.material)] = f.material
        for name in (f.name_zh or "", *(f.name_zh or "").split(), f.name_en, *f.aliases):  # 重油, LPG, petcoke…
            if name:
                found.setdefault(_key(name), f.material)
    for code, (zh, en, _) in PRODUCTS.items():
        found |= {_key(code): code, _key(zh): code, _key(en): code}
    found |= {_key(k): v for k, v in EXTRA.items()}
    for code, (zh, en) in SECTOR_MATERIALS.items():
        found |= {_key(code): code, _key(en): code}
        found.setdefault(_key(zh), code)
    return found


def codes() -> list[str]:
    """Every material code a row may name: the one list the importer reads names against and the template's and the
    entry form's pick lists are built from, so they cannot drift apart."""
    return sorted(set(_materials().values()))


@cache
def _labelled(kind) -> dict[str, str]:
    return {_key(text): m.value for m in kind for text in (m.value, m.zh, m.en)}


LABELLED = re.compile(r"^(?P<name>.+?)\s*[(（](?P<code>[a-z0-9_]+)[)）]$")


def material(text: str) -> str:
    """The code of what was typed: a code, a name in either language, an alias, or the template's "名称 (code)"."""
    found = _materials().get(_key(text))
    if found is None and (m := LABELLED.match(str(text).strip())) and m["code"] in _materials().values():
        return m["code"]
    return found or str(text).strip()


def category(text: str) -> str:
    return _labelled(ActivityCategory).get(_key(text), str(text).strip())


def source(text: str) -> str:
    words = _labelled(DataSource) | {_key("实测"): "measured", _key("计算"): "calculated", _key("缺省"): "default"}
    return words.get(_key(text), str(text).strip())
