"""Backup and restore of a whole installation: the database (SQLite's online backup API, or pg_dump), the
file store, the audit anchors and their key, and a manifest of hashes and row counts — taken while the
server runs, restored only into an empty home. A backup is a file anyone may have crafted: restore takes
from it only the plain files its manifest names, writes them only inside the home, and keeps them only once
the audit log, its anchors, the tables and the files check out as `steward verify --data` checks them;
a refused restore leaves the home and the database as empty as it found them."""

from __future__ import annotations

import errno
import hashlib
import io
import json
import os
import re
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
import zlib
from contextlib import ExitStack, suppress
from datetime import datetime, timezone
from pathlib import Path
from typing import BinaryIO

from sqlalchemy import inspect, text
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import DBAPIError

from steward.context import Context
from storage import migrate
from storage.audit_log import ANCHORS_FILE, KEYED_FROM_FILE, keyed_from
from storage.engine import make_engine
from storage.errors import StewardError
from storage.files import FileStore
from storage.replay import Finding, check_all

FORMAT = 1
KEPT_WHAT = {"audit_key": ("签署审计锚点并加密日志哈希的密钥", "the key that signs the audit anchors and keys the log"),
             KEYED_FROM_FILE: ("日志哈希开始加密的位置", "the record of where keyed hashing began"),
             ANCHORS_FILE: ("审计锚点", "the audit anchors")}
KEPT = tuple(KEPT_WHAT)  # what the anchors need to be checked after a restore
MANIFEST = "manifest.json"
DATABASES = {"sqlite": "database.sqlite", "postgresql": "database.pgdump"}
STORED = re.compile(r"files/[0-9a-f]{2}/[0-9a-f]{62}")  # the file store's own layout (storage/files.py)
SHA256 = re.compile(r"[0-9a-f]{64}")


def _tool(name: str) -> str:
    """pg_dump / pg_restore of the newest installed PostgreSQL (Debian keeps them per version)."""
    candidates = sorted(Path("/usr/lib/postgresql").glob(f"*/bin/{name}"), key=lambda p: int(p.parts[-3]))
    found = str(candidates[-1]) if candidates else shutil.which(name)
    if not found:
        raise StewardError("no_pg_tools", f"找不到 {name}：请安装 postgresql-client", f"{name} not found: install "
                           "postgresql-client")
    return found


def _libpq(url: str) -> tuple[str, dict]:
    u = make_url(url)
    env = {**os.environ}
    if u.password:
        env["PGPASSWORD"] = str(u.password)
    dsn = f"postgresql://{u.username or ''}@{u.host or ''}:{u.port or 5432}/{u.database}"
    return dsn, env


def counts(engine: Engine) -> dict[str, int]:
    with engine.connect() as conn:
        return _counts(conn)


def _counts(conn) -> dict[str, int]:
    return {t: conn.execute(text(f'SELECT count(*) FROM "{t}"')).scalar()  # names from the schema itself
            for t in sorted(inspect(conn).get_table_names())}


