"""What every CLI module shares: acting as a user in one unit of work, reading a signing password,
parsing ``field=value`` pairs and dates."""

from __future__ import annotations

import sys
from datetime import date
from typing import Annotated

import typer

from steward.context import Context
from storage.errors import StewardError

AsUser = Annotated[str, typer.Option("--as", help="以哪个用户的身份操作 / act as this username")]
PasswordStdin = Annotated[bool, typer.Option("--password-stdin", help="从标准输入读取签名密码 / read the password from stdin")]
AsJson = Annotated[bool, typer.Option("--json", help="JSON 输出 / JSON output")]


def ctx() -> Context:
    return Context.from_env()


def run_as(username: str, fn):
    """Run ``fn(ctx, session, actor)`` in one unit of work as ``username``."""
    from workflows.engine import actor_for
    context = ctx()
    context.require_current_schema()
    with context.unit_of_work(f"cli:{username}") as session:
        return fn(context, session, actor_for(session, username))


def password(from_stdin: bool) -> str:
    """Signing asks for the password again (hidden prompt, or one line of stdin for scripts)."""
    if from_stdin:
        return sys.stdin.readline().rstrip("\n")
    return typer.prompt("签名密码 / password", hide_input=True)


def parse_pairs(pairs: list[str], list_fields: set[str]) -> dict:
    values: dict = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key:
            raise StewardError("bad_argument", f"参数 {pair!r} 应写成 字段=值", f"Argument {pair!r} must be field=value")
        values[key.strip()] = [v.strip() for v in value.split(",") if v.strip()] if key in list_fields else value
    return values


def parse_date(text: str | None, field: str = "date") -> date | None:
    if text is None:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise StewardError("bad_date", f"日期 {text} 应为 YYYY-MM-DD", f"Date {text} must be YYYY-MM-DD",
                           field=field) from None
