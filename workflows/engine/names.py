"""Names for what accounting keys by code — processes, facilities, categories, materials — so a page says
熟料煅烧 (P30), not P30. Materials take their Chinese name from the factor library; products, which have no
factor (or whose library name is the factor's), from the short list here. (Issue 15 brings the full catalogue; this is its seam.)"""

from __future__ import annotations

from functools import cache

from sqlmodel import Session, select

from accounting.factors import default_library
from accounting.products import PRODUCTS as CATALOGUE
from accounting.sector_materials import SECTOR_MATERIALS
from storage.models import Facility, Process
from storage.vocab import ActivityCategory

WHOLE = ("企业层面（未分摊）", "Enterprise level (not allocated)")
PRODUCTS = {code: (zh, en) for code, (zh, en, _) in CATALOGUE.items()} | SECTOR_MATERIALS


@cache
def _library_names(lang: str) -> dict[str, str]:
    return {f.material: name for f in default_library().factors if not f.parameter.startswith(("gwp_", "grid_"))
            for name in [f.name_en if lang == "en" else f.name_zh] if name}


def material(code: str, lang: str) -> str:
    if code in PRODUCTS:
        return PRODUCTS[code][lang == "en"]
    names = _library_names("en" if lang == "en" else "zh")
    if code in names:
        return names[code]
    return code.replace("_", " ").capitalize()


def materials(lang: str) -> list[tuple[str, str]]:
    """(code, name) of everything a row may name: the library's fuels and carbonates, and the products."""
    from forms import aliases
    return [(code, material(code, lang)) for code in aliases.codes()]  # the very list the import reads against


def category(code: str, lang: str) -> str:
    return ActivityCategory(code).label(lang) if code in ActivityCategory.__members__ else code


class Places:
    """Process and facility names of one enterprise, read once per page."""

    def __init__(self, session: Session, enterprise_id: int):
        self.names = {p.code: p.name for p in session.exec(select(Process).where(Process.enterprise_id == enterprise_id))}
        self.names |= {f.code: f.name for f in session.exec(select(Facility).where(Facility.enterprise_id == enterprise_id))}

    def __call__(self, code: str | None, lang: str) -> str:
        if not code or code == "(enterprise)":
            return WHOLE[lang == "en"]
        return f"{self.names[code]} ({code})" if code in self.names else code

    def series(self, key: str, lang: str) -> str:
        """An anomaly's series, ``facility|category|material``, in words."""
        place, _, rest = key.partition("|")
        cat, _, mat = rest.partition("|")
        return " · ".join(p for p in (self(place, lang), category(cat, lang), material(mat, lang)) if p)
