"""Notification channels, the outbox's bookkeeping, and the daily reminders, escalations and digest.

Sending itself is IO and lives in ``flows/``; here the outbox is claimed with a conditional UPDATE
(one worker per row, as Healthchecks does), results are recorded with exponential backoff, and
``delivered`` remembers which channels already have a message so a channel that is down delays
only itself and loses nothing.
"""

from __future__ import annotations

import ipaddress
import re
import socket
from collections.abc import Collection
from datetime import date, datetime, timedelta
from pathlib import Path

import apprise
from jinja2 import Environment, FileSystemLoader, StrictUndefined
from sqlalchemy import func, or_, update
from sqlmodel import Session, select

from storage.errors import Forbidden, NotFound, StewardError
from storage.models import NotificationChannel, Outbox, Person, RoleAssignment, Task
from workflows.engine import lookup, machine, standins
from workflows.engine.machine import Actor

MESSAGES = Path(__file__).resolve().parents[2] / "templates" / "messages"
REMIND_DAYS = 2
BACKOFF_SECONDS = (60, 300, 900, 3600, 4 * 3600, 12 * 3600)
MAX_ATTEMPTS = 12  # about four days of retries before a message is marked failed (and still kept)
LEASE = timedelta(minutes=10)  # a claim older than this belongs to a crashed worker and is taken over
SCHEMES = {"dingtalk": ("dingtalk",), "wecom": ("wecombot", "wxwork", "wecom"), "feishu": ("feishu", "lark"),
           "webhook": ("json", "jsons")}
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_messages = Environment(loader=FileSystemLoader(MESSAGES), undefined=StrictUndefined, keep_trailing_newline=False)


# shared address space behind carrier-grade NAT: Python's ipaddress calls it neither private nor global
_SHARED = ipaddress.ip_network("100.64.0.0/10")
# why an address is no place for a webhook, first match wins: (test, 中文, English)
_NOT_PUBLIC = (
    (lambda a: a.is_unspecified, "未指定地址（连到本机）", "the unspecified address (which reaches this machine)"),
    (lambda a: a.is_loopback, "本机地址", "this machine"),
    (lambda a: a.is_link_local, "链路本地地址（云主机元数据服务 169.254.169.254 即在此段）",
     "a link-local address (where cloud metadata services such as 169.254.169.254 live)"),
    (lambda a: a.is_multicast, "组播地址", "a multicast address"),
    (lambda a: a in _SHARED, "运营商共享地址（100.64.0.0/10）", "carrier-grade NAT space (100.64.0.0/10)"),
    (lambda a: a.is_reserved, "保留地址", "a reserved address"),
    (lambda a: a.is_private, "内网地址", "a private network"),
    (lambda a: not a.is_global, "专用地址", "a special-purpose address"),
)
Address = ipaddress.IPv4Address | ipaddress.IPv6Address


def host_key(host: str) -> str:
    """A host name as a resolver and an allow list compare it: no brackets, case or trailing dot."""
    return host.strip("[]").rstrip(".").lower()


def webhook_addresses(host: str, allow: Collection[str] = ()) -> tuple[Address, ...]:
    """Every address ``host`` resolves to, refused unless each is on the public internet or
    STEWARD_WEBHOOK_ALLOW lists the host or a network holding it: a forged channel must not reach this machine
    or the plant's own systems. Called when a channel is saved and again before each send (a name may point
    elsewhere by then); the sender connects to these addresses only."""
    addresses = resolve(host)
    names = {host_key(a) for a in allow}
    networks = [ipaddress.ip_network(a, strict=False) for a in allow if _is_network(a)]
    for address in addresses:
        why = not_public(address)
        if why and host_key(host) not in names and not any(address in net for net in networks):
            raise _refused(host, address, why)
    return addresses


def resolve(host: str) -> tuple[Address, ...]:
    """What the system resolver answers for ``host``, which also reads 2130706433, 017700000001 or 0x7f000001
    as 127.0.0.1; an IPv4 address written as IPv6 (::ffff:127.0.0.1) is the IPv4 one it reaches."""
    name = host_key(host)
    try:
        answers = socket.getaddrinfo(name, None, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError):
        answers = []
    addresses = []
    for answer in answers:
        address = ipaddress.ip_address(answer[4][0].split("%")[0])
        address = getattr(address, "ipv4_mapped", None) or address
        if address not in addresses:
            addresses.append(address)
    if not addresses:  # nothing to check is nothing to send to
        raise StewardError("unresolvable_host", f"无法解析通知地址中的主机 {name}，请检查地址",
                           f"The host {name} in the address cannot be resolved: check the address", field="target")
    return tuple(addresses)


