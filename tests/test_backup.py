"""Backup while the server runs, restore into an empty home: the audit chain verifies, the same rows are
there, signatures are valid, and a write made a second before the backup is in it. A crafted backup — links,
paths that climb or start at the root, data edited and re-hashed — and a home that already has its own audit
key or anchors are refused, and the refusal leaves nothing behind, inside the home or out of it."""

from __future__ import annotations

import hashlib
import io
import json
import os
import shutil
import subprocess
import sys
import tarfile
import threading
import time
from datetime import date
from pathlib import Path

import pytest
from helpers import AUDIT_KEY, ROOT, act, keep_audit_key, run_steward
from sqlalchemy import create_engine, text
from sqlmodel import Session, func, select

from steward import demo
from steward.backup import counts
from steward.context import Context
from steward.demo import DEMO_PASSWORD as PW
from steward.settings import load
from storage.engine import make_engine, unit_of_work
from storage.files import FileStore
from storage.models import ActivityRecord, Revision
from workflows.accounting import activity
from workflows.documents import document as docs
from workflows.engine import machine as wf


def issued_document(plant, store) -> int:
    from documents.test_documents import docx_bytes

    def create(s, a):
        _, rev = docs.create(s, a, doc_type="procedure", title="碳排放数据管理程序", readers=["yangf"])
        docs.upload(s, a, rev, "程序.docx", io.BytesIO(docx_bytes("第一版")), store, 1 << 20)
        return rev.id
    rev_id = act(plant, "lixf", create)
    for who, trigger in (("lixf", "submit"), ("zhaom", "review"), ("wangjg", "approve"), ("lixf", "issue")):
        act(plant, who, lambda s, a, t=trigger: wf.fire(s, docs.LIFECYCLE, s.get(Revision, rev_id), t, a, password=PW))
    return rev_id


def environment(home: Path, url: str) -> dict:
    return {**{k: v for k, v in os.environ.items() if not k.startswith("STEWARD_")}, "STEWARD_HOME": str(home),
            "STEWARD_DATABASE_URL": url}


