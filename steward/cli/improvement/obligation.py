"""`steward obligation`."""

from __future__ import annotations

from typing import Annotated, Optional

import typer

from steward.cli.common import (
    AsJson,
    AsUser,
    emit,
    listing,
    parse_date,
    parse_pairs,
    run_as,
)

OBLIGATION_KINDS = "law|regulation|policy|standard|ets|stakeholder|other"

app = typer.Typer(help="合规义务登记（9.1）/ Obligations register", no_args_is_help=True)


@app.command("add")
def obligation_add(as_user: AsUser, code: str,
                   fields: Annotated[list[str], typer.Argument(help="title=… kind=… clause_id=9.1.1a… reference=…")]):
    """登记合规义务 / Register an obligation."""
    from workflows.improvement import compliance
    values = parse_pairs(fields, set())
    if "effective_from" in values:
        values["effective_from"] = parse_date(values["effective_from"], "effective_from")
    run_as(as_user, lambda c, s, a: compliance.add_obligation(s, a, code, **values))
    typer.echo(f"{code} 已登记 / registered")


@app.command("change")
def obligation_change(as_user: AsUser, code: str, reason: Annotated[str, typer.Option(help="变化内容 / what changed")],
                      fields: Annotated[Optional[list[str]], typer.Argument(help="field=value …")] = None):
    """修改义务并自动启动再评价（9.1.2）/ Change an obligation; its re-evaluation starts by itself."""
    from workflows.improvement import compliance
    values = parse_pairs(fields or [], set())
    evaluation = run_as(as_user, lambda c, s, a: compliance.change_obligation(s, a, code, reason, **values))
    typer.echo(f"{code} 已修改，已启动再评价 {evaluation.period} / changed; re-evaluation {evaluation.period} opened")


@app.command("list")
def obligation_list(as_user: AsUser, as_json: AsJson = False):
    """列出合规义务 / List obligations."""
    from storage.models import Obligation
    rows = listing(as_user, Obligation, Obligation.code)
    if as_json:
        return emit(rows, True)
    for r in rows:
        typer.echo(f"{r['code']:<10} [{r['clause_id']}] r{r['revision']} {r['kind']:<11} {r['title']} {r['reference']}")