def not_public(address: Address) -> tuple[str, str] | None:
    """Why ``address`` is not a public internet address, in both languages, or None when it is."""
    return next(((zh, en) for test, zh, en in _NOT_PUBLIC if test(address)), None)


def _refused(host: str, address: Address, why: tuple[str, str]) -> StewardError:
    shown = host_key(host)
    at = (" ", "") if shown == str(address) else (f"（解析为 {address}）", f" (it resolves to {address})")
    return StewardError("internal_host", f"不能向 {shown}{at[0]}发送通知：这是{why[0]}，不是公网地址（管理员可在 "
                        "STEWARD_WEBHOOK_ALLOW 中放行）", f"Notifications cannot go to {shown}{at[1]}: that is "
                        f"{why[1]}, not a public internet address (an administrator may allow it in "
                        "STEWARD_WEBHOOK_ALLOW)", field="target")


def _is_network(text: str) -> bool:
    try:
        ipaddress.ip_network(text, strict=False)
        return True
    except ValueError:
        return False


# the https addresses the robots' own settings pages give, and the apprise form each becomes
ROBOT_URLS = (
    ("dingtalk", re.compile(r"^https://oapi\.dingtalk\.com/robot/send\?access_token=([A-Za-z0-9]+)"), "dingtalk://{0}/"),
    ("wecom", re.compile(r"^https://qyapi\.weixin\.qq\.com/cgi-bin/webhook/send\?key=([A-Za-z0-9-]+)"), "wecombot://{0}"),
    ("feishu", re.compile(r"^https://open\.feishu\.cn/open-apis/bot/v2/hook/([A-Za-z0-9-]+)"), "feishu://{0}/"),
    ("feishu", re.compile(r"^https://open\.larksuite\.com/open-apis/bot/v2/hook/([A-Za-z0-9-]+)"), "lark://{0}/"),
)


def robot_address(kind: str, target: str) -> str:
    """Accept the robot's webhook address as pasted from DingTalk, WeCom or Feishu."""
    for robot, pattern, form in ROBOT_URLS:
        if robot == kind and (m := pattern.match(target)):
            return form.format(m.group(1))
    return target


def add_channel(session: Session, actor: Actor, username: str, kind: str, target: str,
                allow: Collection[str] = ()) -> NotificationChannel:
    """A person adds their own channel; a carbon manager may add anyone's in the enterprise."""
    person = lookup.person(session, actor.enterprise_id, username, field="person")
    if person.id != actor.person.id and not actor.roles & set(machine.ADMINISTRATION):
        raise Forbidden("not_yours", "只能为自己设置通知渠道", "You can only set up your own channels")
    target = robot_address(kind, target.strip())
    if kind == "email":
        if not _EMAIL.match(target):
            raise StewardError("target", f"邮箱地址 {target!r} 无效", f"{target!r} is not an e-mail address", field="target")
    elif kind in SCHEMES:
        scheme = target.split("://", 1)[0].lower()
        plugin = apprise.Apprise.instantiate(target) if scheme in SCHEMES[kind] else None
        if plugin is None:
            raise StewardError("target", f"{kind} 渠道地址应形如 {SCHEMES[kind][0]}://…，且须有效",
                               f"A {kind} channel needs a valid {SCHEMES[kind][0]}://… address", field="target")
        if kind == "webhook":
            webhook_addresses(plugin.host, allow)  # the host as apprise reads it, since apprise will send
    else:
        raise StewardError("kind", f"渠道类型须为 email 或 {', '.join(SCHEMES)}",
                           f"Kind must be email or one of {', '.join(SCHEMES)}", field="kind")
    row = NotificationChannel(enterprise_id=person.enterprise_id, person_id=person.id, kind=kind, target=target)
    session.add(row)
    session.flush()
    return row


def own_channel(session: Session, actor: Actor, channel_id: int) -> NotificationChannel:
    row = session.get(NotificationChannel, channel_id)
    if row is None or row.enterprise_id != actor.enterprise_id or not row.active or (
            row.person_id != actor.person.id and not actor.roles & set(machine.ADMINISTRATION)):
        raise NotFound("channel", f"没有通知渠道 #{channel_id}", f"No channel #{channel_id}")
    return row


def remove_channel(session: Session, actor: Actor, channel_id: int) -> NotificationChannel:
    row = own_channel(session, actor, channel_id)
    row.active = False
    session.add(row)
    session.flush()
    return row


def send_test(session: Session, actor: Actor, channel_id: int) -> Outbox:
    """A test message to one channel, delivered with the next dispatch (within a minute)."""
    row = own_channel(session, actor, channel_id)
    others = [c.id for c in channels(session, row.person_id) if c.id != row.id]
    message = Outbox(enterprise_id=row.enterprise_id, person_id=row.person_id, kind="notice",
                     subject="[碳管家] 测试消息 / Test message",
                     body="这是一条测试消息：此渠道可以收到碳管家的通知。\nA test message: this channel receives Carbon "
                          "Steward notifications.", delivered=others)  # only the channel being tested
    session.add(message)
    session.flush()
    return message


