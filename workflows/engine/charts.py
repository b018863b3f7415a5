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
        bottom = [b + v for b, v in zip(bottom, values, strict=True)]
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
