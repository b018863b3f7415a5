"""Meter readings as the energy-monitoring system exports them: the template, and turning an upload into one
plain UTF-8 CSV with known columns, which DuckDB then reads and checks whole (never row by row in Python).

A row is one meter at one time: what it used over the interval ending then (用量) and, where the system keeps
it, the register (表底数), which may never run backwards."""

from __future__ import annotations

import codecs
import csv
import io
import os
import tempfile
from pathlib import Path

from openpyxl import Workbook, load_workbook

from forms.uploads import check_zip
from storage.errors import StewardError

# (key, zh, en, required)
COLUMNS = [
    ("meter", "计量器具编号", "Meter", True),
    ("time", "时间", "Time", True),
    ("amount", "用量", "Amount", True),
    ("counter", "表底数", "Counter", False),
    ("unit", "单位", "Unit", False),
]
HEADERS = [f"{zh} {en}" for _, zh, en, _ in COLUMNS]
WORDS = {"meter": ("计量器具", "meter"), "time": ("时间", "time", "timestamp"), "amount": ("用量", "amount", "value"),
         "counter": ("表底数", "counter", "register"), "unit": ("单位", "unit")}
MAX_ROWS = 5_000_000  # a year of hourly readings for 570 meters; ten million rows are refused
MAX_BYTES = 400 << 20  # refused while it streams in, before anything reads it
MAX_XLSX_BYTES = 50 << 20  # a workbook is unpacked to rows; a monitoring export this big comes as CSV
EXAMPLES = [["M-W001", "2026-01-01 00:00", 3.52, 10251.40, "t"], ["M-W001", "2026-01-01 01:00", 3.48, 10254.88, "t"]]


def template(meters: list[tuple[str, str, str]] = ()) -> bytes:
    """The workbook people fill or the monitoring system's export is laid out like: the data sheet, examples and
    this enterprise's meters (code, name, unit) on sheets of their own."""
    from openpyxl.styles import Font
    wb = Workbook()
    ws = wb.active
    ws.title = "读数 Readings"
    ws.append(HEADERS)
    for cell in ws[1]:
        cell.font = Font(bold=True)
    for col, width in zip("ABCDE", (16, 20, 12, 14, 10), strict=True):
        ws.column_dimensions[col].width = width
    ws.freeze_panes = "A2"
    examples = wb.create_sheet("示例 Examples")
    examples.append(HEADERS)
    for row in EXAMPLES:
        examples.append(row)
    listed = wb.create_sheet("计量器具 Meters")
    listed.append(["编号 Code", "名称 Name", "单位 Unit"])
    for row in meters:
        listed.append(list(row))
    help_ = wb.create_sheet("说明 Help")
    for line in (["时间 Time", "YYYY-MM-DD HH:MM（逐时）或 YYYY-MM-DD（逐日），为该时段开始的时刻 / the start of the interval"],
                 ["用量 Amount", "该时段的用量，不能为负 / what the meter counted over the interval, never negative"],
                 ["表底数 Counter", "可不填；填写时不能倒走 / optional; may never run backwards"],
                 ["单位 Unit", "可不填（按计量器具单位）；须能换算为计量器具的单位 / optional; must convert to the meter's"],
                 ["CSV", f"UTF-8 或 GBK，最多 {MAX_ROWS:,} 行 / UTF-8 or GBK, at most {MAX_ROWS:,} rows"]):
        help_.append(line)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def _bad(code: str, zh: str, en: str, status: int = 422) -> StewardError:
    return StewardError(code, zh, en, field="file", status=status)


def columns(header: list) -> dict[str, int]:
    """Which column holds what, by the words in its header (either language, any order)."""
    found: dict[str, int] = {}
    for i, cell in enumerate(header):
        text = str(cell or "").strip().lower()
        for key, words in WORDS.items():
            if key not in found and any(w.lower() in text for w in words):
                found[key] = i
                break
    found["_width"] = len(header)  # how many columns each line has: DuckDB is told, not left to guess
    missing = [(zh, en) for key, zh, en, required in COLUMNS if required and key not in found]
    if missing:
        raise _bad("columns", "缺少列：" + "、".join(zh for zh, _ in missing) + "（请用读数模板）",
                   "Missing columns: " + ", ".join(en for _, en in missing) + " (use the readings template)")
    return found


