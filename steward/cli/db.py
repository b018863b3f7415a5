"""`steward db`."""

from __future__ import annotations

import typer

from steward.cli.common import (
    load_context,
)

app = typer.Typer(help="数据库结构迁移 / Database migrations", no_args_is_help=True)


@app.command("upgrade")
def db_upgrade():
    """把数据库升级到最新结构 / Apply all migrations."""
    ctx = load_context()
    ctx.upgrade()
    typer.echo(f"数据库已是最新结构 / Database schema is current: {ctx.engine.url.render_as_string()}")


@app.command("current")
def db_current():
    """显示数据库结构版本 / Show the schema revision."""
    from storage import migrate
    ctx = load_context()
    typer.echo(f"{migrate.current(ctx.engine) or '-'} (head {migrate.head()})")
