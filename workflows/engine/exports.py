"""Lists as Excel workbooks, the way people file and share a register: a bold, frozen header row, columns
wide enough to read, numbers kept as numbers, and text that looks like a formula kept as text."""

from __future__ import annotations

import io
from collections.abc import Iterable, Sequence

from openpyxl import Workbook
from openpyxl.styles import Font


def workbook(title: str, headers: Sequence[str], rows: Iterable[Sequence]) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.title = title[:31]
    ws.append(list(headers))
    for cell in ws[1]:
        cell.font = Font(bold=True)
    widths = [len(str(h)) * 2 for h in headers]
    for row in rows:
        values = list(row)
        ws.append(values)
        for cell in ws[ws.max_row]:
            if cell.data_type == "f":  # typed text such as "=HYPERLINK(…)" is stored as text, never a formula
                cell.data_type = "s"
        widths = [max(w, min(len(str(v)) * 2 if v is not None else 0, 60)) for w, v in zip(widths, values, strict=False)]
    for i, w in enumerate(widths, start=1):
        ws.column_dimensions[ws.cell(row=1, column=i).column_letter].width = max(w, 8)
    ws.freeze_panes = "A2"
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()