def _sha(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        while chunk := fh.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def backup(ctx: Context, out: Path) -> dict:
    """Write one .tar.gz with the database, files and a manifest; returns the manifest."""
    engine = ctx.engine
    kind = engine.dialect.name
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        if kind == "sqlite":
            dump = work / "database.sqlite"
            source = sqlite3.connect(engine.url.database)
            target = sqlite3.connect(dump)
            with target:
                source.backup(target)  # a consistent copy while others keep writing
            source.close()
            target.close()
            rows = _sqlite_counts(dump)  # what was copied, not the live database that moved on meanwhile
        else:
            dump = work / "database.pgdump"
            rows = _pg_dump(ctx, dump)
        manifest = {"format": FORMAT, "kind": kind, "created_at": datetime.now(timezone.utc).isoformat(),
                    "schema": migrate.current(engine), "database": {"name": dump.name, "sha256": _sha(dump)},
                    "rows": rows, "files": {}, "kept": {}}
        with tarfile.open(out, "w:gz") as tar:
            tar.add(dump, arcname=dump.name)
            files = ctx.settings.files_dir
            if files.exists():
                for path in sorted(p for p in files.rglob("*") if p.is_file() and not p.name.startswith(".")):
                    name = f"files/{path.relative_to(files)}"
                    manifest["files"][name] = _sha(path)
                    tar.add(path, arcname=name)
            for name in KEPT:
                path = ctx.settings.home / name
                if path.exists():
                    manifest["kept"][name] = _sha(path)
                    tar.add(path, arcname=f"kept/{name}")
            data = json.dumps(manifest, ensure_ascii=False, indent=1).encode()
            info = tarfile.TarInfo("manifest.json")
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return manifest


def _sqlite_counts(dump: Path) -> dict[str, int]:
    conn = sqlite3.connect(dump)
    try:
        names = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table' "
                                            "AND name NOT LIKE 'sqlite_%'")]
        return {n: conn.execute(f'SELECT count(*) FROM "{n}"').fetchone()[0] for n in sorted(names)}
    finally:
        conn.close()


def _pg_dump(ctx: Context, dump: Path) -> dict[str, int]:
    """pg_dump and the row counts from one exported snapshot, so the manifest describes exactly the dump."""
    dsn, env = _libpq(ctx.settings.db_url)
    with ctx.engine.connect() as conn:
        conn = conn.execution_options(isolation_level="REPEATABLE READ")
        with conn.begin():
            snapshot = conn.execute(text("SELECT pg_export_snapshot()")).scalar()
            rows = _counts(conn)
            subprocess.run([_tool("pg_dump"), "-Fc", "--no-owner", f"--snapshot={snapshot}", "-f", str(dump), dsn],
                           env=env, check=True, capture_output=True)
    return rows


def restore(ctx: Context, archive: Path) -> tuple[dict, int]:
    """Restore into an empty home (and, on PostgreSQL, an empty database) what the manifest names, and keep it
    only once it verifies; returns the manifest and the number of audit entries checked."""
    url = make_url(ctx.settings.db_url)
    kind = url.get_backend_name()
    sqlite_file = Path(url.database) if kind == "sqlite" and url.database else None
    if "engine" not in ctx.__dict__:  # the target without a key of its own: the home's key comes from the backup
        ctx.__dict__["engine"] = make_engine(ctx.settings.db_url)
    _require_empty(ctx, kind, sqlite_file)
    tar = _open(archive)
    with tar, ExitStack() as undo:  # everything written is undone, last first, unless the restore succeeds
        members = _members(tar)
        manifest = _manifest(tar, members, kind)
        home = ctx.settings.home
        try:
            _folders(home, undo)
            stage = Path(tempfile.mkdtemp(prefix=".restore-", dir=home))
            try:
                _extract(tar, members, _expected(manifest), stage)
                entries = (_restore_sqlite(ctx, stage, manifest, sqlite_file, undo) if kind == "sqlite"
                           else _restore_postgres(ctx, stage, manifest, undo))
                _place(stage, home, manifest, undo)
            finally:
                shutil.rmtree(stage, ignore_errors=True)
        except (tarfile.TarError, EOFError, zlib.error):
            raise _damaged() from None
        except OSError as exc:
            raise StewardError("restore_failed", f"恢复失败，未恢复任何内容：{exc}",
                               f"Restore failed; nothing was restored: {exc}", field="file") from None
        undo.pop_all()
    return manifest, entries


