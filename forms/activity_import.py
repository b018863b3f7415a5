"""Monthly activity data from Excel or CSV (6.1.2 d): the template, and reading a file into checked
rows. Every problem is reported with its row and column, all of them at once; nothing is imported
unless the whole file is clean.
"""

from __future__ import annotations

import csv
import io
import zipfile
from dataclasses import dataclass
from datetime import date, datetime

from openpyxl import Workbook, load_workbook
from openpyxl.utils.exceptions import InvalidFileException

from accounting.errors import AccountingError
from accounting.factors import Library
from accounting.inventory import Activity, calculate
from storage.errors import StewardError
from storage.vocab import ActivityCategory, DataSource

# (key, zh, en, required)
COLUMNS = [
    ("period", "月份", "Month (YYYY-MM)", True), ("facility", "设施代码", "Facility code", False),
    ("category", "类别", "Category", True), ("material", "物料", "Material", True),
    ("quantity", "数量", "Quantity", True), ("unit", "单位", "Unit", True),
    ("source", "数据来源", "Source", False), ("meter", "计量器具", "Meter code", False),
    ("evidence", "证据", "Evidence", False),
]
HEADERS = [f"{zh} {en}" for _, zh, en, _ in COLUMNS]
EXAMPLES = [
    ["2025-01", "F-KL01", "fuel_combustion", "bituminous_coal", 18250.5, "t", "measured", "M-W001", "生产月报 2025-01"],
    ["2025-01", "", "electricity_purchased", "grid_electricity", 12650.2, "MWh", "measured", "M-E001", "电费结算单"],
    ["2025-01", "F-BL01", "fuel_combustion", "natural_gas", 2.1, "10^4 Nm3", "measured", "M-G001", "燃气账单"],
]
MAX_ROWS = 100_000


@dataclass(frozen=True)
class Row:
    line: int
    period: date
    facility: str | None
    category: str
    material: str
    quantity: float
    unit: str
    source: str
    meter: str | None
    evidence: str


def template() -> bytes:
    """The workbook users download: headers, three example rows, and a sheet that explains the codes."""
    wb = Workbook()
    ws = wb.active
    ws.title = "活动数据 Activity"
    ws.append(HEADERS)
    for row in EXAMPLES:
        ws.append(row)
    for col, width in zip("ABCDEFGHI", (12, 12, 24, 22, 14, 12, 12, 12, 24), strict=True):
        ws.column_dimensions[col].width = width
    help_ = wb.create_sheet("说明 Help")
    help_.append(["类别 Category", "中文", "English"])
    for c in ActivityCategory:
        help_.append([c.value, c.zh, c.en])
    help_.append([])
    help_.append(["数据来源 Source", "中文", "English"])
    for s in DataSource:
        help_.append([s.value, s.zh, s.en])
    help_.append([])
    help_.append(["单位 Units", "t, kg, 万t, MWh, kWh, 万kWh, GJ, 10^4 Nm3, Nm3"])
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def _cells(name: str, data: bytes) -> list[list]:
    if name.lower().endswith(".csv"):
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            try:
                text = data.decode("gb18030")
            except UnicodeDecodeError:
                raise StewardError("encoding", "CSV 文件编码无法识别（请用 UTF-8 或 GBK）",
                                   "The CSV file is neither UTF-8 nor GBK") from None
        return [row for row in csv.reader(io.StringIO(text))]
    if not name.lower().endswith(".xlsx"):
        raise StewardError("file_type", "只接受 .xlsx 或 .csv 文件", "Only .xlsx or .csv files are accepted", field="file")
    try:
        wb = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, InvalidFileException, KeyError, OSError, ValueError):
        raise StewardError("broken_file", f"文件 {name} 不是有效的 Excel 工作簿（可能已损坏）",
                           f"{name} is not a valid Excel workbook (it may be damaged)", field="file") from None
    return [list(r) for r in wb.worksheets[0].iter_rows(values_only=True)]


def _period(value) -> date:
    if isinstance(value, datetime):
        return value.date().replace(day=1)
    if isinstance(value, date):
        return value.replace(day=1)
    text = str(value).strip()
    for fmt in ("%Y-%m", "%Y/%m", "%Y-%m-%d", "%Y%m"):
        try:
            return datetime.strptime(text, fmt).date().replace(day=1)
        except ValueError:
            continue
    raise ValueError


