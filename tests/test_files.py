"""Content-addressed file store."""

import hashlib
import io

import pytest

from storage.errors import StewardError
from storage.files import FileStore


def test_a_file_is_stored_under_its_sha256_once(tmp_path):
    store = FileStore(tmp_path)
    data = "受控文件 CEMS-PR-003 第2版".encode() * 1000
    sha, size = store.put(io.BytesIO(data))
    assert sha == hashlib.sha256(data).hexdigest() and size == len(data)
    assert store.read(sha) == data
    assert store.put(io.BytesIO(data))[0] == sha
    assert len([p for p in tmp_path.rglob("*") if p.is_file()]) == 1


def test_tampered_content_no_longer_matches_its_name(tmp_path):
    store = FileStore(tmp_path)
    sha = store.put_bytes(b"original")
    assert store.verify(sha)
    store.path(sha).write_bytes(b"changed")
    assert not store.verify(sha)


def test_an_oversized_upload_is_refused_and_leaves_nothing(tmp_path):
    store = FileStore(tmp_path)
    with pytest.raises(StewardError) as err:
        store.put(io.BytesIO(b"x" * (3 << 20)), max_bytes=2 << 20)
    assert err.value.status == 413 and "2 MB" in err.value.en
    assert [p for p in tmp_path.rglob("*") if p.is_file()] == []


def test_missing_and_malformed_ids_are_clear_errors(tmp_path):
    store = FileStore(tmp_path)
    with pytest.raises(StewardError, match="not found"):
        store.read("a" * 64)
    with pytest.raises(StewardError, match="Invalid file id"):
        store.read("../../etc/passwd")
