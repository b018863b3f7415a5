"""Materials the sector calculators know that have no row of their own in the factor library (the way a mine's
methane ended, raw coal for post-mining, gases in a carbon balance): their names, so the import reads them and a
page names them, never shows the code."""

from __future__ import annotations

# code: (中文, English)
SECTOR_MATERIALS: dict[str, tuple[str, str]] = {
    "grid_electricity": ("外购电力", "Purchased electricity"), "purchased_heat": ("外购热力", "Purchased heat"),
    "raw_meal": ("生料", "Raw meal"), "prebaked_anode": ("预焙阳极", "Prebaked anode"),
    "coal_mine_methane": ("煤矿瓦斯", "Coal-mine methane"),
    "coal_mine_methane_flared": ("煤矿瓦斯（火炬销毁）", "Coal-mine methane, flared"),
    "coal_mine_methane_utilised": ("煤矿瓦斯（回收利用）", "Coal-mine methane, utilised"),
    "raw_coal_underground": ("原煤（井工开采，矿后活动）", "Raw coal, underground mine (post-mining)"),
    "raw_coal_surface": ("原煤（露天开采，矿后活动）", "Raw coal, surface mine (post-mining)"),
    "coking_coal": ("炼焦煤", "Coking coal"),
    "coal_tar": ("煤焦油", "Coal tar"),
}