def spool(stream, limit: int = MAX_BYTES) -> Path:
    """Copy an upload to a temporary file, refusing it as soon as it passes ``limit``: a file too large is never
    read whole. The caller removes the file."""
    fd, name = tempfile.mkstemp(prefix="steward-readings-", suffix=".upload")
    size = 0
    try:
        with os.fdopen(fd, "wb") as out:
            while chunk := stream.read(1 << 20):
                size += len(chunk)
                if size > limit:
                    raise _bad("file_too_large", f"文件超过上限 {limit >> 20} MB，未导入",
                               f"The file exceeds the {limit >> 20} MB limit; nothing was imported", status=413)
                out.write(chunk)
    except BaseException:
        os.unlink(name)
        raise
    return Path(name)


def normalise(name: str, path: Path) -> tuple[Path, dict[str, int]]:
    """The upload as a UTF-8 CSV (a workbook's first sheet, or a GBK CSV, written out once) and its columns.
    The returned file is new when it differs from ``path``; the caller removes both."""
    lower = name.lower()
    if lower.endswith(".xlsx"):
        return _from_workbook(name, path)
    if not lower.endswith(".csv"):
        raise _bad("file_type", "只接受 .xlsx 或 .csv 文件", "Only .xlsx or .csv files are accepted")
    with path.open("rb") as fh:
        head = fh.read(1 << 16)
    encoding = "utf-8-sig"
    try:
        head.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        if exc.start < len(head) - 4:  # not merely a character cut at the end of the sample
            encoding = "gb18030"
    lines = head.decode(encoding, errors="replace").splitlines()  # none at all for an empty file or a lone BOM
    first = next(csv.reader(io.StringIO(lines[0])), []) if lines else []
    found = columns(first)
    if encoding == "utf-8-sig" and not head.startswith(codecs.BOM_UTF8):
        return path, found
    fd, out_name = tempfile.mkstemp(prefix="steward-readings-", suffix=".csv")
    try:
        with path.open("r", encoding=encoding, newline="") as src, os.fdopen(fd, "w", encoding="utf-8") as out:
            while chunk := src.read(1 << 20):
                out.write(chunk)
    except UnicodeDecodeError:
        os.unlink(out_name)
        raise _bad("encoding", "CSV 文件编码无法识别（请用 UTF-8 或 GBK）", "The CSV file is neither UTF-8 nor GBK") from None
    return Path(out_name), found


def _from_workbook(name: str, path: Path) -> tuple[Path, dict[str, int]]:
    if path.stat().st_size > MAX_XLSX_BYTES:
        raise _bad("file_too_large", f"Excel 文件超过 {MAX_XLSX_BYTES >> 20} MB：请导出为 CSV",
                   f"An Excel file over {MAX_XLSX_BYTES >> 20} MB: export it as CSV", status=413)
    broken = _bad("broken_file", f"文件 {name} 不是有效的 Excel 工作簿（可能已损坏）",
                  f"{name} is not a valid Excel workbook (it may be damaged)")
    fd, out_name = tempfile.mkstemp(prefix="steward-readings-", suffix=".csv")
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as out:
            check_zip(path, name)
            ws = load_workbook(path, read_only=True, data_only=True).worksheets[0]
            ws.reset_dimensions()
            writer, found, n = csv.writer(out), None, 0
            for row in ws.iter_rows(values_only=True, max_col=16):
                if found is None:
                    found = columns(list(row))
                    writer.writerow(["c%d" % i for i in range(found["_width"])])
                    continue
                n += 1
                if n > MAX_ROWS:
                    raise too_many()
                writer.writerow(["" if v is None else (v.isoformat(sep=" ") if hasattr(v, "isoformat") else v)
                                 for v in row[:found["_width"]]] + [""] * (found["_width"] - len(row)))
            if found is None:
                raise _bad("empty", "文件是空的", "The file is empty")
    except StewardError as exc:
        os.unlink(out_name)
        raise broken if exc.code == "broken_file" else exc from None
    except Exception:  # openpyxl raises many kinds on a damaged or hostile workbook
        os.unlink(out_name)
        raise broken from None
    return Path(out_name), found


def too_many() -> StewardError:
    return _bad("too_many", f"一次最多导入 {MAX_ROWS:,} 行，未导入", f"At most {MAX_ROWS:,} rows per import; nothing was "
                "imported", status=413)


def from_records(records: list[dict]) -> Path:
    """Rows pushed to the API, written as the template's CSV so they meet exactly the checks of a file."""
    fd, name = tempfile.mkstemp(prefix="steward-readings-", suffix=".csv")
    with os.fdopen(fd, "w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(HEADERS)
        for r in records:
            writer.writerow([r.get(key, "") if r.get(key) is not None else "" for key, *_ in COLUMNS])
    return Path(name)