def read(name: str, data: bytes, lib: Library) -> list[Row]:
    """Parse and check every row; raise one error listing each bad cell by row and column."""
    cells = [r for r in _cells(name, data) if any(c not in (None, "") for c in r)]
    if not cells:
        raise StewardError("empty", "文件是空的", "The file is empty", field="file")
    header = [str(c or "").strip() for c in cells[0]]
    index = {}
    for key, zh, en, required in COLUMNS:
        found = [i for i, h in enumerate(header) if h in (f"{zh} {en}", zh, en, key)]
        if found:
            index[key] = found[0]
        elif required:
            raise StewardError("header", f"缺少列「{zh}」（请使用下载的模板）", f"Missing column {en!r} (use the template)",
                               field="file")
    if len(cells) - 1 > MAX_ROWS:
        raise StewardError("too_many", f"一次最多导入 {MAX_ROWS} 行", f"At most {MAX_ROWS} rows per import", field="file")
    labels = {key: (zh, en) for key, zh, en, _ in COLUMNS}
    errors: list[dict] = []
    rows: list[Row] = []
    seen: dict[tuple, int] = {}

    def bad(line: int, key: str, zh: str, en: str) -> None:
        errors.append({"row": line, "field": key, "zh": f"第 {line} 行「{labels[key][0]}」：{zh}",
                       "en": f"row {line}, {labels[key][1]}: {en}"})

    for line, raw in enumerate(cells[1:], 2):
        get = lambda key, raw=raw: raw[index[key]] if key in index and index[key] < len(raw) else None  # noqa: E731
        text = lambda key, get=get: str(get(key) if get(key) is not None else "").strip()  # noqa: E731
        before = len(errors)
        try:
            period = _period(get("period"))
        except ValueError:
            period = None
            bad(line, "period", f"「{text('period')}」不是 YYYY-MM 格式的月份", f"{text('period')!r} is not a month (YYYY-MM)")
        category = text("category")
        if category not in ActivityCategory.__members__:
            bad(line, "category", f"未知类别「{category}」", f"unknown category {category!r}")
        quantity = get("quantity")
        try:
            quantity = float(str(quantity).replace(",", "")) if not isinstance(quantity, (int, float)) else float(quantity)
        except ValueError:
            bad(line, "quantity", f"「{text('quantity')}」不是数字", f"{text('quantity')!r} is not a number")
            quantity = None
        if quantity is not None and quantity < 0:
            bad(line, "quantity", "不能为负数", "must not be negative")
        source = text("source") or "measured"
        if source not in DataSource.__members__:
            bad(line, "source", f"数据来源须为 {', '.join(DataSource.__members__)}",
                f"source must be one of {', '.join(DataSource.__members__)}")
        if len(errors) == before:
            row = Row(line, period, text("facility") or None, category, text("material"), quantity, text("unit"),
                      source, text("meter") or None, text("evidence"))
            try:
                calculate([Activity("import", row.period, row.category, row.material, row.quantity, row.unit)], lib)
            except AccountingError as exc:
                if exc.code != "measurement_missing":  # the lab value may come later; the row itself is sound
                    bad(line, "unit" if exc.code in ("unit", "unit_mismatch") else "material", exc.zh, exc.en)
            key = (row.facility, row.period, row.category, row.material)
            if key in seen:
                bad(line, "period", f"与第 {seen[key]} 行重复（同一设施、月份、类别、物料）",
                    f"duplicates row {seen[key]} (same facility, month, category and material)")
            seen.setdefault(key, line)
            rows.append(row)
    if errors:
        raise invalid(errors)
    return rows


def invalid(errors: list[dict]) -> StewardError:
    head = errors[:20]
    more_zh = f"等共 {len(errors)} 处错误" if len(errors) > 20 else f"共 {len(errors)} 处错误"
    return StewardError("import_invalid", f"导入失败，未写入任何数据（{more_zh}）：" + "；".join(e["zh"] for e in head),
                        f"Nothing was imported ({len(errors)} error(s)): " + "; ".join(e["en"] for e in head),
                        field=head[0]["field"], details=errors)
