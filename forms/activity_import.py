"""Monthly activity data from Excel or CSV (6.1.2 d): the template, and reading a file into checked
rows. Every problem is reported with its row and column, all of them at once; nothing is imported
unless the whole file is clean.
"""

from __future__ import annotations

import csv
import difflib
import io
import math
import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime
from functools import cache

from openpyxl import Workbook, load_workbook

from accounting.errors import AccountingError
from accounting.factors import Library
from accounting.inventory import Activity, Options, calculate
from accounting.units import ACTIVITY_UNITS
from forms import aliases
from forms.uploads import check_name, check_zip
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
    ["2025-01", "F-KL01", "化石燃料燃烧", "烟煤", 18250.5, "t", "实测", "M-W001", "生产月报 2025-01"],
    ["2025-01", "", "购入电力", "外购电力", 12650.2, "MWh", "实测", "M-E001", "电费结算单"],
    ["2025-01", "F-BL01", "化石燃料燃烧", "天然气", 2.1, "10^4 Nm3", "实测", "M-G001", "燃气账单"],
]
MAX_ROWS = 100_000
MAX_COLUMNS = 32  # the template has 9; a row claiming column XFD is read no further than this
MAX_TEXT = 1_000  # characters in one cell
MAX_QUANTITY = 1e12  # no monthly figure of any plant in any unit comes near this
csv.field_size_limit(4 << 20)  # read an overlong cell so it can be refused by name (the upload cap bounds it)


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


@dataclass(frozen=True)
class Places:
    """The enterprise's facilities (by code, name or pick-list label, each to its code) and meter codes: a row
    naming anything else is refused beside the other mistakes of its row."""
    facilities: dict[str, str]
    meters: frozenset[str]

    @classmethod
    def of(cls, facilities: list[tuple[str, str]], meters: list[str]) -> Places:
        names: dict[str, list[str]] = {}
        for code, name in facilities:
            for label in {name.strip(), facility_label(code, name)} - {""}:
                names.setdefault(label, []).append(code)
        known = {label: codes[0] for label, codes in names.items() if len(codes) == 1}  # a shared name is no name
        return cls(known | {code: code for code, _ in facilities}, frozenset(meters))


UNITS = list(ACTIVITY_UNITS)  # the one list of units a row offers (accounting.units), each converted through pint


