"""Deliver claimed outbox messages through apprise: e-mail, DingTalk, WeCom, Feishu, webhooks.

Each channel is tried on its own; a failure is kept as text on the outbox row and retried later,
so nothing is lost while a robot or mail server is down.
"""

from __future__ import annotations

import re
import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timezone
from urllib.parse import quote

import apprise
from sqlalchemy.engine import Engine

from flows import pinning
from storage.engine import unit_of_work
from storage.errors import StewardError
from workflows.people import notifications

ACTOR = "system:outbox"
SENDERS = 8  # messages in flight at once


def address(kind: str, target: str, smtp_url: str) -> str:
    """The apprise address for a channel: e-mail goes through the configured SMTP server."""
    if kind != "email":
        return target
    if not smtp_url:
        raise RuntimeError("未配置 STEWARD_SMTP_URL / STEWARD_SMTP_URL is not set")
    return f"{smtp_url}{'&' if '?' in smtp_url else '?'}to={quote(target, safe='@')}"


# one target a message: no pool of apprise's own per send; no redirect followed: it could lead past the address check
_ASSET = apprise.AppriseAsset(async_mode=False, http_redirects=False)
_senders = threading.local()  # per sending thread: channel address → its apprise object, parsed once
_REDIRECT = re.compile(r"error=(3\d\d)\b")  # how apprise's webhook plugins report a 3xx answer
INVALID = "通知地址无效 / invalid notification URL"


def _sender(url: str) -> apprise.Apprise | None:
    kept = getattr(_senders, "by_url", None)
    if kept is None:
        kept = _senders.by_url = {}
    if url not in kept:
        if len(kept) > 500:  # addresses change rarely; a long-lived worker keeps only the recent ones
            kept.clear()
        sender = apprise.Apprise(asset=_ASSET)
        kept[url] = sender if sender.add(url) else None
        for server in kept[url] or ():
            server.redirects = False  # not even for an address that says ?redirect=yes
    return kept[url]


def send(url: str, subject: str, body: str) -> str | None:
    """Send one message; return None when delivered, else the reason apprise gave."""
    sender = _sender(url)
    return INVALID if sender is None else _notify(sender, subject, body)


def send_webhook(target: str, subject: str, body: str, allow: tuple[str, ...]) -> str | None:
    """Check the webhook's host again (its name may point elsewhere than when the channel was saved) and send to
    the addresses just checked only; a refusal is raised as the StewardError the settings page would show."""
    sender = _sender(target)
    if sender is None:
        return INVALID
    host = sender[0].host  # as apprise reads the address, since apprise connects
    with pinning.pinned(host, notifications.webhook_addresses(host, allow)):
        return _notify(sender, subject, body)


def _notify(sender: apprise.Apprise, subject: str, body: str) -> str | None:
    result = sender.notify(title=subject, body=body)
    if result:
        return None
    lines = [str(getattr(entry, "message", entry)).strip() for entry in result.logs()
             if str(getattr(entry, "level", "WARNING")) in ("WARNING", "ERROR", "CRITICAL")]  # apprise keeps its own
    if lines and (redirect := _REDIRECT.search(lines[-1])):
        return (f"对方返回 {redirect[1]} 重定向，碳管家不跟随重定向，请填写最终地址 / The webhook answered "
                f"{redirect[1]}, a redirect, which is not followed: enter the final address")
    return (lines[-1] if lines else "发送失败 / delivery failed")[:300]


def _deliver(message: tuple[int, str, str, list[tuple[int, str, str]]], smtp_url: str,
             allow: tuple[str, ...]) -> tuple[list[int], dict[int, str]]:
    """Send one message to each channel still owed it; what failed is kept as text, never raised."""
    _, subject, body, targets = message
    delivered, errors = [], {}
    for channel_id, kind, target in targets:
        try:
            if kind == "webhook":
                error = send_webhook(target, subject, body, allow)
            else:
                error = send(address(kind, target, smtp_url), subject, body)
        except StewardError as refused:  # the address is not one to send to (now): kept whole, both languages
            error = str(refused)
        except Exception as exc:  # a transport error is data on the row, never a crashed dispatcher
            error = str(exc)[:300]
        if error is None:
            delivered.append(channel_id)
        else:
            errors[channel_id] = error
    return delivered, errors


def dispatch(engine: Engine, smtp_url: str = "", limit: int = 100, now: datetime | None = None,
             allow: tuple[str, ...] = (), senders: int = SENDERS) -> dict[str, int]:
    """Drain the queue: claim due messages a batch at a time, send them (``senders`` at once: a webhook or mail
    server's latency, not this process, sets the pace), record the batch's outcomes in one transaction; until
    nothing due is left. A message that failed waits for its backoff, so draining ends."""
    now = now or datetime.now(timezone.utc)
    counts = {"claimed": 0, "sent": 0, "retry": 0, "failed": 0, "no_channel": 0}
    with ThreadPoolExecutor(max_workers=senders) as pool:
        while True:
            with unit_of_work(engine, ACTOR) as session:
                claimed = notifications.claim(session, now, limit)
                work = notifications.pending_work(session, claimed) if claimed else []
            if not claimed:
                return counts
            counts["claimed"] += len(claimed)
            results = pool.map(lambda m: _deliver(m, smtp_url, allow), work)
            outcomes = {m[0]: result for m, result in zip(work, results, strict=True)}
            with unit_of_work(engine, ACTOR) as session:
                for row in notifications.record_many(session, outcomes, now):
                    counts[row.status if row.status != "pending" else "retry"] += 1
