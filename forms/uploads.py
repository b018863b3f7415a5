"""Check that an uploaded file is what its extension claims, from its bytes, and that an Office file
(a zip of XML) cannot expand into gigabytes or smuggle in XML entities, before anything parses it."""

from __future__ import annotations

import zipfile
import zlib
from pathlib import Path
from typing import BinaryIO
from xml.parsers import expat

from storage.errors import StewardError

ALLOWED = {
    ".docx": ("application/vnd.openxmlformats-officedocument.wordprocessingml.document", "word/document.xml"),
    ".xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "xl/workbook.xml"),
    ".pdf": ("application/pdf", None),
}


MAX_MEMBERS = 5_000
MAX_UNPACKED = 200 << 20  # 200 MB declared in all members: far above any real workbook or document
MAX_RATIO = 200  # unpacked : packed, checked once a file would unpack to more than 10 MB
XML_CHUNK = 1 << 16
XML_SUFFIXES = (".xml", ".rels", ".vml")
# a DTD's markers as UTF-8 and UTF-16 write them; any other encoding expat cannot read is refused below
MARKERS = tuple(m.encode(enc) for m in ("<!DOCTYPE", "<!ENTITY") for enc in ("utf-8", "utf-16-le", "utf-16-be"))
CONTENT_TYPES = "[Content_Types].xml"
KINDS = {".docx": ("Word 文档", "Word document"), ".xlsx": ("Excel 工作簿", "Excel workbook")}
MAX_NAME = 200  # characters of a file's name: what a document revision keeps (revision.file_name)


def check_name(file_name: str) -> None:
    """Every upload's name, before its bytes are looked at: a longer one was a 500 on PostgreSQL (the column)."""
    if len(file_name) > MAX_NAME:
        raise name_too_long(len(file_name))


def name_too_long(length: int | None = None) -> StewardError:
    """Also what the web answers when the name is so long that the upload's own header is refused."""
    zh, en = (f"（{length:,} 个字符）", f" ({length:,} characters)") if length else ("", "")
    return StewardError("file_name_too_long", f"文件名过长{zh}，最多 {MAX_NAME} 个字符：请改短文件名后重新上传",
                        f"The file name is too long{en}: at most {MAX_NAME} characters; rename the file and upload "
                        "it again", field="file")


def check_zip(source: str | Path | BinaryIO, name: str) -> None:
    """Refuse a zip bomb from the zip directory, then stream every XML part whole (bounded by the declared
    sizes) and refuse a DOCTYPE or ENTITY anywhere in it, before openpyxl or python-docx sees the file. (A
    member that lies about its size is cut at its declared size by ``zipfile``, so the declared sizes are the
    ones that count.)"""
    try:
        with zipfile.ZipFile(source) as zf:
            infos = zf.infolist()
            _check_sizes(infos, name)
            for info in _xml_parts(zf, infos, name):
                _check_xml(zf, info, name)
    except (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError, RuntimeError):  # RuntimeError: encrypted
        raise StewardError("broken_file", f"文件 {name} 已损坏（不是有效的压缩包）", f"{name} is damaged (not a valid zip)",
                           field="file") from None


def _check_sizes(infos: list[zipfile.ZipInfo], name: str) -> None:
    unpacked = sum(i.file_size for i in infos)
    packed = max(sum(i.compress_size for i in infos), 1)
    if len(infos) > MAX_MEMBERS or unpacked > MAX_UNPACKED or (unpacked > 10 << 20 and unpacked / packed > MAX_RATIO):
        raise StewardError("zip_bomb", f"文件 {name} 解压后过大（{unpacked / (1 << 20):,.0f} MB），已拒绝",
                           f"{name} would unpack to {unpacked / (1 << 20):,.0f} MB; refused", field="file", status=413)


class _ContentTypes:
    """What [Content_Types].xml says each member is, kept only for the members there are (so a list of a million
    made-up names costs nothing)."""

    def __init__(self, names: set[str]):
        self.names, self.by_part, self.by_extension = names, {}, {}

    def start(self, tag: str, attrs: dict) -> None:
        kind = attrs.get("ContentType", "").lower()
        if tag.endswith("Override") and (part := attrs.get("PartName", "").lstrip("/").lower()) in self.names:
            self.by_part[part] = kind
        elif tag.endswith("Default") and len(self.by_extension) < MAX_MEMBERS:
            self.by_extension[attrs.get("Extension", "").lower()] = kind


