"""`steward record`."""

from __future__ import annotations

from typing import Annotated, Optional

import typer

from steward.cli.common import (
    AsUser,
    parse_pairs,
    run_as,
)
from storage.errors import StewardError

app = typer.Typer(help="表单记录（培训、沟通、基准调整…）/ Form-driven records", no_args_is_help=True)


@app.command("forms")
def record_forms():
    """列出记录表单及其条款 / List record forms and the clauses they evidence."""
    from forms.records import FORMS
    for f in FORMS.values():
        fields = ", ".join(f.schema.model_fields)
        typer.echo(f"{f.name:<20} {f.zh} / {f.en} [{', '.join(f.clause_ids)}] {f.retention_years}y: {fields}")


@app.command("add")
def record_add(
    as_user: AsUser, form: str,
    fields: Annotated[Optional[list[str]], typer.Argument(help="字段=值 … / field=value …")] = None,
    on: Annotated[Optional[str], typer.Option("--date", help="记录日期 YYYY-MM-DD / record date")] = None,
):
    """登记一条记录 / Keep a record (validated, audited)."""
    from forms.records import recorded_date
    from workflows.documents import records
    try:
        when = recorded_date(on)
    except ValueError:
        raise StewardError("bad_date", f"日期 {on} 应为 YYYY-MM-DD", f"Date {on} must be YYYY-MM-DD",
                           field="date") from None
    row = run_as(as_user, lambda load_context, s, a: records.add(s, a, form, parse_pairs(fields or [], set()), when))
    typer.echo(f"已登记 / recorded {form} #{row.id}, 保存至 / kept until {row.retain_until}")