def _require_empty(ctx: Context, kind: str, sqlite_file: Path | None) -> None:
    """Only a home with nothing to lose: no data, no files, no audit key or anchors of its own (they are what
    proves that home's log), and no folder that leads out of it."""
    home, files = ctx.settings.home, ctx.settings.files_dir
    if (sqlite_file and sqlite_file.exists() and sqlite_file.stat().st_size) or \
            (files.is_dir() and any(files.iterdir())):
        raise StewardError("not_empty", f"{home} 不是空的：只能恢复到新的数据目录", f"{home} is not empty: restore "
                           "into a new STEWARD_HOME", field="home")
    for name, (zh, en) in KEPT_WHAT.items():
        if (home / name).exists() or (home / name).is_symlink():
            raise StewardError("kept_exists", f"{home / name} 已存在（{zh}）：恢复不会覆盖它，请恢复到新的空数据目录",
                               f"{home / name} already exists ({en}): restore never overwrites it; restore into a "
                               "new, empty STEWARD_HOME", field="home")
    for path in (files, *(home / name for name in KEPT), *([sqlite_file] if sqlite_file else [])):
        if path.is_relative_to(home):
            _inside(home, path)
    if kind != "sqlite" and counts(ctx.engine):
        raise StewardError("not_empty", "目标数据库不是空的", "The target database is not empty")


def _open(archive: Path) -> tarfile.TarFile:
    try:
        return tarfile.open(archive, "r:gz")
    except (tarfile.TarError, OSError):
        raise StewardError("bad_backup", f"{archive} 不是碳管家的备份文件", f"{archive} is not a Carbon Steward "
                           "backup", field="file") from None


def _damaged() -> StewardError:
    return StewardError("bad_backup", "备份文件已损坏", "The backup is damaged", field="file")


def _unsafe(name: str, zh: str, en: str) -> StewardError:
    return StewardError("unsafe_backup", f"备份中的 {name} {zh}：碳管家制作的备份只含其文件夹下的普通文件，未恢复任何内容",
                        f"{name} in the backup {en}: a backup made by Carbon Steward holds only regular files in its "
                        "own folders; nothing was restored", field="file")


def _check_name(name: str) -> None:
    """A name as backup() writes it: relative, one folder after another, never climbing."""
    parts = name.split("/")
    if name.startswith("/") or "" in parts:  # files//etc/x is /etc/x once the folder is taken off
        raise _unsafe(name, "是绝对路径", "is an absolute path")
    if ".." in parts:
        raise _unsafe(name, "含有 ..，会跳出其文件夹", "climbs out of its folder with '..'")
    if "." in parts or "\\" in name:
        raise _unsafe(name, "不是规范的路径", "is not a plain path")


def _check_member(member: tarfile.TarInfo) -> None:
    if member.issym():
        raise _unsafe(member.name, f"是符号链接（指向 {member.linkname}）", f"is a symbolic link (to {member.linkname})")
    if member.islnk():
        raise _unsafe(member.name, f"是硬链接（指向 {member.linkname}）", f"is a hard link (to {member.linkname})")
    if not (member.isfile() or member.isdir()):
        raise _unsafe(member.name, "是设备或管道文件", "is a device or a pipe")
    _check_name(member.name)


def _members(tar: tarfile.TarFile) -> dict[str, tarfile.TarInfo]:
    """Every member checked (a backup made here holds plain files only), the files by name."""
    try:
        every = tar.getmembers()
    except (tarfile.TarError, OSError, EOFError, zlib.error):
        raise _damaged() from None
    for member in every:
        _check_member(member)
    return {m.name: m for m in every if m.isfile()}


def _manifest(tar: tarfile.TarFile, members: dict[str, tarfile.TarInfo], kind: str) -> dict:
    info = members.get(MANIFEST)
    if info is None or info.size > 1 << 28:
        raise _damaged()
    try:
        manifest = json.loads(tar.extractfile(info).read())
        _check_manifest(manifest, kind)
    except (tarfile.TarError, OSError, EOFError, zlib.error, ValueError, KeyError, TypeError, AttributeError):
        raise _damaged() from None
    return manifest


