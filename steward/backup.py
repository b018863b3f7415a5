"""Backup and restore of a whole installation: the database (SQLite's online backup API, or pg_dump), the
file store, the audit anchors and their key, and a manifest of hashes and row counts — taken while the
server runs, restored only into an empty home, and checked before anything is written."""

from __future__ import annotations

import hashlib
import io
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from datetime import datetime, timezone
from pathlib import Path

from sqlalchemy import inspect, text
from sqlalchemy.engine import Engine, make_url

from steward.context import Context
from storage import migrate
from storage.errors import StewardError

FORMAT = 1
KEPT = ("audit_key", "audit-anchors.jsonl")  # what the anchors need to be checked after a restore


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


def restore(ctx: Context, archive: Path) -> dict:
    """Restore into an empty home (and, on PostgreSQL, an empty database); every hash is checked first."""
    home = ctx.settings.home
    url = make_url(ctx.settings.db_url)
    sqlite_file = Path(url.database) if url.get_backend_name() == "sqlite" and url.database else None
    if (sqlite_file and sqlite_file.exists() and sqlite_file.stat().st_size) or \
            (ctx.settings.files_dir.exists() and any(ctx.settings.files_dir.iterdir())):
        raise StewardError("not_empty", f"{home} 不是空的：只能恢复到新的数据目录", f"{home} is not empty: restore "
                           "into a new STEWARD_HOME", field="home")
    try:
        tar = tarfile.open(archive, "r:gz")
    except (tarfile.TarError, OSError):
        raise StewardError("bad_backup", f"{archive} 不是碳管家的备份文件", f"{archive} is not a Carbon Steward "
                           "backup", field="file") from None
    with tar, tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        try:
            tar.extractall(work, filter="data")  # no absolute paths, links out or devices
            manifest = json.loads((work / "manifest.json").read_text())
        except (tarfile.TarError, OSError, KeyError, ValueError):
            raise StewardError("bad_backup", "备份文件已损坏", "The backup is damaged", field="file") from None
        problems = [name for name, sha in {manifest["database"]["name"]: manifest["database"]["sha256"],
                                           **manifest["files"], **{f"kept/{k}": v for k, v in manifest["kept"].items()}
                                           }.items() if not (work / name).exists() or _sha(work / name) != sha]
        if problems:
            raise StewardError("bad_backup", f"备份内容与清单不符：{', '.join(problems[:5])}",
                               f"The backup does not match its manifest: {', '.join(problems[:5])}", field="file")
        home.mkdir(parents=True, exist_ok=True)
        if sqlite_file:
            sqlite_file.parent.mkdir(parents=True, exist_ok=True)
        kind = ctx.engine.dialect.name
        if kind != manifest["kind"]:
            raise StewardError("wrong_kind", f"这是 {manifest['kind']} 的备份，不能恢复到 {kind}",
                               f"This is a {manifest['kind']} backup; it cannot be restored into {kind}")
        if kind == "sqlite":
            ctx.engine.dispose()
            for leftover in (Path(f"{sqlite_file}-wal"), Path(f"{sqlite_file}-shm")):
                leftover.unlink(missing_ok=True)
            shutil.copyfile(work / manifest["database"]["name"], sqlite_file)
        else:
            if counts(ctx.engine):
                raise StewardError("not_empty", "目标数据库不是空的", "The target database is not empty")
            dsn, env = _libpq(ctx.settings.db_url)
            subprocess.run([_tool("pg_restore"), "--no-owner", "-d", dsn, str(work / manifest["database"]["name"])],
                           env=env, check=True, capture_output=True)
        for name in manifest["files"]:
            target = ctx.settings.files_dir / name.removeprefix("files/")
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(work / name, target)
        for name in manifest["kept"]:
            shutil.copyfile(work / "kept" / name, home / name)
            if name == "audit_key":
                os.chmod(home / name, 0o600)
    return manifest
