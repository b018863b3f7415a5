"""Lists as Excel workbooks, the way people file and share a register: a bold, frozen header row, columns
wide enough to read, numbers kept as numbers, and text that looks like a formula kept as text.

Every list page's export goes through ``write``: rows come from the same query as the page (read in batches),
each is written straight to a temporary file by openpyxl's write-only mode, so an export of 100,000 rows or more
never holds the list (nor the sheet) in memory. Moments are shown on the plant's clock, never in UTC."""

from __future__ import annotations

import io
import tempfile
from collections.abc import Iterable, Iterator, Sequence
from datetime import date, datetime
from itertools import islice
from typing import IO

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from workflows.engine import clock

SAMPLE = 200  # rows read ahead to size the columns before any is written
CHUNK = 1 << 16


def _value(value):
    """A cell's value as a reader wants it: a moment on the plant's clock (Excel knows no time zone)."""
    if isinstance(value, datetime):
        return clock.local(value).replace(tzinfo=None, microsecond=0)
    return value


def write(title: str, headers: Sequence[str], rows: Iterable[Sequence], out: IO[bytes]) -> None:
    """Write the workbook into ``out``, a row at a time."""
    wb = Workbook(write_only=True)
    ws = wb.create_sheet(title=_sheet_title(title))
    it = iter(rows)
    ahead = [[_value(v) for v in row] for row in islice(it, SAMPLE)]
    widths = [len(str(h)) * 2 for h in headers]
    for values in ahead:
        widths = [max(w, min(len(str(v)) * 2 if v is not None else 0, 60)) for w, v in zip(widths, values, strict=False)]
    for i, w in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(i)].width = max(w, 8)
    ws.freeze_panes = "A2"
    bold = Font(bold=True)

    def header(text: str) -> WriteOnlyCell:
        cell = WriteOnlyCell(ws, value=text)
        cell.font = bold
        return cell
    ws.append([header(str(h)) for h in headers])
    for values in ahead:
        ws.append([_text_cell(ws, v) for v in values])
    for row in it:
        ws.append([_text_cell(ws, _value(v)) for v in row])
    wb.save(out)


def _text_cell(ws, value):
    if isinstance(value, str) and value.startswith("="):  # typed text such as "=HYPERLINK(…)" stays text
        cell = WriteOnlyCell(ws, value=value)
        cell.data_type = "s"
        return cell
    return value


def _sheet_title(title: str) -> str:
    return "".join(c for c in title if c not in "[]:*?/\\")[:31] or "Sheet"


def spooled(title: str, headers: Sequence[str], rows: Iterable[Sequence]) -> IO[bytes]:
    """The workbook in a temporary file, rewound, for the caller to stream and close."""
    out = tempfile.TemporaryFile()
    try:
        write(title, headers, rows, out)
    except BaseException:
        out.close()
        raise
    out.seek(0)
    return out


def chunks(out: IO[bytes]) -> Iterator[bytes]:
    """The file's bytes in pieces; closed (and so removed) when read to the end or abandoned."""
    try:
        while piece := out.read(CHUNK):
            yield piece
    finally:
        out.close()


def workbook(title: str, headers: Sequence[str], rows: Iterable[Sequence]) -> bytes:
    """A small workbook as bytes (a run, a checklist): the same layout as a streamed list."""
    out = io.BytesIO()
    write(title, headers, rows, out)
    return out.getvalue()


def day(value: date | datetime | None) -> date | None:
    """A date column: a stored moment becomes the plant's date it happened on."""
    if isinstance(value, datetime):
        return clock.local(value).date()
    return value
