"""`steward improve`."""

from __future__ import annotations

from typing import Annotated, Optional

import typer

from steward.cli.common import (
    AsJson,
    AsUser,
    emit,
    listing,
    parse_date,
    run_as,
)

app = typer.Typer(help="持续改进登记（10.1、10.4）/ Improvement register", no_args_is_help=True)


@app.command("add")
def improve_add(as_user: AsUser, title: str,
                source: Annotated[str, typer.Option(help="audit|review|nonconformity|compliance|suggestion")] = "suggestion",
                clause: Annotated[str, typer.Option(help="10.1 或 10.4a–d")] = "10.1",
                owner: Annotated[Optional[str], typer.Option(help="负责人 / owner")] = None,
                due: Annotated[Optional[str], typer.Option(help="期限 / due")] = None):
    """登记改进项 / Register an improvement."""
    from workflows.improvement import improvement
    row = run_as(as_user, lambda c, s, a: improvement.add(s, a, title=title, source=source, clause_id=clause,
                                                          owner=owner, due=parse_date(due, "due")))
    typer.echo(f"{row.number} 已登记 / registered")


@app.command("update")
def improve_update(as_user: AsUser, number: str,
                   status: Annotated[str, typer.Argument(help="proposed|in_progress|done|dropped")],
                   outcome: Annotated[str, typer.Option(help="结果 / outcome")] = ""):
    """更新改进项状态 / Update an improvement's status."""
    from workflows.improvement import improvement
    run_as(as_user, lambda c, s, a: improvement.update(s, a, number, status, outcome))
    typer.echo(f"{number} → {status}")


@app.command("list")
def improve_list(as_user: AsUser, as_json: AsJson = False):
    """列出改进项 / List the improvement register."""
    from storage.models import Improvement
    from workflows.improvement.improvement import ImprovementState
    rows = listing(as_user, Improvement, Improvement.id)
    if as_json:
        return emit(rows, True)
    for r in rows:
        st = ImprovementState(r["state"])
        typer.echo(f"{r['number']}  [{r['clause_id']}] {st.zh}/{st.en}  {r['title']}")