def _check_manifest(manifest: dict, kind: str) -> None:
    """What the manifest names is all restore will write: each name where backup() puts that kind of file."""
    if manifest["kind"] != kind:
        raise StewardError("wrong_kind", f"这是 {manifest['kind']} 的备份，不能恢复到 {kind}",
                           f"This is a {manifest['kind']} backup; it cannot be restored into {kind}")
    if manifest["database"]["name"] != DATABASES[kind]:
        raise _unsafe(str(manifest["database"]["name"]), "不是备份的数据库文件", "is not a backup's database")
    for name in manifest["files"]:
        _check_name(name)
        if not STORED.fullmatch(name):
            raise _unsafe(name, "不在备份存放文件库的位置", "is not where a backup keeps the file store")
    for name in manifest["kept"]:
        _check_name(f"kept/{name}")
        if name not in KEPT:
            raise _unsafe(f"kept/{name}", "不是审计锚点或其密钥", "is neither the audit anchors nor their key")
    if not all(isinstance(v, str) and SHA256.fullmatch(v) for v in _expected(manifest).values()):
        raise ValueError("a hash in the manifest is not a sha256")
    if manifest["schema"] != migrate.head():
        raise _other_schema(manifest["schema"])


def _other_schema(have: str | None) -> StewardError:
    """An older (or newer) schema cannot be replayed against this version's tables, so it cannot be verified."""
    if not have:
        return StewardError("bad_backup", "备份中的数据库无法读取或是空的", "The backup's database cannot be read or is "
                            "empty", field="file")
    want = migrate.head()
    return StewardError("backup_schema", f"备份的数据库结构版本为 {have}，本版本为 {want}：无法核对其数据。"
                        "请用制作该备份的版本恢复，再升级", f"The backup's database schema is {have}, this version's is "
                        f"{want}: its data cannot be checked. Restore it with the version that made it, then upgrade",
                        field="file")


def _expected(manifest: dict) -> dict[str, str]:
    """Every member restore takes, with the sha256 it must have."""
    return {manifest["database"]["name"]: manifest["database"]["sha256"], **manifest["files"],
            **{f"kept/{name}": sha for name, sha in manifest["kept"].items()}}


def _inside(root: Path, path: Path) -> None:
    """Refuse a path that, its links followed, ends outside root: checked before every write."""
    real, top = path.resolve(), root.resolve()
    if real != top and not real.is_relative_to(top):
        raise StewardError("outside_home", f"{path} 指向数据目录之外（{real}），未恢复任何内容",
                           f"{path} leads outside STEWARD_HOME (to {real}); nothing was restored", field="home")


def _folders(folder: Path, undo: ExitStack | None) -> None:
    """The folder and its missing parents, each removed again if the restore is refused."""
    for path in [*reversed(folder.parents), folder]:
        if not path.exists():
            path.mkdir()
            if undo is not None:
                undo.callback(_remove, path)


def _remove(path: Path) -> None:
    with suppress(OSError):
        if path.is_dir() and not path.is_symlink():
            path.rmdir()
        else:
            path.unlink()


def _write_new(path: Path, source: BinaryIO, root: Path, undo: ExitStack | None, mode: int = 0o644) -> str:
    """A new regular file inside root — never through a link, never over anything already there; returns the
    sha256 of what was written."""
    _inside(root, path)
    _folders(path.parent, undo)
    _inside(root, path)  # again, now that its folders exist
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, mode)
    if undo is not None:
        undo.callback(_remove, path)
    digest = hashlib.sha256()
    with os.fdopen(fd, "wb") as out:
        while chunk := source.read(1 << 20):
            digest.update(chunk)
            out.write(chunk)
    return digest.hexdigest()


def _extract(tar: tarfile.TarFile, members: dict[str, tarfile.TarInfo], expected: dict[str, str],
             stage: Path) -> None:
    """Only the members the manifest names, as new files in the stage, each hashed as it is written."""
    wrong = sorted(set(expected) - set(members))
    for info in tar.getmembers():  # in the archive's order: a gzip stream only reads forward cheaply
        if info.name not in expected or members.get(info.name) is not info:  # a folder by that name is missing
            continue
        try:
            tarfile.data_filter(info, str(stage))  # the standard library's own check, after ours
        except tarfile.FilterError as exc:
            raise _unsafe(info.name, f"未通过 tarfile 的安全检查（{exc}）", f"fails tarfile's safety filter ({exc})"
                          ) from None
        if _write_new(stage / info.name, tar.extractfile(info), stage, None, 0o600) != expected[info.name]:
            wrong.append(info.name)
    if wrong:
        raise StewardError("bad_backup", f"备份内容与清单不符：{', '.join(wrong[:5])}",
                           f"The backup does not match its manifest: {', '.join(wrong[:5])}", field="file")


