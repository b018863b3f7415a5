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
    """恢复到空的数据目录，校验通过才保留 / Restore into an empty home, kept only once it verifies."""
    from steward.backup import restore
    path = Path(archive)
    if not path.is_file():
        raise StewardError("no_file", f"找不到备份文件 {archive}", f"No backup file {archive}", field="file")
    manifest, entries = restore(load_context(), path)
    typer.echo(f"已恢复 {manifest['created_at']} 的备份：审计日志完整，{entries} 条，业务数据与文件一致 / restored the "
               f"backup of {manifest['created_at']}: audit chain intact, {entries} entries, data and files match")