def template(facilities: list[tuple[str, str]] = ()) -> bytes:
    """The workbook people fill: an empty data sheet whose category, material, unit, facility and source cells
    offer drop-downs (names in Chinese, which the import reads as codes), examples on a sheet of their own so
    they are never imported by mistake, and a help sheet with every code, name and measured parameter."""
    from openpyxl.styles import Font
    from openpyxl.worksheet.datavalidation import DataValidation

    from accounting import parameters
    from accounting.factors import default_library
    lib = default_library()
    materials = [(code, material_name(code)) for code in aliases.codes()]  # the list the import reads against
    english = {f.material: f.name_en for f in lib.factors if f.name_en and not f.parameter.startswith(("gwp_", "grid_"))}
    per = units_for()
    wb = Workbook()
    ws = wb.active
    ws.title = "活动数据 Activity"
    ws.append(HEADERS)
    for cell in ws[1]:
        cell.font = Font(bold=True)
    for col, width in zip("ABCDEFGHI", (12, 12, 24, 22, 14, 12, 12, 12, 24), strict=True):
        ws.column_dimensions[col].width = width
    ws.freeze_panes = "A2"
    lists = wb.create_sheet("选项 Lists")  # the drop-downs read their choices from here (a list literal caps at 255)
    columns = {"C": [c.zh for c in ActivityCategory], "D": [material_label(code, name) for code, name in materials], "F": UNITS,
               "B": [facility_label(code, name) for code, name in facilities], "G": [d.zh for d in DataSource]}
    for i, (col, values) in enumerate(columns.items(), 1):
        for row, value in enumerate(values, 1):
            lists.cell(row=row, column=i, value=value)
        if values:
            letter = lists.cell(row=1, column=i).column_letter
            rule = DataValidation(type="list", formula1=f"='选项 Lists'!${letter}$1:${letter}${len(values)}",
                                  allow_blank=True, showErrorMessage=False)  # a code typed by hand is read too
            ws.add_data_validation(rule)
            rule.add(f"{col}2:{col}{MAX_ROWS + 1}")
    lists.sheet_state = "hidden"
    examples = wb.create_sheet("示例 Examples")
    examples.append(HEADERS)
    for row in EXAMPLES:
        examples.append(row)
    help_ = wb.create_sheet("说明 Help")
    help_.append(["类别 Category", "中文", "English"])
    for c in ActivityCategory:
        help_.append([c.value, c.zh, c.en])
    help_.append([])
    help_.append(["物料 Material", "中文", "English", "单位 Units", "类别 Categories"])
    for code, name in materials:
        by_category = entries().get(code, {})
        help_.append([code, name, english.get(code) or _product_en(code), ", ".join(per.get(code, [])),
                      ", ".join(by_category)])
    help_.append(["（任一物料 any material）", "碳平衡的任一投入或产出", "Any carbon-balance input or output", ", ".join(balance_units()),
                  ", ".join(BALANCE)])
    if facilities:
        help_.append([])
        help_.append(["设施代码 Facility", "名称 Name"])
        for code, name in facilities:
            help_.append([code, name])
    help_.append([])
    help_.append(["数据来源 Source", "中文", "English"])
    for d in DataSource:
        help_.append([d.value, d.zh, d.en])
    help_.append([])
    help_.append(["单位 Units", ", ".join(UNITS)])
    help_.append([])
    help_.append(["实测参数 Measured parameter", "名称", "Name", "单位 Unit", "合理范围 Plausible range", "适用 Applies to",
                  "可用单位 Units accepted"])
    for (code, zh, unit, band, applies, accepted), english_row in zip(parameters.table(lib), parameters.table(lib, "en"),
                                                                      strict=True):
        help_.append([code, zh, english_row[1], unit, band, applies, accepted])
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


# categories whose calculator reads no material of the row: the one material each is for (the carbon balance takes any
# material the plant analyses, listed on a help row of its own)
NAMED = {"electricity_purchased": "grid_electricity", "electricity_exported": "grid_electricity",
         "electricity_consumed": "grid_electricity", "heat_purchased": "purchased_heat", "heat_exported": "purchased_heat"}
BALANCE = ("carbon_input", "carbon_output")
PROBE_DAY = date(2025, 1, 1)


def _sectors(category: str) -> tuple[str, ...]:
    """The general rules and each sector with its own for the category (a power plant's coal)."""
    from accounting.inventory import BY_SECTOR
    return ("", *sorted(sector for sector, c in BY_SECTOR if c == category))


@cache
def entries() -> dict[str, dict[str, list[str]]]:
    """Each material's categories and, in each, the offered units the import accepts for it (under the general rules
    or a sector's): found by asking the very check a row goes through (``refusal``), so the help sheet, the entry
    form's unit list and the import cannot disagree."""
    from accounting.factors import default_library
    lib = default_library()
    out: dict[str, dict[str, list[str]]] = {}
    for code in aliases.codes():
        for category in ActivityCategory.__members__:
            if category in BALANCE or category == "co2_recovered" or NAMED.get(category, code) != code:
                continue
            sectors = [s for s in _sectors(category)  # a material the category does not know is refused whatever the unit
                       if getattr(refusal(category, code, UNITS[0], PROBE_DAY, lib, s), "field", "") != "material"]
            units = [u for u in UNITS if any(accepts(category, code, u, PROBE_DAY, lib, s) for s in sectors)]
            if units:
                out.setdefault(code, {})[category] = units
    return out


@cache
def balance_units() -> list[str]:
    """The units any material of a carbon balance is accepted in: by mass, or a gas by volume."""
    from accounting.factors import default_library
    return [u for u in UNITS if accepts("carbon_input", "coke_oven_gas", u, PROBE_DAY, default_library())]


@cache
def units_for() -> dict[str, list[str]]:
    """The units a material's figure may be typed in, in any of its categories: what the entry form offers."""
    return {code: [u for u in UNITS if any(u in units for units in by_category.values())]
            for code, by_category in entries().items()}