def _xml_parts(zf: zipfile.ZipFile, infos: list[zipfile.ZipInfo], name: str) -> list[zipfile.ZipInfo]:
    """Every member a reader may parse as XML: by its name, or by the content type the package declares for it
    (a sheet can be named ``sheet1.dat``); images (an SVG may carry a DOCTYPE) are never parsed as the package's
    XML. [Content_Types].xml itself is checked while it is read."""
    types = _ContentTypes({i.filename.lower() for i in infos})
    declared = next((i for i in infos if i.filename == CONTENT_TYPES), None)
    if declared is not None:
        _check_xml(zf, declared, name, types.start)

    def is_xml(info: zipfile.ZipInfo) -> bool:
        lowered = info.filename.lower()
        kind = types.by_part.get(lowered) or types.by_extension.get(lowered.rsplit(".", 1)[-1], "")
        return lowered.endswith(XML_SUFFIXES) or (kind.endswith("xml") and not kind.startswith("image/"))
    return [i for i in infos if i is not declared and not i.is_dir() and is_xml(i)]


class _Declared(Exception):
    """Raised from expat's handlers when a part starts a DTD or declares an entity."""


def _declared(*_args) -> None:
    raise _Declared()


def _check_xml(zf: zipfile.ZipFile, info: zipfile.ZipInfo, name: str, on_element=None) -> None:
    """Stream one part through expat (in C, keeping nothing) with any DTD or entity refused, and look for a DTD's
    markers in its bytes as well: a DOCTYPE or ENTITY anywhere (in a comment, after the root, past the first
    kilobytes) is refused, and so is a part expat cannot read at all (an encoding only lxml knows could hide one)."""
    parser = expat.ParserCreate()
    parser.StartDoctypeDeclHandler = parser.EntityDeclHandler = parser.UnparsedEntityDeclHandler = _declared
    parser.ExternalEntityRefHandler = _declared
    if on_element is not None:
        parser.StartElementHandler = on_element
    tail = b""
    try:
        with zf.open(info) as part:
            while chunk := part.read(XML_CHUNK):
                window = tail + chunk  # a marker split across two chunks is found too
                if any(m in window for m in MARKERS):
                    raise _entity_error(name)
                tail = window[-32:]
                parser.Parse(chunk, False)
        parser.Parse(b"", True)
    except _Declared:
        raise _entity_error(name) from None
    except expat.ExpatError:
        zh, en = KINDS.get(Path(name).suffix.lower(), ("Office 文件", "Office file"))
        part = info.filename[:100]
        raise StewardError("broken_file", f"文件 {name} 不是有效的{zh}（其中 {part} 不是有效的 XML），可能已损坏",
                           f"{name} is not a valid {en} ({part} is not valid XML); it may be damaged", field="file",
                           status=415) from None


def _entity_error(name: str) -> StewardError:
    return StewardError("xml_entity", f"文件 {name} 含有 XML 实体声明，已拒绝", f"{name} declares XML entities; refused",
                        field="file", status=415)


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
    check_name(file_name)
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


def type_by_name(file_name: str) -> str | None:
    """The media type an evidence file's name stands for (its bytes are checked when it is kept: ``evidence_type``),
    or None for a kind evidence may not be."""
    ext = Path(file_name).suffix.lower()
    return IMAGES.get(ext) or (ALLOWED[ext][0] if ext in ALLOWED else None)


def _is_image(ext: str, head: bytes) -> bool:
    if ext in (".jpg", ".jpeg"):
        return head.startswith(b"\xff\xd8\xff")
    if ext == ".png":
        return head.startswith(b"\x89PNG\r\n\x1a\n")
    return head[:4] == b"RIFF" and head[8:12] == b"WEBP"


def evidence_type(file_name: str, stored: Path) -> str:
    """An audit's evidence file: a photo (jpg, png, webp) or an office file; its bytes must be what its name says."""
    check_name(file_name)
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