def _verified(engine: Engine, stage: Path) -> int:
    """The replay `steward verify --data` runs, on the restored database with the staged files, anchors and
    key; the number of audit entries, or a refusal naming what does not hold."""
    have = migrate.current(engine)
    if have != migrate.head():
        raise _other_schema(have)
    key, marks, began = _kept(stage / "kept")
    try:
        with engine.connect() as conn:
            report, found = check_all(conn, marks, key, FileStore(stage / "files"), began)
    except DBAPIError as exc:
        raise StewardError("bad_backup", f"备份的数据库无法读取：{exc.orig}", f"The backup's database cannot be "
                           f"read: {exc.orig}", field="file") from None
    if found:
        raise _unverified(found)
    return report.entries


def _kept(folder: Path) -> tuple[bytes | None, list[dict], dict | None]:
    """The staged audit key, anchors and record of where keyed hashing began, read as Context reads them."""
    key_file, anchors_file, began_file = folder / "audit_key", folder / ANCHORS_FILE, folder / KEYED_FROM_FILE
    try:
        key = key_file.read_text().strip().encode() if key_file.exists() else None
        marks = [json.loads(line) for line in anchors_file.read_text(encoding="utf-8").splitlines()
                 if line.strip()] if anchors_file.exists() else []
        record = json.loads(began_file.read_text(encoding="utf-8")) if began_file.exists() else None
    except ValueError:  # not text, or not JSON
        raise _damaged() from None
    if not all(isinstance(mark, dict) for mark in marks):
        raise _damaged()
    began = keyed_from(record, key) if isinstance(record, dict) and key is not None else None
    return key, marks, began


def _unverified(found: list[Finding]) -> StewardError:
    head = found[:20]
    return StewardError("backup_unverified", f"备份未通过校验，未恢复任何内容（共 {len(found)} 处）：" +
                        "；".join(f.zh for f in head), f"The backup does not verify; nothing was restored "
                        f"({len(found)} finding(s)): " + "; ".join(f.en for f in head), field="file",
                        details=[{"field": f.where, "zh": f.zh, "en": f.en} for f in found])


def _restore_sqlite(ctx: Context, stage: Path, manifest: dict, sqlite_file: Path, undo: ExitStack) -> int:
    """Verified where it was staged, then moved into place in one step."""
    staged = stage / manifest["database"]["name"]
    engine = make_engine(f"sqlite:///{staged}")
    try:
        entries = _verified(engine, stage)
    finally:
        engine.dispose()
    if "engine" in ctx.__dict__:  # a connection the command opened must not write its old journal over it
        ctx.engine.dispose()
    for leftover in (Path(f"{sqlite_file}-wal"), Path(f"{sqlite_file}-shm")):
        leftover.unlink(missing_ok=True)
    if sqlite_file.is_relative_to(ctx.settings.home):  # its place comes from the settings; in the home it stays there
        _inside(ctx.settings.home, sqlite_file)
    _folders(sqlite_file.parent, undo)
    existed = sqlite_file.exists()  # an empty file, left by a connection to a database not yet made
    try:
        os.replace(staged, sqlite_file)
    except OSError as exc:
        if exc.errno != errno.EXDEV:
            raise
        shutil.copyfile(staged, sqlite_file)  # STEWARD_DATABASE_URL names another file system
    if existed:
        undo.callback(sqlite_file.write_bytes, b"")
    else:
        undo.callback(_remove, sqlite_file)
    return entries


