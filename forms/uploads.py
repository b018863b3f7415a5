"""Check that an uploaded file is what its extension claims, from its bytes."""

from __future__ import annotations

import zipfile
from pathlib import Path

from storage.errors import StewardError

ALLOWED = {
    ".docx": ("application/vnd.openxmlformats-officedocument.wordprocessingml.document", "word/document.xml"),
    ".xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "xl/workbook.xml"),
    ".pdf": ("application/pdf", None),
}


def media_type(file_name: str, stored: Path) -> str:
    """Return the media type for ``file_name`` when the stored bytes match it; refuse otherwise."""
    ext = Path(file_name).suffix.lower()
    if ext not in ALLOWED:
        raise StewardError("file_type", f"不支持的文件类型 {ext or '（无扩展名）'}，仅限 docx、xlsx、pdf",
                           f"File type {ext or '(none)'} is not accepted; use docx, xlsx or pdf", field="file")
    mime, member = ALLOWED[ext]
    with stored.open("rb") as fh:
        head = fh.read(8)
    if member is None:
        ok = head.startswith(b"%PDF-")
    else:
        ok = head.startswith(b"PK\x03\x04") and zipfile.is_zipfile(stored)
        if ok:
            with zipfile.ZipFile(stored) as zf:
                ok = member in zf.namelist()
    if not ok:
        raise StewardError("file_mismatch", f"文件 {file_name} 的内容不是 {ext[1:]} 格式",
                           f"The content of {file_name} is not a {ext[1:]} file", field="file", status=415)
    return mime
