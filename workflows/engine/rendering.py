"""Word and PDF out of the system: docxtpl templates rendered with every value escaped, LibreOffice headless
for PDF when installed, and a Word file as sanitised HTML (mammoth, then nh3; no LibreOffice needed) or an
Excel file's first rows, to read in the browser."""

from __future__ import annotations

import io
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

import docx
import mammoth
import nh3
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


def pdf_ready() -> bool:
    """Whether this server can make a PDF: LibreOffice is on the PATH. Without it Word is read as HTML."""
    return soffice() is not None


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


# What a read Word file may keep: structure and emphasis. No script, style, link target, form, frame or image
# (an embedded image would come as a data: URL the page's policy may refuse; the download has it).
READ_TAGS = {"p", "h1", "h2", "h3", "h4", "h5", "h6", "strong", "em", "u", "s", "sub", "sup", "br", "ul", "ol",
             "li", "table", "thead", "tbody", "tr", "th", "td", "blockquote", "pre", "code"}
READ_ATTRIBUTES = {"td": {"colspan", "rowspan"}, "th": {"colspan", "rowspan"}}


def word_as_html(data: bytes) -> str:
    """A Word file as HTML to read in the page: headings, lists, tables and emphasis as Word has them
    (mammoth), with everything that could run or reach out removed (nh3)."""
    result = mammoth.convert_to_html(io.BytesIO(data), convert_image=mammoth.images.img_element(lambda image: {}))
    return nh3.clean(result.value, tags=READ_TAGS, attributes=READ_ATTRIBUTES, url_schemes=set(),
                     link_rel=None, strip_comments=True)


def html_preview(data: bytes, suffix: str) -> str:
    """A Word file (sanitised, see ``word_as_html``), or the first rows of a workbook, as HTML."""
    parts: list[str] = []
    if suffix == ".docx":
        try:
            return word_as_html(data)
        except Exception:  # noqa: BLE001 a file mammoth cannot read still shows its text, as before
            pass
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
