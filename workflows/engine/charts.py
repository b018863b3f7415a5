"""PNG charts for Word reports, drawn with matplotlib's Agg backend (no display needed).

Labels are bilingual, so the charts need a CJK font. One installed on the system (WenQuanYi Micro Hei, which
the README and the CI install, or Noto Sans CJK) is found by its file, not only through matplotlib's font cache:
a cache built before the font was installed would otherwise leave every Chinese glyph a box. Legends sit below
the plot, never over the data.
"""

from __future__ import annotations

import io
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
from matplotlib import font_manager  # noqa: E402

CJK_FAMILIES = ["WenQuanYi Micro Hei", "WenQuanYi Zen Hei", "Noto Sans CJK SC", "Noto Sans SC", "Source Han Sans SC",
                "Droid Sans Fallback"]
CJK_FILES = ("wqymicrohei", "wqyzenhei", "notosanscjk", "notosanssc", "sourcehansans", "droidsansfallback")


def cjk_family() -> str | None:
    """The name of an installed CJK font, adding its file to matplotlib's list when the cache missed it."""
    known = {f.name for f in font_manager.fontManager.ttflist}
    for family in CJK_FAMILIES:
        if family in known:
            return family
    for path in sorted(font_manager.findSystemFonts()):
        if any(key in Path(path).name.lower().replace("-", "").replace("_", "") for key in CJK_FILES):
            font_manager.fontManager.addfont(path)
            found = {f.name for f in font_manager.fontManager.ttflist} & set(CJK_FAMILIES)
            if found:
                return sorted(found, key=CJK_FAMILIES.index)[0]
    return None


CJK = cjk_family()
plt.rcParams["font.sans-serif"] = [*([CJK] if CJK else []), "DejaVu Sans"]
plt.rcParams["font.family"] = "sans-serif"
plt.rcParams["axes.unicode_minus"] = False


def _png(fig) -> bytes:
    out = io.BytesIO()
    fig.savefig(out, format="png", dpi=120, bbox_inches="tight")
    plt.close(fig)
    return out.getvalue()


def stacked_months(months: list[str], series: dict[str, list[float]], title: str) -> bytes:
    """Monthly tCO2 stacked by process."""
    return _png(stacked_months_figure(months, series, title))


def stacked_months_figure(months: list[str], series: dict[str, list[float]], title: str):
    fig, ax = plt.subplots(figsize=(8, 3.6))
    bottom = [0.0] * len(months)
    for name, values in series.items():
        ax.bar(months, values, bottom=bottom, label=name)
        bottom = [b + v for b, v in zip(bottom, values, strict=True)]
    ax.set_title(title)
    ax.set_ylabel("tCO2")
    ax.tick_params(axis="x", labelrotation=45, labelsize=7)
    # below the month labels, outside the axes: a legend inside would sit on the tallest bars
    ax.legend(fontsize=7, ncol=4, loc="upper center", bbox_to_anchor=(0.5, -0.28), frameon=False)
    return fig


def shares(labels: list[str], values: list[float], title: str) -> bytes:
    fig, ax = plt.subplots(figsize=(5, 4))
    ax.pie(values, labels=labels, autopct="%1.1f%%", textprops={"fontsize": 7})
    ax.set_title(title)
    return _png(fig)


def mac_curve(rows: list[dict], title: str) -> bytes:
    """Marginal abatement cost curve: bar width is the tonnes a measure avoids, height its cost per tonne."""
    fig, ax = plt.subplots(figsize=(8, 4))
    for r in rows:
        ax.bar(r["from_t"], r["cost_per_t"], width=r["abatement_t"], align="edge",
               color="#2e7d32" if r["cost_per_t"] < 0 else "#c62828", edgecolor="white")
        ax.text(r["from_t"] + r["abatement_t"] / 2, r["cost_per_t"], r["name"].split(" ", 1)[0], ha="center",
                va="bottom" if r["cost_per_t"] >= 0 else "top", fontsize=7)
    ax.axhline(0, color="black", linewidth=0.8)
    ax.set_xlabel("累计减排量 Cumulative abatement (tCO2e/yr)")
    ax.set_ylabel("元/tCO2e CNY per t")
    ax.set_title(title)
    return _png(fig)
