"""`steward notify`."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Annotated, Optional

import typer

from steward.cli.common import (
    AsJson,
    AsUser,
    emit,
    load_context,
    run_as,
)

app = typer.Typer(help="通知渠道与发送队列 / Notification channels and the outbox", no_args_is_help=True)


@app.command("channel")
def notify_channel(as_user: AsUser,
                   kind: Annotated[str, typer.Argument(help="email|dingtalk|wecom|feishu|webhook")],
                   target: Annotated[str, typer.Argument(help="邮箱或机器人地址 / address or robot URL")],
                   person: Annotated[Optional[str], typer.Option(help="为谁设置（默认自己）/ for whom")] = None):
    """设置通知渠道 / Add a notification channel (yours, or anyone's as carbon manager)."""
    from workflows.people import notifications
    row = run_as(as_user, lambda c, s, a: notifications.add_channel(
        s, a, person or as_user, kind, target, c.settings.webhook_allow_list))
    typer.echo(f"通知渠道 #{row.id} {kind} 已添加 / channel added")


@app.command("outbox")
def notify_outbox(as_user: AsUser, status: Annotated[Optional[str], typer.Option(
        help="pending|sent|failed|no_channel")] = None, as_json: AsJson = False):
    """查看发送队列 / Show the outbox of your enterprise."""
    from sqlmodel import select

    from storage.models import Outbox
    from workflows.engine import machine

    def go(c, s, a):
        machine.require_role(a, (*machine.ADMINISTRATION, "top_management"), "查看发送队列", "Viewing the outbox")
        query = select(Outbox).where(Outbox.enterprise_id == a.enterprise_id)
        if status:
            query = query.where(Outbox.status == status)
        return [o.model_dump(mode="json") for o in s.exec(query.order_by(Outbox.id))]
    rows = run_as(as_user, go)
    if as_json:
        return emit(rows, True)
    for r in rows:
        typer.echo(f"#{r['id']:<5} {r['status']:<10} {r['kind']:<10} tries={r['attempts']} {r['subject']}"
                   + (f"  ← {r['last_error']}" if r["last_error"] else ""))


@app.command("retry")
def notify_retry(as_user: AsUser):
    """把失败或无渠道的通知重新排队 / Requeue failed and unroutable messages."""
    from workflows.people import notifications
    n = run_as(as_user, lambda c, s, a: notifications.retry_failed(s, a, datetime.now(timezone.utc)))
    typer.echo(f"已重新排队 {n} 条 / {n} message(s) requeued")


@app.command("dispatch")
def notify_dispatch():
    """立即发送到期通知（不经 Prefect）/ Deliver due messages now, without Prefect."""
    from flows import delivery
    context = load_context()
    context.require_current_schema()
    counts = delivery.dispatch(context.engine, context.settings.smtp_url, allow=context.settings.webhook_allow_list)
    typer.echo(" ".join(f"{k}={v}" for k, v in counts.items()))