def restore_target(db_url: str, tmp_path: Path) -> dict:
    """Where a test restores to: a new home, and on PostgreSQL a new, empty database beside the test's own."""
    if db_url.startswith("sqlite"):
        return environment(tmp_path / "restored", f"sqlite:///{tmp_path / 'restored' / 'steward.db'}")
    admin = create_engine(db_url.rsplit("/", 1)[0] + "/postgres", isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{Path(db_url).name}_restored"'))
    admin.dispose()
    return environment(tmp_path / "restored", f"{db_url}_restored")


def tree(root: Path) -> dict[str, str]:
    """Every path under ``root`` and what it holds (a file's hash, a link's target), so a test shows that a
    refused restore wrote nothing anywhere; the test's own SQLite database is left out."""
    found = {}
    for path in sorted(root.rglob("*")):
        if path.parent == root and path.name.startswith("steward.db"):
            continue
        key = str(path.relative_to(root))
        found[key] = (f"-> {os.readlink(path)}" if path.is_symlink() else "folder" if path.is_dir()
                      else hashlib.sha256(path.read_bytes()).hexdigest())
    return found


def refused(result: subprocess.CompletedProcess, *said: str) -> None:
    assert result.returncode == 2, (result.stdout, result.stderr)
    assert "Traceback" not in result.stderr and "audit chain intact" not in result.stdout
    for words in said:
        assert words in result.stderr, result.stderr


def tables_in(url: str) -> dict[str, int]:
    engine = make_engine(url)
    try:
        return counts(engine)
    finally:
        engine.dispose()


@pytest.fixture(scope="module")
def made(seeded_sqlite, tmp_path_factory) -> Path:
    """One real SQLite backup — a signed document in the file store, anchors and their key — that the crafted
    backups are cut from (each is refused before any database is touched, so one backend is enough)."""
    root = tmp_path_factory.mktemp("made")
    shutil.copyfile(seeded_sqlite, root / "steward.db")
    env = environment(root / "home", f"sqlite:///{root / 'steward.db'}")
    keep_audit_key(root / "home")  # the key the seeded database was written with
    engine = make_engine(env["STEWARD_DATABASE_URL"], AUDIT_KEY.encode())
    issued_document(lambda actor="alice": unit_of_work(engine, actor), FileStore(root / "home" / "files"))
    engine.dispose()
    run_steward(["audit", "anchor"], env, check=True)
    run_steward(["backup", "--out", str(root / "backup.tar.gz")], env, check=True)
    return root / "backup.tar.gz"


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def regular(name: str, data: bytes) -> tuple[tarfile.TarInfo, bytes]:
    info = tarfile.TarInfo(name)
    info.size = len(data)
    return info, data


def special(name: str, kind: bytes, target: str = "") -> tuple[tarfile.TarInfo, None]:
    info = tarfile.TarInfo(name)
    info.type, info.linkname = kind, target
    return info, None


def crafted(archive: Path, out: Path, change) -> Path:
    """The backup rewritten as someone holding the file could: ``change(members, manifest)`` edits the members
    (name → (TarInfo, bytes)) and the manifest, re-hashing it to match what they put in."""
    with tarfile.open(archive) as tar:
        members = {m.name: (m, tar.extractfile(m).read() if m.isfile() else None) for m in tar.getmembers()}
    manifest = json.loads(members.pop("manifest.json")[1])
    change(members, manifest)
    with tarfile.open(out, "w:gz") as tar:
        for info, data in [*members.values(), regular("manifest.json", json.dumps(manifest).encode())]:
            tar.addfile(info, io.BytesIO(data) if data is not None else None)
    return out


def stored(manifest: dict) -> str:
    """The name of one file of the file store in the backup."""
    return sorted(manifest["files"])[0]


def restore_crafted(made: Path, tmp_path: Path, change, home_before=None) -> subprocess.CompletedProcess:
    """Restore a crafted copy of ``made`` into a new home and show that, refused, it wrote nothing: not in the
    home, not in ``outside/`` (where the attacks aim), nowhere under the test's folder."""
    archive = crafted(made, tmp_path / "crafted.tar.gz", change)
    (tmp_path / "outside").mkdir(exist_ok=True)
    if home_before:
        home_before(tmp_path / "restored")
    before = tree(tmp_path)
    result = run_steward(["restore", str(archive)],
                         environment(tmp_path / "restored", f"sqlite:///{tmp_path / 'restored' / 'steward.db'}"))
    assert tree(tmp_path) == before
    return result


@pytest.mark.parametrize("db_url", ["sqlite", "postgresql"], indirect=True)
def test_a_backup_taken_while_writing_restores_whole(plant, db_url, steward_env, tmp_path, engine):
    home = Path(steward_env["STEWARD_HOME"])
    store = FileStore(home / "files")
    rev_id = issued_document(plant, store)
    run_steward(["audit", "anchor"], steward_env, check=True)
    act(plant, "lixf", lambda s, a: activity.enter(s, a, [{
        "period": "2031-01", "facility": "", "category": "electricity_purchased", "material": "grid_electricity",
        "quantity": 1234.5, "unit": "MWh"}], "just before the backup"))
    time.sleep(1)
    busy = threading.Event()

    def keep_writing():  # the server goes on while the backup runs
        month = 2
        while not busy.is_set() and month <= 12:
            act(plant, "yangf", lambda s, a, m=month: activity.enter(s, a, [{
                "period": f"2032-{m:02d}", "facility": "", "category": "electricity_purchased",
                "material": "grid_electricity", "quantity": 1.0, "unit": "MWh"}], "during the backup"))
            month += 1
    writer = threading.Thread(target=keep_writing)
    writer.start()
    archive = tmp_path / "backup.tar.gz"
    try:
        made = run_steward(["backup", "--out", str(archive)], steward_env, check=True)
    finally:
        busy.set()
        writer.join()
    assert "backed up" in made.stdout

    restored_env = restore_target(db_url, tmp_path)
    target_url = restored_env["STEWARD_DATABASE_URL"]
    done = run_steward(["restore", str(archive)], restored_env)
    assert done.returncode == 0, done.stderr
    assert "audit chain intact" in done.stdout
    assert run_steward(["verify", "--data"], restored_env).returncode == 0

    restored = make_engine(target_url, AUDIT_KEY.encode())
    with tarfile.open(archive) as tar:
        manifest = __import__("json").load(tar.extractfile("manifest.json"))
    assert counts(restored) == manifest["rows"]
    with Session(restored) as s:
        assert s.exec(select(func.count()).select_from(ActivityRecord).where(
            ActivityRecord.period == date(2031, 1, 1))).one() == 1
        rev = s.get(Revision, rev_id)
        ctx = Context(load({"STEWARD_HOME": str(tmp_path / "restored"), "STEWARD_DATABASE_URL": target_url}))
        assert [ok for _, ok in docs.current_signatures(s, rev, ctx.files)] == [True] * 4
    restored.dispose()
    again = run_steward(["restore", str(archive)], restored_env)
    assert again.returncode == 2 and "not empty" in again.stderr  # never over existing data


def test_a_damaged_backup_is_refused_before_anything_is_written(tmp_path):
    bad = tmp_path / "bad.tar.gz"
    bad.write_bytes(b"not a backup")
    env = {"PATH": "/usr/bin:/bin", "STEWARD_HOME": str(tmp_path / "home")}
    result = subprocess.run([sys.executable, "-m", "steward", "restore", str(bad)], env=env, cwd=ROOT,
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 2 and "not a Carbon Steward backup" in result.stderr
    assert not (tmp_path / "home" / "files").exists()


def test_a_symbolic_link_in_the_backup_is_refused(made, tmp_path):
    def change(members, manifest):  # a file of the store that is a link to the audit key, hash and all
        name = stored(manifest)
        members[name] = special(name, tarfile.SYMTYPE, "../../kept/audit_key")
        manifest["files"][name] = sha(members["kept/audit_key"][1])
    result = restore_crafted(made, tmp_path, change)
    refused(result, "is a symbolic link", "是符号链接")


@pytest.mark.parametrize("name", ["files/../kept/audit_key", "../outside/pwned"])
def test_a_member_that_climbs_with_dot_dot_is_refused(made, tmp_path, name):
    def change(members, manifest):
        if name.startswith("files/"):  # the audit key under a name that climbs back to where it belongs
            info, data = members.pop("kept/audit_key")
            info.name = name
            members[name] = info, data
        else:
            members[name] = regular(name, b"planted")
    result = restore_crafted(made, tmp_path, change)
    refused(result, f"{name} in the backup climbs out of its folder with '..'", "..")


@pytest.mark.parametrize("where", ["member", "manifest"])
def test_an_absolute_path_in_the_backup_is_refused(made, tmp_path, where):
    victim = str(tmp_path / "outside" / "pwned")
    name = victim if where == "member" else f"files/{victim}"  # files/ + /… : the manifest points at the root

    def change(members, manifest):
        members[name] = regular(name, b"planted")
        if where == "manifest":
            manifest["files"][name] = sha(b"planted")
    result = restore_crafted(made, tmp_path, change)
    refused(result, f"{name} in the backup is an absolute path", "是绝对路径")


def test_a_hard_link_in_the_backup_is_refused(made, tmp_path):
    def change(members, manifest):
        name = stored(manifest)
        del members[name]  # after the key in the archive, so that extracting it finds what it links to
        members[name] = special(name, tarfile.LNKTYPE, "kept/audit_key")
        manifest["files"][name] = sha(members["kept/audit_key"][1])
    result = restore_crafted(made, tmp_path, change)
    refused(result, "is a hard link", "是硬链接")


def test_a_manifest_entry_through_a_linked_folder_in_the_backup_is_refused(made, tmp_path):
    """files/lnk points two folders down, so files/lnk/../../../outside/pwned reads a member of the backup
    while the same words, taken in the home, climb three folders up and out of it."""
    def change(members, manifest):
        members["files/d1/d2"] = special("files/d1/d2", tarfile.DIRTYPE)
        members["files/lnk"] = special("files/lnk", tarfile.SYMTYPE, "d1/d2")
        members["outside/pwned"] = regular("outside/pwned", b"planted")
        manifest["files"]["files/lnk/../../../outside/pwned"] = sha(b"planted")
    result = restore_crafted(made, tmp_path, change)
    refused(result, "files/lnk in the backup is a symbolic link")


def test_a_files_folder_in_the_home_that_links_out_of_it_is_refused(made, tmp_path):
    def linked(home):
        home.mkdir()
        (home / "files").symlink_to(tmp_path / "outside")
    result = restore_crafted(made, tmp_path, lambda members, manifest: None, home_before=linked)
    refused(result, f"{tmp_path / 'restored' / 'files'} leads outside STEWARD_HOME", "指向数据目录之外")


def test_a_stored_file_swapped_inside_the_backup_is_refused(made, tmp_path):
    def change(members, manifest):
        for name in manifest["files"]:
            members[name] = regular(name, f"not what was signed: {name}".encode())
            manifest["files"][name] = sha(members[name][1])
    result = restore_crafted(made, tmp_path, change)
    refused(result, "was swapped", "内容已被替换", "nothing was restored")


@pytest.mark.parametrize("db_url", ["sqlite", "postgresql"], indirect=True)
def test_a_row_edited_inside_the_backup_is_refused_and_leaves_both_empty(plant, db_url, steward_env, tmp_path,
                                                                        engine):
    """A row changed behind the application's back keeps the chain and its anchors whole — a backup whose
    database was edited and its manifest re-hashed looks just like this one — so only the replay of the log
    against the tables finds it. Refused, the home and the database are empty enough to restore a good one."""
    run_steward(["audit", "anchor"], steward_env, check=True)
    good, bad = tmp_path / "good.tar.gz", tmp_path / "bad.tar.gz"
    run_steward(["backup", "--out", str(good)], steward_env, check=True)
    with engine.begin() as conn:
        conn.execute(text("UPDATE enterprise SET name_en = 'Forged Cement' WHERE code = :code"), {"code": demo.PLANT})
    run_steward(["backup", "--out", str(bad)], steward_env, check=True)
    env = restore_target(db_url, tmp_path)
    before = tree(tmp_path)
    result = run_steward(["restore", str(bad)], env)
    refused(result, "name_en, differs from the audit log", "与审计日志不符", "nothing was restored")
    assert tree(tmp_path) == before
    if not db_url.startswith("sqlite"):
        assert tables_in(env["STEWARD_DATABASE_URL"]) == {}
    done = run_steward(["restore", str(good)], env)
    assert done.returncode == 0 and "audit chain intact" in done.stdout, done.stderr


@pytest.mark.parametrize("kept", ["audit_key", "audit-anchors.jsonl"])
@pytest.mark.parametrize("db_url", ["sqlite", "postgresql"], indirect=True)
def test_an_audit_key_or_anchors_already_in_the_home_are_never_overwritten(plant, db_url, steward_env, tmp_path,
                                                                           kept):
    run_steward(["audit", "anchor"], steward_env, check=True)
    archive = tmp_path / "backup.tar.gz"
    run_steward(["backup", "--out", str(archive)], steward_env, check=True)
    env = restore_target(db_url, tmp_path)
    home = Path(env["STEWARD_HOME"])
    home.mkdir()
    (home / kept).write_text("this installation's own\n")
    before = tree(tmp_path)
    result = run_steward(["restore", str(archive)], env)
    refused(result, f"{home / kept} already exists", "restore never overwrites it", "已存在")
    assert tree(tmp_path) == before and (home / kept).read_text() == "this installation's own\n"
    if not db_url.startswith("sqlite"):
        assert tables_in(env["STEWARD_DATABASE_URL"]) == {}


def test_a_device_in_the_backup_is_refused(made, tmp_path):
    def change(members, manifest):
        members["files/tty"] = special("files/tty", tarfile.CHRTYPE)
    result = restore_crafted(made, tmp_path, change)
    refused(result, "files/tty in the backup is a device or a pipe", "是设备或管道文件")


def test_a_folder_where_the_manifest_names_a_file_is_refused(made, tmp_path):
    def change(members, manifest):
        name = stored(manifest)
        members[name] = special(name, tarfile.DIRTYPE)
    result = restore_crafted(made, tmp_path, change)
    refused(result, "The backup does not match its manifest", "备份内容与清单不符")


def test_a_backup_without_its_audit_key_is_refused_not_a_traceback(made, tmp_path):
    def change(members, manifest):
        members.pop("kept/audit_key")
        manifest["kept"].pop("audit_key")
    result = restore_crafted(made, tmp_path, change)
    refused(result, "There is no audit_key", "没有审计密钥", "nothing was restored")