_PG_OBJECTS = text(r"""
SELECT format('DROP %s IF EXISTS %s CASCADE;', kind, name) FROM (
    SELECT 0 AS rank, 'SCHEMA' AS kind, format('%I', nspname) AS name, nspname FROM pg_namespace
  UNION ALL
    SELECT 1, CASE c.relkind WHEN 'v' THEN 'VIEW' WHEN 'm' THEN 'MATERIALIZED VIEW' WHEN 'S' THEN 'SEQUENCE'
                             WHEN 'f' THEN 'FOREIGN TABLE' ELSE 'TABLE' END, format('%I.%I', n.nspname, c.relname), n.nspname
    FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.relkind IN ('r', 'p', 'v', 'm', 'S', 'f')
  UNION ALL
    SELECT 2, CASE p.prokind WHEN 'p' THEN 'PROCEDURE' WHEN 'a' THEN 'AGGREGATE' ELSE 'FUNCTION' END,
           format('%I.%I(%s)', n.nspname, p.proname, pg_get_function_identity_arguments(p.oid)), n.nspname
    FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
  UNION ALL
    SELECT 3, CASE t.typtype WHEN 'd' THEN 'DOMAIN' ELSE 'TYPE' END, format('%I.%I', n.nspname, t.typname), n.nspname
    FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace
    WHERE t.typtype IN ('e', 'd', 'r') OR (t.typtype = 'c' AND t.typrelid IN (SELECT oid FROM pg_class WHERE relkind = 'c'))
) AS objects
WHERE nspname NOT IN ('information_schema') AND nspname NOT LIKE 'pg\_%'
ORDER BY rank, name
""")


def _pg_objects(engine: Engine) -> list[str]:
    """Every object outside the system schemas, as the statement that drops it."""
    with engine.connect() as conn:
        return list(conn.execute(_PG_OBJECTS).scalars())


def _restore_postgres(ctx: Context, stage: Path, manifest: dict, undo: ExitStack) -> int:
    """pg_restore in one transaction, then the same checks; refused, everything it made is dropped again."""
    engine = ctx.engine
    before = set(_pg_objects(engine))
    undo.push(lambda _type, exc, _tb: _drop_restored(engine, before, exc))
    dsn, env = _libpq(ctx.settings.db_url)
    done = subprocess.run([_tool("pg_restore"), "--no-owner", "--single-transaction", "-d", dsn,
                           str(stage / manifest["database"]["name"])], env=env, capture_output=True, text=True)
    if done.returncode:
        why = (done.stderr.strip().splitlines() or ["?"])[-1]
        raise StewardError("restore_failed", f"pg_restore 失败，未恢复任何内容：{why}",
                           f"pg_restore failed; nothing was restored: {why}", field="file")
    return _verified(engine, stage)


def _drop_restored(engine: Engine, before: set[str], exc: BaseException | None) -> None:
    """Empty the database again after a refusal; when that fails, the refusal says exactly what to drop."""
    left: list[str] | None = None
    with suppress(DBAPIError):
        left = [s for s in _pg_objects(engine) if s not in before]
        with engine.begin() as conn:
            for statement in left:
                conn.execute(text(statement))
        left = [s for s in _pg_objects(engine) if s not in before]
    if left == []:
        return
    zh, en = (exc.zh, exc.en) if isinstance(exc, StewardError) else ("恢复失败", "Restore failed")
    what_zh = f"请执行：{' '.join(left)}" if left else "请删除 pg_restore 在其中建立的全部对象"
    what_en = f"run {' '.join(left)}" if left else "drop every object pg_restore made in it"
    raise StewardError("restore_left_behind", f"{zh}；数据库未能清空，{what_zh}",
                       f"{en}; the database could not be emptied: {what_en}") from exc


def _place(stage: Path, home: Path, manifest: dict, undo: ExitStack) -> None:
    """The verified files and anchors into the home, each a new file checked to stay inside it."""
    for name in [*manifest["files"], *(f"kept/{k}" for k in manifest["kept"])]:
        with (stage / name).open("rb") as source:
            _write_new(home / name.removeprefix("kept/"), source, home, undo,
                       0o600 if name == "kept/audit_key" else 0o644)
