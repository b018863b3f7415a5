"""One download for a month: its values as a workbook laid out like the platform's monthly form (the enterprise, the
month, then one row per item with its unit, value, source and evidence), and every evidence file, named by
enterprise, month and item, together in one zip."""

from __future__ import annotations

import io
import zipfile
from pathlib import PurePath

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font

from accounting import ets_monthly
from accounting.ets_monthly import EVIDENCE
from storage.files import FileStore
from workflows.engine import clock

HEADERS = ("序号\nNo.", "数据项\nItem", "单位\nUnit", "数值\nValue", "数据来源\nSource", "支撑材料\nEvidence",
           "文件\nFiles")


def _safe(text: str) -> str:
    return "".join("_" if c in '\\/:*?"<>|' else c for c in text).strip() or "_"


def stem(pkg: dict) -> str:
    return f"{pkg['enterprise'].code}_{pkg['month']:%Y-%m}"


def evidence_name(pkg: dict, item_zh: str, n: int, file_name: str) -> str:
    return f"{stem(pkg)}_{_safe(item_zh)}_{n}{PurePath(file_name).suffix.lower()}"


def workbook(pkg: dict) -> bytes:
    enterprise, profile, row = pkg["enterprise"], pkg["profile"], pkg["row"]
    sector_zh, sector_en = ets_monthly.SECTORS[profile.sector]
    wb = Workbook()
    ws = wb.active
    ws.title = f"{pkg['month']:%Y-%m}"
    ws.append(["全国碳排放权交易市场 重点排放单位月度数据 / National carbon market: monthly data"])
    ws["A1"].font = Font(bold=True, size=13)
    for label, value in (("重点排放单位名称 / Entity", enterprise.name_zh),
                         ("统一社会信用代码 / Credit code", enterprise.credit_code),
                         ("行业 / Sector", f"{sector_zh} / {sector_en}"),
                         ("数据月份 / Month", f"{pkg['month']:%Y-%m}"),
                         ("报送截止日期 / Deadline", pkg["deadline"].isoformat()),
                         ("状态 / Status", f"{pkg['status'].zh} / {pkg['status'].en}"),
                         ("平台回执号 / Receipt", row.receipt if row is not None else ""),
                         ("导出时间 / Exported", clock.stamp(clock.utcnow()))):
        ws.append([label, value])
    ws.append([])
    ws.append(list(HEADERS))
    header_row = ws.max_row
    for cell in ws[header_row]:
        cell.font, cell.alignment = Font(bold=True), Alignment(wrap_text=True, vertical="top")
    for n, line in enumerate(pkg["lines"], 1):
        names = [evidence_name(pkg, line.item.zh, i, f.file_name) for i, f in enumerate(line.files, 1)]
        ws.append([n, f"{line.item.zh}\n{line.item.en}", line.unit, line.value, f"{line.source_zh}\n{line.source_en}",
                   " / ".join(EVIDENCE[line.item.evidence]), "\n".join(names)])
        for cell in ws[ws.max_row]:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    for column, width in zip("ABCDEFG", (6, 30, 10, 14, 50, 20, 50), strict=True):
        ws.column_dimensions[column].width = width
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def bundle(pkg: dict, store: FileStore) -> bytes:
    """The workbook and the evidence files in one zip."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr(f"{stem(pkg)}_月度数据.xlsx", workbook(pkg))
        for line in pkg["lines"]:
            for i, f in enumerate(line.files, 1):
                zf.writestr(f"evidence/{evidence_name(pkg, line.item.zh, i, f.file_name)}", store.read(f.sha256))
    return out.getvalue()