def accepts(category: str, material: str, unit: str, day: date, lib: Library, sector: str = "") -> bool:
    found = refusal(category, material, unit, day, lib, sector)
    return found is None or found.code == "measurement_missing"  # the lab value may come later; the row is sound


def refusal(category: str, material: str, unit: str, day: date, lib: Library, sector: str = "",
            quantity: float = 1.0) -> AccountingError | None:
    """What the calculators would refuse in a row (a fuel the library lacks, a unit of the wrong kind), or None."""
    try:
        calculate([Activity("import", day, category, material, quantity, unit)], lib, Options(sector=sector))
    except AccountingError as exc:
        return exc
    return None


def material_name(code: str) -> str:
    """A material's Chinese name as the drop-down offers it (which the import reads back as the code)."""
    from accounting.factors import default_library
    from accounting.products import PRODUCTS
    from accounting.sector_materials import SECTOR_MATERIALS
    if code in PRODUCTS:
        return PRODUCTS[code][0]
    if code in SECTOR_MATERIALS:
        return SECTOR_MATERIALS[code][0]
    named = {f.material: f.name_zh for f in default_library().factors
             if f.name_zh and not f.parameter.startswith(("gwp_", "grid_"))} | {
        code: zh for code, (zh, _) in aliases.SECTOR_MATERIALS.items()}
    zh = named.get(code)
    return zh if zh and aliases.material(zh) == code else code  # a name shared by two materials stays a code


def material_label(code: str, name: str) -> str:
    """How the template's drop-down shows a material, 预焙阳极 (prebaked_anode); the import reads it back as the code."""
    return f"{name} ({code})" if name and name != code else code


def _product_en(code: str) -> str:
    from accounting.products import PRODUCTS
    return PRODUCTS[code][1] if code in PRODUCTS else aliases.SECTOR_MATERIALS.get(code, ("", code))[1]


def facility_label(code: str, name: str) -> str:
    """How a pick list shows a facility, 熟料煅烧窑 (F-KL01); the import reads it back as the code."""
    return f"{name} ({code})" if name and name != code else code


THOUSANDS = re.compile(r"[+-]?\d{1,3}(?:,\d{3})+(?:\.\d*)?|[+-]?\d{1,3}(?: \d{3})+(?:\.\d*)?")


def number_text(text: str) -> str:
    """What people type for a figure, made plain: full-width digits (１２００), thousands separators
    ("1,200", "1，200", "1 200", a thin or no-break space) are dropped where they group thousands. A comma
    anywhere else ("0,65", a decimal comma) is left for the checker to refuse, never read as 65."""
    plain = " ".join(unicodedata.normalize("NFKC", text).split())  # full-width digits, comma, point, spaces
    if THOUSANDS.fullmatch(plain):
        return plain.replace(",", "").replace(" ", "")
    return plain


def _too_many() -> StewardError:
    return StewardError("too_many", f"一次最多导入 {MAX_ROWS} 行", f"At most {MAX_ROWS} rows per import", field="file",
                        status=413)


def _cells(name: str, data: bytes) -> Iterator[list]:
    """Rows of cells, streamed: a file is never expanded beyond the row cap, whatever it declares."""
    if name.lower().endswith(".csv"):
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            try:
                text = data.decode("gb18030")
            except UnicodeDecodeError:
                raise StewardError("encoding", "CSV 文件编码无法识别（请用 UTF-8 或 GBK）",
                                   "The CSV file is neither UTF-8 nor GBK", field="file") from None
        try:
            yield from csv.reader(io.StringIO(text))
        except csv.Error as exc:  # e.g. a field longer than the csv module takes
            raise StewardError("broken_file", f"CSV 文件无法解析：{exc}", f"The CSV file cannot be read: {exc}",
                               field="file") from None
        return
    if not name.lower().endswith(".xlsx"):
        raise StewardError("file_type", "只接受 .xlsx 或 .csv 文件", "Only .xlsx or .csv files are accepted", field="file")
    broken = StewardError("broken_file", f"文件 {name} 不是有效的 Excel 工作簿（可能已损坏）",
                          f"{name} is not a valid Excel workbook (it may be damaged)", field="file")
    try:
        check_zip(io.BytesIO(data), name)
        wb = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        ws = wb.worksheets[0]
        ws.reset_dimensions()  # the declared <dimension> may claim a million rows; read what is there
        for row in ws.iter_rows(values_only=True, max_col=MAX_COLUMNS):
            yield list(row)
    except StewardError as exc:
        raise broken if exc.code == "broken_file" else exc from None
    except Exception:  # openpyxl raises many kinds on a damaged or hostile workbook
        raise broken from None


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


