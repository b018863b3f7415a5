"""Word and PDF out of the system: docxtpl templates rendered with every value escaped, LibreOffice headless
for PDF when installed, and a Word or Excel file's text as HTML for a browser that shows no PDF."""

from __future__ import annotations

import io
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

import docx
from docxtpl import DocxTemplate
from markupsafe import escape

TEMPLATES = Path(__file__).resolve().parents[2] / "templates" / "docx"


def render_docx(template: str, context) -> bytes:
    """Render a Word template with every value escaped, so text typed by a person (``R&D <减排>``, or
    ``</w:t></w:r>``) stays text and can never become markup, e.g. a line that reads like a signature.
    ``context`` may be a function of the template, for inline images."""
    tpl = DocxTemplate(TEMPLATES / template)
    tpl.render(context(tpl) if callable(context) else context, autoescape=True)
    out = io.BytesIO()
    tpl.save(out)
    return out.getvalue()


def soffice() -> str | None:
    return shutil.which("soffice") or shutil.which("libreoffice")


def to_pdf(data: bytes, suffix: str = ".docx") -> bytes | None:
    """A Word or Excel file as PDF through LibreOffice headless, when it is installed."""
    exe = soffice()
    if exe is None:
        return None
    with tempfile.TemporaryDirectory() as tmp:
        source = Path(tmp) / f"document{suffix}"
        source.write_bytes(data)
        try:
            subprocess.run([exe, "--headless", "--norestore", "--convert-to", "pdf", "--outdir", tmp, str(source)],
                           env={**os.environ, "HOME": tmp}, capture_output=True, timeout=120, check=True)
        except (subprocess.SubprocessError, OSError):
            return None
        out = source.with_suffix(".pdf")
        return out.read_bytes() if out.exists() else None


def html_preview(data: bytes, suffix: str) -> str:
    """Text and tables of a Word file, or the first rows of a workbook, as escaped HTML."""
    parts: list[str] = []
    if suffix == ".docx":
        d = docx.Document(io.BytesIO(data))
        for block in d.element.body.iterchildren():
            if block.tag.endswith("}p"):
                text = "".join(t.text or "" for t in block.iter() if t.tag.endswith("}t"))
                parts.append(f"<p>{escape(text)}</p>" if text.strip() else "")
            elif block.tag.endswith("}tbl"):
                rows = []
                for tr in block.iter():
                    if tr.tag.endswith("}tr"):
                        cells = ["".join(t.text or "" for t in tc.iter() if t.tag.endswith("}t"))
                                 for tc in tr.iterchildren() if tc.tag.endswith("}tc")]
                        rows.append("<tr>" + "".join(f"<td>{escape(c)}</td>" for c in cells) + "</tr>")
                parts.append("<table>" + "".join(rows) + "</table>")
    elif suffix == ".xlsx":
        from openpyxl import load_workbook
        ws = load_workbook(io.BytesIO(data), read_only=True, data_only=True).worksheets[0]
        ws.reset_dimensions()
        rows = ["<tr>" + "".join(f"<td>{escape('' if c is None else str(c))}</td>" for c in row) + "</tr>"
                for row in ws.iter_rows(values_only=True, max_row=200, max_col=30)]
        parts.append("<table>" + "".join(rows) + "</table>")
    return "\n".join(p for p in parts if p)
