"""Charts in Word reports read in Chinese, and their legends never cover the data."""

import json
import os
import subprocess
import sys
import warnings
from pathlib import Path

from matplotlib import font_manager

from workflows.engine import charts

ROOT = Path(__file__).resolve().parents[2]
SERIES = {"熟料煅烧 clinker": [5200.0, 6100.0, 6900.0], "外购电力 power": [900.0, 950.0, 1010.0],
          "燃煤 coal": [3100.0, 3300.0, 3500.0], "余热发电 WHR": [-120.0, -130.0, -125.0]}
MONTHS = ["2025-01", "2025-02", "2025-03"]


def test_every_chart_draws_its_chinese_labels_with_a_font_that_has_them():
    with warnings.catch_warnings():
        warnings.filterwarnings("error", message=".*missing from (current )?font.*")  # a box instead of 熟
        charts.stacked_months(MONTHS, SERIES, "月度排放 Monthly emissions")
        charts.shares(["直接 direct", "间接 indirect"], [80.0, 20.0], "排放构成 Shares")
        charts.mac_curve([{"from_t": 0, "abatement_t": 500, "cost_per_t": -80, "name": "余热发电 WHR"}], "边际减排成本")
    assert charts.CJK is not None


def test_a_font_cache_made_before_the_font_was_installed_does_not_leave_boxes(tmp_path):
    """matplotlib keeps its list of fonts in a cache; one built before fonts-wqy-microhei was installed lists no
    CJK font. The charts still find the installed one."""
    config = tmp_path / "mplconfig"
    config.mkdir()
    stale = font_manager.FontManager()
    stale.ttflist = [f for f in stale.ttflist if not any(k in Path(f.fname).name.lower().replace("-", "")
                                                         for k in charts.CJK_FILES)]
    font_manager.json_dump(stale, config / f"fontlist-v{font_manager.FontManager.__version__}.json")
    assert "WenQuanYi" not in json.dumps(json.loads((config / f"fontlist-v{font_manager.FontManager.__version__}.json")
                                                    .read_text()))
    script = ("import warnings\n"
              "warnings.filterwarnings('error', message='.*missing from (current )?font.*')\n"
              "from workflows.engine import charts\n"
              "charts.stacked_months(['2025-01'], {'熟料煅烧': [1.0]}, '月度排放')\n")
    run = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=120,
                         env={**os.environ, "MPLCONFIGDIR": str(config)})
    assert run.returncode == 0, run.stderr[-2000:]


def test_the_legend_sits_outside_the_bars():
    fig = charts.stacked_months_figure(MONTHS, SERIES, "月度排放 Monthly emissions")
    fig.canvas.draw()
    ax = fig.axes[0]
    legend = ax.get_legend().get_window_extent()
    plot = ax.get_window_extent()
    assert not legend.overlaps(plot), (legend, plot)
