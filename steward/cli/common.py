"""What every command module shares: acting as a user in one unit of work, reading for scripts,
the one "--json or lines" output, reading a signing password, parsing ``field=value`` pairs and dates."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from datetime import date
from typing import Annotated, Any, Optional

import typer

from steward.context import Context
from storage.errors import StewardError

AsUser = Annotated[str, typer.Option("--as", help="以哪个用户的身份操作 / act as this username")]
PasswordStdin = Annotated[bool, typer.Option("--password-stdin", help="从标准输入读取签名密码 / read the password from stdin")]
AsJson = Annotated[bool, typer.Option("--json", help="JSON 输出 / JSON output")]
Enterprise = Annotated[str, typer.Option("--enterprise", "-e", help="企业代码 / enterprise code")]
Year = Annotated[int, typer.Option(help="年度 / year")]
OwnEnterprise = Annotated[Optional[str], typer.Option(
    "--enterprise", "-e", help="企业代码（须为本人所在企业，可省略）/ enterprise code (your own; optional)")]
Grid = Annotated[str, typer.Option(help="电网因子：national|ets|regional|residual / grid factor")]


def load_context() -> Context:
    return Context.from_env()


def run_as(username: str, fn, context: Context | None = None):
    """Run ``fn(ctx, session, actor)`` in one unit of work as ``username``: every command that writes. A command
    that writes many times passes its ``context``, so it opens the database once."""
    from workflows.engine.machine import actor_for
    context = context or load_context()
    context.require_current_schema()
    with _in_range(), context.unit_of_work(f"cli:{username}") as session:
        return fn(context, session, actor_for(session, username))


@contextmanager
def _in_range() -> Iterator[None]:
    """A number no column can hold (an id typed as 99999999999999999999) names no record: one line, exit 2, never a
    traceback; the unit of work has rolled back by then, so nothing is written."""
    from sqlalchemy.exc import DataError
    try:
        yield
    except (OverflowError, DataError) as exc:
        if isinstance(exc, DataError) and "out of range" not in str(exc.orig):
            raise
        raise StewardError("out_of_range", "数字超出范围：没有这样的记录，未写入任何数据",
                           "A number is out of range: there is no such record, and nothing was written",
                           status=404) from None


def own(session, actor, code: str | None) -> str:
    """The actor's enterprise code; a different ``--enterprise`` is refused rather than ignored."""
    from storage.models import Enterprise as EnterpriseRow
    from workflows.accounting.calculation import enterprise
    mine = session.get(EnterpriseRow, actor.enterprise_id).code
    if code is not None and enterprise(session, code).code != mine:  # an unknown code is named as such first
        raise StewardError("other_enterprise", f"{actor.person.name} 属于 {mine}，不能为 {code} 操作",
                           f"{actor.person.name} belongs to {mine} and cannot act for {code}", field="enterprise")
    return mine


def read(label: str, fn):
    """Run ``fn(session)`` for a command that only reads (figures by enterprise code, for scripts)."""
    context = load_context()
    context.require_current_schema()
    with _in_range(), context.unit_of_work(label) as session:
        return fn(session)


def emit(data: Any, as_json: bool, lines: Callable[[Any], Iterable[str]] | None = None) -> None:
    """The one output rule: ``--json`` prints the data, otherwise one line per item (or the lines given)."""
    if as_json or lines is None:
        typer.echo(json.dumps(data, ensure_ascii=False, indent=1, default=str))
        return
    for line in lines(data):
        typer.echo(line)


def save(out: str, data: bytes) -> None:
    """Write a generated file where asked; a folder that does not exist is named, not a traceback."""
    from pathlib import Path
    path = Path(out)
    if not path.parent.is_dir():
        raise StewardError("no_folder", f"文件夹 {path.parent} 不存在", f"The folder {path.parent} does not exist",
                           field="out")
    try:
        path.write_bytes(data)
    except OSError as exc:
        raise StewardError("cannot_write", f"无法写入 {out}：{exc.strerror}", f"Cannot write {out}: {exc.strerror}",
                           field="out") from None


def listing(as_user: str, model, order) -> list[dict]:
    """Rows of the user's own enterprise, as JSON-ready dicts."""
    from sqlmodel import select
    return run_as(as_user, lambda c, s, a: [r.model_dump(mode="json") for r in s.exec(
        select(model).where(model.enterprise_id == a.enterprise_id).order_by(order))])


def read_password(from_stdin: bool, username: str) -> str:
    """Signing asks for the password again (hidden prompt, or one line of stdin for scripts); the attempt
    is counted like a sign-in, and a locked account is refused before anything else runs."""
    password = sys.stdin.readline().rstrip("\n") if from_stdin else typer.prompt("签名密码 / password", hide_input=True)
    load_context().check_password(username, password, signing=True)
    return password


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