def read(name: str, data: bytes, lib: Library, places: Places | None = None, sector: str = "") -> list[Row]:
    """Parse and check every row of a file; raise one error listing each bad cell by row and column."""
    check_name(name)
    cells = []
    for seen, r in enumerate(_cells(name, data)):
        if seen > MAX_ROWS + 1:  # empty rows count too: a sheet with a cell in row 1,048,576 stops here
            raise _too_many()
        if any(c not in (None, "") for c in r):
            cells.append(r)
    return check(cells, lib, places, sector)


def from_records(records: list[dict], lib: Library, places: Places | None = None, sector: str = "") -> list[Row]:
    """Rows typed into a form or sent to the API: the same checks as a file, with nothing built by hand."""
    if len(records) > MAX_ROWS:
        raise _too_many()
    try:
        return check([HEADERS] + [[r.get(key) for key, *_ in COLUMNS] for r in records], lib, places, sector)
    except StewardError as exc:
        if len(records) != 1 or not exc.details:
            raise
        raise one_row(exc) from None


def one_row(exc: StewardError) -> StewardError:
    """One typed figure's mistakes, each named by its field, not by "row 2" of a file nobody made."""
    labels = {k: (z, e) for k, z, e, _ in COLUMNS}
    details = [{**d, "zh": f"「{labels[d['field']][0]}」{d['zh'].split('：', 1)[-1]}",
                "en": f"{labels[d['field']][1]}: {d['en'].split(': ', 1)[-1]}"} for d in exc.details]
    return StewardError(exc.code, "；".join(d["zh"] for d in details), "; ".join(d["en"] for d in details),
                        field=details[0]["field"], details=details)


def check(cells: list[list], lib: Library, places: Places | None = None, sector: str = "") -> list[Row]:
    """The one checker: a header row, then data rows; every bad cell is named. ``sector``: the enterprise's industry,
    whose own rules the run applies (a power plant's coal by its monthly measurements)."""
    if not cells:
        raise StewardError("empty", "文件是空的", "The file is empty", field="file")
    index = _columns(cells[0])
    if len(cells) - 1 > MAX_ROWS:
        raise _too_many()
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
        for key in index:
            value = get(key)
            if isinstance(value, str) and len(value) > MAX_TEXT:
                bad(line, key, f"内容过长（{len(value):,} 个字符，上限 {MAX_TEXT}）",
                    f"too long ({len(value):,} characters; at most {MAX_TEXT})")
        if len(errors) > before:
            continue
        try:
            period = _period(get("period"))
        except ValueError:
            period = None
            bad(line, "period", f"「{text('period')}」不是 YYYY-MM 格式的月份", f"{text('period')!r} is not a month (YYYY-MM)")
        category = aliases.category(text("category"))
        if category not in ActivityCategory.__members__:
            near = difflib.get_close_matches(category, ActivityCategory.__members__, n=1)
            bad(line, "category", f"未知类别「{category}」" + (f"，是否要填「{near[0]}」（{ActivityCategory(near[0]).zh}）？"
                                                             if near else ""),
                f"unknown category {category!r}" + (f"; did you mean {near[0]!r}?" if near else ""))
        quantity, problem = _quantity(get("quantity"), text("quantity"))
        if problem:
            bad(line, "quantity", *problem)
        source = aliases.source(text("source")) or "measured"
        if source not in DataSource.__members__:
            bad(line, "source", f"数据来源须为 {', '.join(DataSource.__members__)}",
                f"source must be one of {', '.join(DataSource.__members__)}")
        facility, meter = text("facility") or None, text("meter") or None
        facility = _places(places, facility, meter, lambda *why, line=line: bad(line, *why))
        row = Row(line, period, facility, category, aliases.material(text("material")), quantity,
                  text("unit"), source, meter, text("evidence"))
        if category in ActivityCategory.__members__ and quantity is not None:  # the material and unit are named
            _calculable(row, period, lib, sector, lambda *why, line=line: bad(line, *why))
        if len(errors) == before:
            key = (row.facility, row.period, row.category, row.material)
            if key in seen:
                bad(line, "period", f"与第 {seen[key]} 行重复（同一设施、月份、类别、物料）",
                    f"duplicates row {seen[key]} (same facility, month, category and material)")
            seen.setdefault(key, line)
            rows.append(row)
    if errors:
        raise invalid(errors)
    return rows


