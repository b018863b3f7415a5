"""PNG charts for Word reports, drawn with matplotlib's Agg backend (no display needed).

Labels are bilingual, so a CJK font is asked for by name; where none is installed matplotlib
falls back and only the Chinese glyphs suffer.
"""

from __future__ import annotations

import io

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

plt.rcParams["font.sans-serif"] = ["WenQuanYi Micro Hei", "Noto Sans CJK SC", "DejaVu Sans"]
plt.rcParams["axes.unicode_minus"] = False


def _png(fig) -> bytes:
    out = io.BytesIO()
    fig.savefig(out, format="png", dpi=120, bbox_inches="tight")
    plt.close(fig)
    return out.getvalue()


def stacked_months(months: list[str], series: dict[str, list[float]], title: str) -> bytes:
    """Monthly tCO2 stacked by process."""
    fig, ax = plt.subplots(figsize=(8, 3.6))
    bottom = [0.0] * len(months)
    for name, values in series.items():
        ax.bar(months, values, bottom=bottom, label=name)
        bottom = [b + v for b, v in zip(bottom, values)]
    ax.set_title(title)
    ax.set_ylabel("tCO2")
    ax.legend(fontsize=7, ncol=4)
    ax.tick_params(axis="x", labelrotation=45, labelsize=7)
    return _png(fig)


def shares(labels: list[str], values: list[float], title: str) -> bytes:
    fig, ax = plt.subplots(figsize=(5, 4))
    ax.pie(values, labels=labels, autopct="%1.1f%%", textprops={"fontsize": 7})
    ax.set_title(title)
    return _png(fig)
