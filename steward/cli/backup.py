"""`steward backup` and `steward restore`: the whole installation in one file, and back."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from steward.cli.common import load_context
from storage.errors import StewardError


def backup_cmd(out: Annotated[str, typer.Option(help="备份文件 .tar.gz / backup file")]):
    """备份数据库、文件库和审计锚点（服务运行时也可）/ Back up the database, files and audit anchors (while serving)."""
    from steward.backup import backup
    target = Path(out)
    if not target.parent.is_dir():
        raise StewardError("no_folder", f"文件夹 {target.parent} 不存在", f"The folder {target.parent} does not exist",
                           field="out")
    ctx = load_context()
    ctx.require_current_schema()
    manifest = backup(ctx, target)
    typer.echo(f"已备份到 {out}：{sum(manifest['rows'].values()):,} 行，{len(manifest['files'])} 个文件 / "
               f"backed up to {out}: {sum(manifest['rows'].values()):,} rows, {len(manifest['files'])} files")


def restore_cmd(archive: Annotated[str, typer.Argument(help="备份文件 / backup file")]):
    """恢复到空的数据目录（或空的 PostgreSQL 数据库）并校验 / Restore into an empty home, then verify."""
    from steward.backup import restore
    from storage.audit_log import check_anchor, verify
    path = Path(archive)
    if not path.is_file():
        raise StewardError("no_file", f"找不到备份文件 {archive}", f"No backup file {archive}", field="file")
    ctx = load_context()
    manifest = restore(ctx, path)
    ctx = load_context()  # a fresh engine on the restored database
    with ctx.engine.connect() as conn:
        report = verify(conn)
        broken = [why for mark in ctx.anchors() if (why := check_anchor(conn, mark, ctx.audit_key))]
    if not report.ok or broken:
        raise StewardError("restore_broken", "恢复后审计日志校验失败", f"The restored audit log does not verify: "
                           f"{report.reason or broken[0]}")
    typer.echo(f"已恢复 {manifest['created_at']} 的备份：审计日志完整，{report.entries} 条 / restored the backup of "
               f"{manifest['created_at']}: audit chain intact, {report.entries} entries")
