"""The annual emission report as files: a workbook with one sheet per section and a Word document with one table
per section, both in Chinese with English beside it. Every value is set as text or a number through openpyxl and
python-docx, which escape it, so a name typed by a person can never become markup."""

from __future__ import annotations

import io

import docx
from docx.shared import Pt
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font

from workflows.engine import clock
from workflows.ets.report import Cell, Report

SHEETS = {"entity": "1 基本情况 Entity", "emissions": "2 排放量 Emissions", "activity": "3 活动数据 Activity",
          "factors": "4 因子 Factors", "production": "5 生产 Production", "dq_plan": "6 数据质量 DQ plan",
          "auxiliary": "7 辅助参数 Auxiliary"}
TITLE = ("全国碳排放权交易市场 重点排放单位温室气体排放报告", "Annual greenhouse-gas emission report to the authority")


def text(cell: Cell, sep: str = "\n") -> str | float | int:
    """A cell as a file shows it: both languages of a name (once when they are the same), numbers as numbers."""
    if cell is None:
        return ""
    if isinstance(cell, tuple):
        zh, en = cell
        return zh if zh == en else f"{zh}{sep}{en}"
    return cell


def stem(report: Report) -> str:
    return f"{report.enterprise.code}_{report.year}_年度排放报告"


def workbook(report: Report) -> bytes:
    wb = Workbook()
    wb.remove(wb.active)
    for section in report.sections:
        ws = wb.create_sheet(SHEETS[section.key])
        ws.append([f"{TITLE[0]} {report.year} / {TITLE[1]} {report.year}"])
        ws["A1"].font = Font(bold=True, size=13)
        ws.append([f"{section.zh} / {section.en}"])
        ws["A2"].font = Font(bold=True)
        ws.append([text(c) for c in section.columns])
        for cell in ws[3]:
            cell.font, cell.alignment = Font(bold=True), Alignment(wrap_text=True, vertical="top")
        for row in section.rows:
            ws.append([text(c) for c in row])
            for cell in ws[ws.max_row]:
                cell.alignment = Alignment(wrap_text=True, vertical="top")
        for n in range(len(section.columns)):
            ws.column_dimensions[chr(ord("A") + n)].width = 34 if n == 0 else 20
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def word(report: Report, number: str, revision: int) -> bytes:
    d = docx.Document()
    d.styles["Normal"].font.size = Pt(9)
    d.add_heading(f"{report.enterprise.name_zh} {report.year} 年度温室气体排放报告", level=0)
    d.add_paragraph(f"{TITLE[1]}, data year {report.year} — {report.enterprise.name_en or report.enterprise.name_zh}")
    d.add_paragraph(f"文件编号 Document {number} 第 {revision} 版 revision {revision} · "
                    f"生成于 generated {clock.stamp(clock.utcnow())} · 核算批次 run #{report.run.id}")
    for n, section in enumerate(report.sections, 1):
        d.add_heading(f"{n}. {section.zh} {section.en}", level=1)
        table = d.add_table(rows=1, cols=len(section.columns))
        table.style = "Table Grid"
        for cell, column in zip(table.rows[0].cells, section.columns, strict=True):
            cell.text = str(text(column, " / "))
        for row in section.rows:
            cells = table.add_row().cells
            for cell, value in zip(cells, row, strict=True):
                shown = text(value, " / ")
                cell.text = f"{shown:,.3f}".rstrip("0").rstrip(".") if isinstance(shown, float) else str(shown)
    d.add_heading("签署 Signatures", level=1)
    d.add_paragraph("编制 Prepared、审核 Reviewed、批准 Approved：见受控文件签名记录（系统内电子签名，密码确认）/ see the "
                    "controlled document's signature record (electronic signatures, password re-entered)")
    out = io.BytesIO()
    d.save(out)
    return out.getvalue()
