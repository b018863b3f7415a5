"""Deliver claimed outbox messages through apprise: e-mail, DingTalk, WeCom, Feishu, webhooks.

Each channel is tried on its own; a failure is kept as text on the outbox row and retried later,
so nothing is lost while a robot or mail server is down.
"""

from __future__ import annotations

import logging
from datetime import datetime, timezone
from urllib.parse import quote

import apprise
from sqlalchemy.engine import Engine

from storage.engine import unit_of_work
from storage.models import NotificationChannel, Outbox
from workflows import notifications

ACTOR = "system:outbox"


def apprise_url(channel: NotificationChannel, smtp_url: str) -> str:
    if channel.kind != "email":
        return channel.target
    if not smtp_url:
        raise RuntimeError("未配置 STEWARD_SMTP_URL / STEWARD_SMTP_URL is not set")
    return f"{smtp_url}{'&' if '?' in smtp_url else '?'}to={quote(channel.target, safe='@')}"


def send(url: str, subject: str, body: str) -> str | None:
    """Send one message; return None when delivered, else the reason apprise gave."""
    sender = apprise.Apprise()
    if not sender.add(url):
        return "通知地址无效 / invalid notification URL"
    with apprise.LogCapture(level=logging.WARNING) as log:
        ok = sender.notify(title=subject, body=body)
    if ok:
        return None
    lines = [line.strip() for line in log.getvalue().splitlines() if line.strip()]
    return (lines[-1] if lines else "发送失败 / delivery failed")[:300]


def dispatch(engine: Engine, smtp_url: str = "", limit: int = 100, now: datetime | None = None,
             allow: tuple[str, ...] = ()) -> dict[str, int]:
    """Claim due messages, send each to the channels still owed it, record the outcome."""
    now = now or datetime.now(timezone.utc)
    with unit_of_work(engine, ACTOR) as session:
        claimed = notifications.claim(session, now, limit)
    counts = {"claimed": len(claimed), "sent": 0, "retry": 0, "failed": 0, "no_channel": 0}
    for outbox_id in claimed:
        with unit_of_work(engine, ACTOR) as session:
            row = session.get(Outbox, outbox_id)
            targets = [(c.id, c.kind, c.target) for c in notifications.owed(session, row)]
            subject, body = row.subject, row.body
        delivered, errors = [], {}
        for channel_id, kind, target in targets:
            if kind == "webhook" and (host := notifications.internal_host(target, allow)):
                errors[channel_id] = f"内网地址 {host} 未放行 / internal address {host} is not allowed"
                continue  # checked again when sending: a name may resolve elsewhere now
            try:
                url = apprise_url(NotificationChannel(id=channel_id, kind=kind, target=target, enterprise_id=0,
                                                      person_id=0), smtp_url)
                error = send(url, subject, body)
            except Exception as exc:  # a transport error is data on the row, never a crashed dispatcher
                error = str(exc)[:300]
            if error is None:
                delivered.append(channel_id)
            else:
                errors[channel_id] = error
        with unit_of_work(engine, ACTOR) as session:
            row = notifications.record(session, outbox_id, delivered, errors, now)
            status = row.status if row.status != "pending" else "retry"
        counts[status] += 1
    return counts