def _calculable(row: Row, period: date | None, lib: Library, sector: str, bad) -> None:
    """What the calculators would refuse in the row (a fuel the library lacks, a unit of the wrong kind), named even
    when the month is wrong: every mistake of the row at once, not one per attempt."""
    exc = refusal(row.category, row.material, row.unit, period or date.today().replace(day=1), lib, sector, row.quantity)
    if exc is not None:
        if exc.code == "unit":  # a unit nobody knows: say which would do for this material
            fit = units_for().get(row.material, UNITS)
            bad("unit", f"{exc.zh}；可用：{'、'.join(fit)}", f"{exc.en}; use {', '.join(fit)}")
        elif exc.code != "measurement_missing":  # the lab value may come later; the row itself is sound
            bad("unit" if exc.code == "unit_mismatch" else "material", exc.zh, exc.en)


def _places(places: Places | None, facility: str | None, meter: str | None, bad) -> str | None:
    """The facility's code (it may be named by its name); a facility or meter the enterprise does not have is named."""
    if places is None:
        return facility
    if facility and facility not in places.facilities:
        bad("facility", f"本企业没有设施 {facility}", f"no facility {facility} in this enterprise")
    if meter and meter not in places.meters:
        bad("meter", f"本企业没有计量器具 {meter}", f"no meter {meter} in this enterprise")
    return places.facilities.get(facility, facility) if facility else None


def _columns(header_cells: list) -> dict[str, int]:
    header = [str(c or "").strip() for c in header_cells]
    index = {}
    for key, zh, en, required in COLUMNS:
        found = [i for i, h in enumerate(header) if h in (f"{zh} {en}", zh, en, key)]
        if found:
            index[key] = found[0]
        elif required:
            raise StewardError("header", f"缺少列「{zh}」（请使用下载的模板）", f"Missing column {en!r} (use the template)",
                               field="file")
    return index


def _quantity(value, shown: str) -> tuple[float | None, tuple[str, str] | None]:
    """A quantity, or why not: not a number, not finite (NaN, inf, 1e309, 400 digits), absurd, negative."""
    try:
        quantity = float(value) if isinstance(value, (int, float)) else float(number_text(str(value)))
    except ValueError:
        return None, (f"「{shown[:40]}」不是数字", f"{shown[:40]!r} is not a number")
    if not math.isfinite(quantity):
        return None, (f"「{shown[:40]}」不是有限的数", f"{shown[:40]!r} is not a finite number")
    if quantity > MAX_QUANTITY:
        return None, (f"{quantity:.3g} 超出合理范围（上限 {MAX_QUANTITY:.0e}）",
                      f"{quantity:.3g} is beyond any plausible figure (at most {MAX_QUANTITY:.0e})")
    if quantity < 0:
        return None, ("不能为负数", "must not be negative")
    return quantity, None


def invalid(errors: list[dict]) -> StewardError:
    head = errors[:20]
    more_zh = f"等共 {len(errors)} 处错误" if len(errors) > 20 else f"共 {len(errors)} 处错误"
    return StewardError("import_invalid", f"导入失败，未写入任何数据（{more_zh}）：" + "；".join(e["zh"] for e in head),
                        f"Nothing was imported ({len(errors)} error(s)): " + "; ".join(e["en"] for e in head),
                        field=head[0]["field"], details=errors)
