"""Check that an uploaded file is what its extension claims, from its bytes, and that an Office file
(a zip of XML) cannot expand into gigabytes or smuggle in XML entities, before anything parses it."""

from __future__ import annotations

import zipfile
from pathlib import Path
from typing import BinaryIO

from storage.errors import StewardError

ALLOWED = {
    ".docx": ("application/vnd.openxmlformats-officedocument.wordprocessingml.document", "word/document.xml"),
    ".xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "xl/workbook.xml"),
    ".pdf": ("application/pdf", None),
}


MAX_MEMBERS = 5_000
MAX_UNPACKED = 200 << 20  # 200 MB declared in all members: far above any real workbook or document
MAX_RATIO = 200  # unpacked : packed, checked once a file would unpack to more than 10 MB


def check_zip(source: str | Path | BinaryIO, name: str) -> None:
    """Refuse a zip bomb or an XML entity from the zip directory and each part's first bytes only: cheap,
    and done before openpyxl or python-docx sees the file. (A member that lies about its size is cut
    at its declared size by ``zipfile``, so the declared sizes are the ones that count.)"""
    try:
        with zipfile.ZipFile(source) as zf:
            infos = zf.infolist()
            unpacked = sum(i.file_size for i in infos)
            packed = max(sum(i.compress_size for i in infos), 1)
            if len(infos) > MAX_MEMBERS or unpacked > MAX_UNPACKED or (unpacked > 10 << 20 and unpacked / packed > MAX_RATIO):
                raise StewardError("zip_bomb", f"文件 {name} 解压后过大（{unpacked / (1 << 20):,.0f} MB），已拒绝",
                                   f"{name} would unpack to {unpacked / (1 << 20):,.0f} MB; refused", field="file",
                                   status=413)
            for info in infos:
                if info.filename.endswith((".xml", ".rels")):
                    with zf.open(info) as part:
                        head = part.read(2048)
                    if b"<!DOCTYPE" in head or b"<!ENTITY" in head:
                        raise StewardError("xml_entity", f"文件 {name} 含有 XML 实体声明，已拒绝",
                                           f"{name} declares XML entities; refused", field="file", status=415)
    except zipfile.BadZipFile:
        raise StewardError("broken_file", f"文件 {name} 已损坏（不是有效的压缩包）", f"{name} is damaged (not a valid zip)",
                           field="file") from None


def check_docx(path: Path, name: str) -> None:
    """A Word file must open: a damaged one is refused at upload, not when someone renders it later."""
    import docx
    check_zip(path, name)
    try:
        docx.Document(str(path))
    except Exception:  # python-docx raises many kinds on a broken package
        raise StewardError("broken_file", f"文件 {name} 不是有效的 Word 文档（可能已损坏）",
                           f"{name} is not a valid Word document (it may be damaged)", field="file", status=415) from None


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
    if ok and ext == ".docx":
        check_docx(stored, file_name)
    elif ok and ext == ".xlsx":
        check_zip(stored, file_name)
    if not ok:
        raise StewardError("file_mismatch", f"文件 {file_name} 的内容不是 {ext[1:]} 格式",
                           f"The content of {file_name} is not a {ext[1:]} file", field="file", status=415)
    return mime


# Photos taken on a tablet during an audit, besides the office files above. Signatures from the formats' own
# specifications: JPEG SOI marker, PNG 8-byte signature, WebP RIFF container with its "WEBP" form type.
IMAGES = {".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".png": "image/png", ".webp": "image/webp"}


def _is_image(ext: str, head: bytes) -> bool:
    if ext in (".jpg", ".jpeg"):
        return head.startswith(b"\xff\xd8\xff")
    if ext == ".png":
        return head.startswith(b"\x89PNG\r\n\x1a\n")
    return head[:4] == b"RIFF" and head[8:12] == b"WEBP"


def evidence_type(file_name: str, stored: Path) -> str:
    """An audit's evidence file: a photo (jpg, png, webp) or an office file; its bytes must be what its name says."""
    ext = Path(file_name).suffix.lower()
    if ext not in IMAGES:
        if ext not in ALLOWED:
            raise StewardError("file_type", f"不支持的文件类型 {ext or '（无扩展名）'}，仅限照片（jpg、png、webp）或 docx、xlsx、pdf",
                               f"File type {ext or '(none)'} is not accepted; use a photo (jpg, png, webp) or docx, "
                               "xlsx, pdf", field="file")
        return media_type(file_name, stored)
    with stored.open("rb") as fh:
        head = fh.read(12)
    if not _is_image(ext, head):
        raise StewardError("file_mismatch", f"文件 {file_name} 的内容不是 {ext[1:]} 图片",
                           f"The content of {file_name} is not a {ext[1:]} image", field="file", status=415)
    return IMAGES[ext]
