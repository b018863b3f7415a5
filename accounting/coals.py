"""The coals the power guideline's monthly rules account (by the month's measured NCV and carbon), one list for the
calculator and for the measurements that may be recorded for them, so every coal the rules take can be measured.

Each has a name people type: the library's coals (GB/T 32150 Table B.1) and 原煤 (raw coal, GB/T 2589), which has no
default here, so its NCV and carbon are the plant's measurements. 煤泥 (coal slime) is no coal of its own here:
GB/T 32150's table has no row for it and GB/T 2589 counts it with 洗中煤 under 其他洗煤, so it is read as
other_washed_coal, whose default it shares."""

from __future__ import annotations

COALS = ("bituminous_coal", "anthracite", "lignite", "coking_coal", "washed_coal", "other_washed_coal", "briquette",
         "coal_gangue", "raw_coal")

# plausible bands for a coal the library has no default for (raw coal), where the band is otherwise relative to it:
# from coal gangue (about 8 GJ/t) to anthracite (about 30 GJ/t); carbon per heat of any coal about 25–30 kgC/GJ
BANDS = {"ncv": (4.0, 35.0, "GJ/t"), "carbon_content": (0.020, 0.035, "tC/GJ")}
