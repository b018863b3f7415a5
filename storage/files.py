"""Content-addressed file store: a blob's name is its sha256, so it is stored once and can be
checked against the hash any record holds for it."""

from __future__ import annotations

import hashlib
import io
import os
import shutil
import tempfile
from pathlib import Path
from typing import BinaryIO

from storage.errors import NotFound, StewardError

CHUNK = 1 << 20


class FileStore:
    def __init__(self, root: Path):
        self.root = Path(root)

    def path(self, sha256: str) -> Path:
        if len(sha256) != 64 or any(c not in "0123456789abcdef" for c in sha256):
            raise StewardError("bad_hash", f"无效的文件标识 {sha256!r}", f"Invalid file id {sha256!r}")
        return self.root / sha256[:2] / sha256[2:]

    def put(self, stream: BinaryIO, *, max_bytes: int | None = None) -> tuple[str, int]:
        """Stream into a temp file, hashing as we go; refuse early when over ``max_bytes``."""
        sha, size, tmp = self.receive(stream, max_bytes=max_bytes)
        self.keep(sha, tmp)
        return sha, size

    def receive(self, stream: BinaryIO, *, max_bytes: int | None = None) -> tuple[str, int, Path]:
        """``put``'s first half: the bytes in a temp file beside the blobs, and their hash. The caller ``keep``s it
        once the record naming it is sure (or unlinks it), so a large file can be copied while it is checked."""
        self.root.mkdir(parents=True, exist_ok=True)
        digest, size = hashlib.sha256(), 0
        fd, tmp = tempfile.mkstemp(dir=self.root, prefix=".incoming-")
        try:
            with os.fdopen(fd, "wb") as out:
                while chunk := stream.read(CHUNK):
                    size += len(chunk)
                    if max_bytes is not None and size > max_bytes:
                        raise StewardError(
                            "file_too_large",
                            f"文件超过上限 {max_bytes // (1 << 20)} MB",
                            f"File exceeds the {max_bytes // (1 << 20)} MB limit",
                            status=413)
                    digest.update(chunk)
                    out.write(chunk)
                out.flush()
                os.fsync(out.fileno())
            return digest.hexdigest(), size, Path(tmp)
        except BaseException:
            if os.path.exists(tmp):
                os.unlink(tmp)
            raise

    def receive_file(self, source: Path) -> tuple[str, int, Path]:
        """``receive`` for a file already on disk: the kernel copies it (no byte passes through Python) and the
        copy is hashed (SHA-256 in hardware where the CPU has it), so a large file costs a fraction of a core."""
        self.root.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=self.root, prefix=".incoming-")
        os.close(fd)
        try:
            shutil.copyfile(source, tmp)
            with open(tmp, "rb") as fh:
                digest = hashlib.file_digest(fh, "sha256").hexdigest()
                os.fsync(fh.fileno())
            return digest, os.path.getsize(tmp), Path(tmp)
        except BaseException:
            if os.path.exists(tmp):
                os.unlink(tmp)
            raise

    def keep(self, sha: str, tmp: Path) -> None:
        """Give a received temp file its name (or drop it: the same bytes are stored already)."""
        try:
            final = self.path(sha)
            final.parent.mkdir(parents=True, exist_ok=True)
            if final.exists():
                os.unlink(tmp)
            else:
                os.replace(tmp, final)
        except BaseException:
            if os.path.exists(tmp):
                os.unlink(tmp)
            raise

    def put_bytes(self, data: bytes) -> str:
        return self.put(io.BytesIO(data))[0]

    def read(self, sha256: str) -> bytes:
        p = self.path(sha256)
        if not p.exists():
            raise NotFound("file_missing", f"文件 {sha256[:12]}… 不存在", f"File {sha256[:12]}… not found")
        return p.read_bytes()

    def verify(self, sha256: str) -> bool:
        """True when the stored bytes still hash to their name."""
        digest = hashlib.sha256()
        with self.path(sha256).open("rb") as fh:
            while chunk := fh.read(CHUNK):
                digest.update(chunk)
        return digest.hexdigest() == sha256