def outbox_summary(session: Session, actor: Actor) -> dict:
    """For carbon managers: how delivery stands, and the messages that could not go out."""
    if not actor.roles & set(machine.ADMINISTRATION):
        return {}
    counts = dict(session.exec(select(Outbox.status, func.count()).where(Outbox.enterprise_id == actor.enterprise_id)
                               .group_by(Outbox.status)).all())
    stuck = session.exec(select(Outbox, Person).join(Person, Person.id == Outbox.person_id).where(
        Outbox.enterprise_id == actor.enterprise_id, Outbox.status.in_(["failed", "no_channel"]))
        .order_by(Outbox.id.desc()).limit(20)).all()
    return {"counts": counts, "stuck": stuck}


def channels(session: Session, person_id: int) -> list[NotificationChannel]:
    return _channels_of(session, {person_id}).get(person_id, [])


def due(now: datetime, limit: int):
    """The messages a worker may take now, longest due first: read from the index of messages still owed
    (``ix_outbox_due``), so a dispatch costs the same with a million sent messages behind it."""
    return select(Outbox.id).where(Outbox.status == "pending", Outbox.next_attempt_at <= now,
                                   or_(Outbox.claimed_at.is_(None), Outbox.claimed_at < now - LEASE)) \
        .order_by(Outbox.next_attempt_at, Outbox.id).limit(limit)


def claim(session: Session, now: datetime, limit: int = 100) -> list[int]:
    """Take up to ``limit`` due messages for this worker in one statement; a row another worker holds (and has not
    abandoned) is skipped, and of two workers racing for a row only one gets it back."""
    taken = session.execute(update(Outbox).where(
        Outbox.id.in_(due(now, limit).scalar_subquery()), Outbox.status == "pending",
        or_(Outbox.claimed_at.is_(None), Outbox.claimed_at < now - LEASE)).values(claimed_at=now)
        .returning(Outbox.id).execution_options(synchronize_session=False))
    return sorted(taken.scalars().all())


def pending_work(session: Session, outbox_ids: list[int]) -> list[tuple[int, str, str, list[tuple[int, str, str]]]]:
    """(id, subject, body, [(channel id, kind, target) still owed]) for claimed messages, read in two queries."""
    rows = session.exec(select(Outbox).where(Outbox.id.in_(outbox_ids)).order_by(Outbox.id)).all()
    by_person = _channels_of(session, {r.person_id for r in rows})
    return [(r.id, r.subject, r.body, [(c.id, c.kind, c.target) for c in by_person.get(r.person_id, [])
                                       if c.id not in r.delivered]) for r in rows]


def _channels_of(session: Session, person_ids: set[int]) -> dict[int, list[NotificationChannel]]:
    """Each person's active channels, for one person or a batch, in one query."""
    out: dict[int, list[NotificationChannel]] = {}
    for c in session.exec(select(NotificationChannel).where(NotificationChannel.person_id.in_(person_ids),
                                                            NotificationChannel.active)
                          .order_by(NotificationChannel.id)):
        out.setdefault(c.person_id, []).append(c)
    return out


def record_many(session: Session, outcomes: dict[int, tuple[list[int], dict[int, str]]], now: datetime) -> list[Outbox]:
    """Note what went out; what did not is retried later with backoff, only on the failed channels. A batch is
    read in two queries and written in one flush."""
    rows = session.exec(select(Outbox).where(Outbox.id.in_(list(outcomes))).order_by(Outbox.id)).all()
    by_person = _channels_of(session, {r.person_id for r in rows})
    for row in rows:
        delivered, errors = outcomes[row.id]
        row.delivered = sorted({*row.delivered, *delivered})
        row.attempts += 1
        row.claimed_at = None
        if not by_person.get(row.person_id) and not row.delivered:
            row.status, row.last_error = "no_channel", "该用户未设置通知渠道 / no notification channel"
        elif errors:
            row.last_error = "; ".join(f"#{cid}: {msg}" for cid, msg in sorted(errors.items()))[:1000]
            wait = BACKOFF_SECONDS[min(row.attempts - 1, len(BACKOFF_SECONDS) - 1)]
            row.next_attempt_at = now + timedelta(seconds=wait)
            if row.attempts >= MAX_ATTEMPTS:
                row.status = "failed"
        else:
            row.status, row.sent_at, row.last_error = "sent", now, ""
        session.add(row)
    session.flush()
    return list(rows)


RETENTION_DAYS = 365  # a sent message's row is kept this long unless the setting says otherwise
FINAL = ("sent", "failed")  # a message is never pruned while it is still owed or could still be retried


def prune(session: Session, enterprise_id: int, before: datetime, limit: int = 10_000) -> int:
    """Delete an enterprise's messages that were sent, or failed for good, before ``before``: the claim and the
    delivery page stay as fast with years of messages behind them as on the first day. Each is deleted through
    the ORM, so the audit log, which already holds what the message said and when it went, records the
    deletion too; a message still pending or unroutable is never touched."""
    when = func.coalesce(Outbox.sent_at, Outbox.created_at)
    rows = session.exec(select(Outbox).where(Outbox.enterprise_id == enterprise_id, Outbox.status.in_(FINAL),
                                             when < before).order_by(Outbox.id).limit(limit)).all()
    for row in rows:
        session.delete(row)
    session.flush()
    return len(rows)


def retry_failed(session: Session, actor: Actor, now: datetime) -> int:
    """Put failed and unroutable messages back in the queue, e.g. after a channel was fixed."""
    machine.require_role(actor, machine.ADMINISTRATION, "重发通知", "Retrying notifications")
    rows = session.exec(select(Outbox).where(Outbox.enterprise_id == actor.enterprise_id,
                                             Outbox.status.in_(["failed", "no_channel"]))).all()
    for row in rows:
        row.status, row.attempts, row.next_attempt_at = "pending", 0, now
        session.add(row)
    session.flush()
    return len(rows)


def _message(template: str, **context) -> tuple[str, str]:
    subject, _, body = _messages.get_template(template).render(**context).partition("\n")
    return subject.strip(), body.strip()


def _queue(session: Session, person: Person, kind: str, key: str, template: str, task: Task | None = None,
           **context) -> Outbox | None:
    """Queue one message unless the same key was queued before: scheduled runs repeat harmlessly."""
    if session.exec(select(Outbox.id).where(Outbox.dedupe_key == key)).first() is not None:
        return None
    subject, body = _message(template, person=person, task=task, **context)
    row = Outbox(enterprise_id=person.enterprise_id, person_id=person.id, task_id=task.id if task else None,
                 kind=kind, dedupe_key=key, subject=subject[:300], body=body[:4000])
    session.add(row)
    session.flush()
    return row


def _open_tasks(session: Session, enterprise_id: int | None):
    query = select(Task, Person).join(Person, Person.id == Task.assignee_id).where(Task.status == "open", Person.active)
    if enterprise_id is not None:
        query = query.where(Task.enterprise_id == enterprise_id)
    return session.exec(query.order_by(Task.due, Task.id)).all()


def managers_of(session: Session, person: Person) -> list[Person]:
    """Who hears about an overdue task: the head of the assignee's department, else top management."""
    heads = []
    if person.department_id is not None:
        heads = list(session.exec(select(Person).join(RoleAssignment, RoleAssignment.person_id == Person.id).where(
            Person.department_id == person.department_id, Person.enterprise_id == person.enterprise_id,
            RoleAssignment.role == "department_head", Person.active, Person.id != person.id)).all())
    if not heads:
        heads = [p for p in machine.people_with(session, person.enterprise_id, ["top_management"]) if p.id != person.id]
    return heads


def daily(session: Session, today: date, enterprise_id: int | None = None) -> dict[str, int]:
    """Reminders before due, escalations once overdue, and one digest a person a day. Someone away's reminders
    and digest go to their substitute, who does their tasks that day; escalations still name the person."""
    counts = {"reminders": 0, "escalations": 0, "digests": 0}
    per_person: dict[int, tuple[Person, list[Task]]] = {}
    away: dict[int, dict[int, Person]] = {}
    for task, person in _open_tasks(session, enterprise_id):
        if person.enterprise_id not in away:
            away[person.enterprise_id] = standins.substitutes(session, person.enterprise_id, today)
        doer = away[person.enterprise_id].get(person.id, person)
        per_person.setdefault(doer.id, (doer, []))[1].append(task)
        if task.due is None:
            continue
        days_left = (task.due - today).days
        if 0 <= days_left <= REMIND_DAYS:
            counts["reminders"] += bool(_queue(session, doer, "reminder", f"remind:{task.id}", "reminder.txt.j2",
                                               task, days_left=days_left))
        elif days_left < 0:
            for manager in managers_of(session, person):
                counts["escalations"] += bool(_queue(
                    session, manager, "escalation", f"escalate:{task.id}:{manager.id}", "escalation.txt.j2", task,
                    assignee=person, manager=manager, days_over=-days_left))
    for person, tasks in per_person.values():
        counts["digests"] += bool(_queue(session, person, "digest", f"digest:{person.id}:{today.isoformat()}",
                                         "digest.txt.j2", tasks=tasks, today=today))
    return counts
