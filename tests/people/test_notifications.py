"""Tasks reach people: real SMTP and HTTP servers on 127.0.0.1, retries that lose nothing,
reminders, escalation and the daily digest."""

from __future__ import annotations

import email
import json
import socket
import threading
from datetime import datetime, timedelta, timezone
from email.header import decode_header, make_header
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest
from aiosmtpd.controller import Controller
from helpers import act, as_user, csrf, plant_id
from sqlmodel import Session, select

from flows import delivery
from storage.errors import Forbidden, StewardError
from storage.models import NotificationChannel, Outbox, Person, Task
from workflows.engine import clock
from workflows.engine import machine as wf
from workflows.improvement import nonconformity as ncs
from workflows.people import notifications

LOCAL = ("127.0.0.1",)  # the test endpoints live on this machine; production refuses it unless allowed


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Inbox:
    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(email.message_from_bytes(envelope.content))
        return "250 OK"


@pytest.fixture
def smtp():
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    inbox.url = f"mailto://127.0.0.1:{controller.port}?from=steward@jinyan.example&secure=no"
    yield inbox
    controller.stop()


class Hook:
    """A local HTTP endpoint that records what it is sent (a GET as its path and None); starts only when asked (a
    channel that is down). Given ``redirect``, it answers every request with a 302 to that address."""

    def __init__(self, host="127.0.0.1", port=None, redirect=None):
        self.host, self.port, self.redirect = host, port or free_port(), redirect
        self.requests, self.server = [], None

    def start(self):
        hook = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):
                hook.requests.append((self.path, None))
                self.send_response(404)
                self.end_headers()

            def do_POST(self):
                length = int(self.headers["Content-Length"])
                hook.requests.append((self.path, json.loads(self.rfile.read(length))))
                if hook.redirect:
                    self.send_response(302)
                    self.send_header("Location", hook.redirect)
                    self.end_headers()
                    return
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.end_headers()
                self.wfile.write(b'{"errcode": 0, "errmsg": "ok", "code": 0}')

            def log_message(self, *args):
                pass

        self.server = HTTPServer((self.host, self.port), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def stop(self):
        if self.server:
            self.server.shutdown()
            self.server.server_close()


@pytest.fixture
def hook():
    h = Hook()
    yield h
    h.stop()


def subject_of(message) -> str:
    return str(make_header(decode_header(message["Subject"])))


def raise_nc(plant, owner="lixf"):
    def go(s, a):
        return ncs.raise_nc(s, plant_id(s), source="audit", clause_id="8.3c", title="M-E021 检定过期",
                            raised_by="zhaom", owner=wf.actor_for(s, owner).person)
    with plant("system:test") as s:
        return go(s, None)


def test_a_task_is_emailed_and_posted_and_a_channel_that_is_down_loses_nothing(plant, engine, smtp, hook):
    act(plant, "lixf", lambda s, a: [notifications.add_channel(s, a, "lixf", "email", "lixf@jinyan.example"),
                                     notifications.add_channel(s, a, "lixf", "webhook",
                                                               f"json://127.0.0.1:{hook.port}/hook", LOCAL)])
    raise_nc(plant)
    now = datetime.now(timezone.utc)
    first = delivery.dispatch(engine, smtp.url, now=now, allow=LOCAL)
    assert first["claimed"] >= 1 and first["retry"] == 1
    assert len(smtp.messages) == 1 and smtp.messages[0]["To"] == "lixf@jinyan.example"
    assert subject_of(smtp.messages[0]).startswith("[碳管家] 评价并处置不符合项") and "M-E021" in subject_of(smtp.messages[0])
    with Session(engine) as s:
        row = s.exec(select(Outbox).where(Outbox.person_id == wf.actor_for(s, "lixf").person.id)).one()
        assert row.status == "pending" and row.attempts == 1 and "#" in row.last_error
        assert row.next_attempt_at > now and len(row.delivered) == 1
    assert delivery.dispatch(engine, smtp.url, now=now, allow=LOCAL)["claimed"] == 0  # backing off
    hook.start()
    second = delivery.dispatch(engine, smtp.url, now=now + timedelta(minutes=2), allow=LOCAL)
    assert second["sent"] == 1
    assert len(smtp.messages) == 1, "the mail that already went out is not sent again"
    assert hook.requests[0][0] == "/hook" and "M-E021" in hook.requests[0][1]["title"]
    with Session(engine) as s:
        row = s.get(Outbox, row.id)
        assert row.status == "sent" and row.sent_at is not None and row.last_error == ""


def test_a_person_without_a_channel_keeps_the_message_for_a_retry(plant, engine, smtp):
    delivery.dispatch(engine, smtp.url)  # whatever the demo seed queued
    raise_nc(plant, owner="zhangw")
    assert delivery.dispatch(engine, smtp.url)["no_channel"] == 1
    act(plant, "zhangw", lambda s, a: notifications.add_channel(s, a, "zhangw", "email", "zhangw@jinyan.example"))
    assert act(plant, "lixf", lambda s, a: notifications.retry_failed(s, a, datetime.now(timezone.utc))) >= 1
    assert delivery.dispatch(engine, smtp.url)["sent"] == 1
    assert [m["To"] for m in smtp.messages] == ["zhangw@jinyan.example"]


def test_the_daily_round_prunes_old_sent_messages_and_never_one_still_owed(plant, engine, smtp):
    """Sent messages do not pile up for ever (issue 34); a message still pending or without a channel is kept
    however old, and the log records each deletion, so `verify --data` still finds the tables whole."""
    from flows import cycles
    from storage.models import AuditEntry
    from storage.replay import check_tables
    delivery.dispatch(engine, smtp.url)  # whatever the demo seed queued
    today = clock.today()
    long_ago = datetime.now(timezone.utc) - timedelta(days=400)
    with plant("system:outbox") as s:
        ent = plant_id(s)
        lixf = wf.actor_for(s, "lixf").person.id
        made = {status: Outbox(enterprise_id=ent, person_id=lixf, kind="notice", subject=status, body="…",
                               status=status, created_at=long_ago, next_attempt_at=long_ago,
                               sent_at=long_ago if status == "sent" else None)
                for status in ("sent", "failed", "pending", "no_channel")}
        recent = Outbox(enterprise_id=ent, person_id=lixf, kind="notice", subject="recent", body="…", status="sent",
                        sent_at=datetime.now(timezone.utc) - timedelta(days=10))
        s.add_all([*made.values(), recent])
        s.flush()
        ids = {k: m.id for k, m in made.items()} | {"recent": recent.id}
    assert cycles.daily_round(engine, today, "JYCEM", retention_days=365)["JYCEM"]["notifications_pruned"] >= 2
    with Session(engine) as s:
        left = set(s.exec(select(Outbox.id).where(Outbox.id.in_(list(ids.values())))).all())
        assert left == {ids["pending"], ids["no_channel"], ids["recent"]}
        deleted = s.exec(select(AuditEntry.entity_id).where(AuditEntry.entity == "outbox",
                                                            AuditEntry.action == "delete")).all()
        assert {str(ids["sent"]), str(ids["failed"])} <= set(deleted)
    with engine.connect() as conn:
        assert list(check_tables(conn)) == []
    delivery.dispatch(engine, smtp.url)
    with Session(engine) as s:
        assert s.get(Outbox, ids["pending"]).attempts == 1  # the old pending one is still tried


@pytest.mark.parametrize("db_url", ["sqlite", "postgresql"], indirect=True)
def test_the_claim_reads_only_the_messages_still_owed(plant, engine):
    """The claim's query is served by the index of pending messages, not a scan of everything ever sent."""
    from sqlalchemy import text
    from sqlalchemy.dialects import postgresql, sqlite
    now = datetime.now(timezone.utc)
    due = notifications.due(now, 100)
    with engine.connect() as conn:
        if conn.dialect.name == "sqlite":
            sql = str(due.compile(dialect=sqlite.dialect(), compile_kwargs={"literal_binds": True}))
            plan = " ".join(str(r) for r in conn.execute(text("EXPLAIN QUERY PLAN " + sql)))
        else:
            conn.execute(text("SET enable_seqscan = off"))  # the demo's table is small; ask which index serves it
            sql = str(due.compile(dialect=postgresql.dialect(), compile_kwargs={"literal_binds": True}))
            plan = " ".join(str(r) for r in conn.execute(text("EXPLAIN " + sql)))
    assert "ix_outbox_due" in plan, plan


def test_a_row_claimed_by_one_worker_is_not_taken_by_another(plant, engine):
    raise_nc(plant)
    now = datetime.now(timezone.utc)
    with plant("system:outbox") as s:
        mine = notifications.claim(s, now)
    with plant("system:outbox") as s:
        assert notifications.claim(s, now) == []
        assert notifications.claim(s, now + notifications.LEASE + timedelta(seconds=1)) == mine  # crashed worker


def test_the_dingtalk_request_is_the_one_the_robot_api_expects(plant, engine, hook, monkeypatch):
    from apprise.plugins.dingtalk import NotifyDingTalk
    hook.start()
    monkeypatch.setattr(NotifyDingTalk, "notify_url", f"http://127.0.0.1:{hook.port}/robot/send?access_token={{token}}")
    act(plant, "lixf", lambda s, a: notifications.add_channel(s, a, "lixf", "dingtalk", "dingtalk://jinyantoken123/"))
    raise_nc(plant)
    assert delivery.dispatch(engine)["sent"] == 1
    path, payload = hook.requests[0]
    assert path == "/robot/send?access_token=jinyantoken123"
    assert payload["msgtype"] == "text" and "评价并处置不符合项" in payload["text"]["content"]


def test_channels_are_checked_and_only_managers_set_others(plant):
    with pytest.raises(StewardError, match="e-mail address"):
        act(plant, "lixf", lambda s, a: notifications.add_channel(s, a, "lixf", "email", "not-an-address"))
    with pytest.raises(StewardError, match="dingtalk"):
        act(plant, "lixf", lambda s, a: notifications.add_channel(s, a, "lixf", "dingtalk", "feishu://x/"))
    with pytest.raises(Forbidden):
        act(plant, "yangf", lambda s, a: notifications.add_channel(s, a, "lixf", "email", "x@jinyan.example"))


def test_reminders_escalations_and_digest_are_queued_once_a_day(plant, engine):
    today = clock.today()
    with plant("system:test") as s:
        yangf = wf.actor_for(s, "yangf").person
        wf.give_task(s, yangf, "test", 1, "抄录 9 月电表读数", "Read the September meters", today + timedelta(days=1))
        wf.give_task(s, yangf, "test", 2, "提交 8 月柴油台账", "Hand in the August diesel log", today - timedelta(days=3))
    with plant("system:flow") as s:
        first = notifications.daily(s, today)
    with plant("system:flow") as s:
        again = notifications.daily(s, today)
    assert first == {"reminders": 1, "escalations": 1, "digests": 1}
    assert again == {"reminders": 0, "escalations": 0, "digests": 0}
    with Session(engine) as s:
        escalation = s.exec(select(Outbox).where(Outbox.kind == "escalation")).one()
        manager = s.get(Person, escalation.person_id)
        assert manager.name == "陈静"  # head of 生产技术部, 杨帆's department
        assert "逾期 3 天" in escalation.body and "杨帆" in escalation.body
        digest = s.exec(select(Outbox).where(Outbox.kind == "digest")).one()
        assert "电表读数" in digest.body and "OVERDUE" in digest.body
        assert s.exec(select(Task).where(Task.assignee_id == yangf.id)).all()
        assert not s.exec(select(NotificationChannel)).all()


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
@pytest.mark.parametrize("kind,target,plugin,attr,url,path,text", [
    ("wecom", "wecombot://jinyankey123/", "apprise.plugins.wecombot.NotifyWeComBot", "notify_url",
     "/cgi-bin/webhook/send?key={key}", "/cgi-bin/webhook/send?key=jinyankey123", lambda p: p["text"]["content"]),
    ("feishu", "feishu://jinyantoken123/", "apprise.plugins.feishu.NotifyFeishu", "notify_url",
     "/open-apis/bot/v2/hook/{token}/", "/open-apis/bot/v2/hook/jinyantoken123/", lambda p: p["content"]["text"]),
])
def test_wecom_and_feishu_robots_get_the_subject_and_body(plant, engine, hook, monkeypatch, kind, target, plugin,
                                                          attr, url, path, text):
    import importlib
    module, _, cls = plugin.rpartition(".")
    hook.start()
    monkeypatch.setattr(getattr(importlib.import_module(module), cls), attr, f"http://127.0.0.1:{hook.port}{url}")
    act(plant, "lixf", lambda s, a: notifications.add_channel(s, a, "lixf", kind, target))
    raise_nc(plant)
    assert delivery.dispatch(engine)["sent"] == 1
    sent_path, payload = hook.requests[0]
    assert sent_path == path
    assert "评价并处置不符合项" in text(payload) and "请于" in text(payload)


def test_a_webhook_cannot_be_aimed_at_this_machine_or_a_private_network(plant, engine, hook):
    for target in ("json://127.0.0.1:8000/admin", "json://localhost/x", "jsons://10.1.2.3/hook",
                   "json://192.168.0.5/x", "json://169.254.169.254/latest/meta-data", "json://[::1]/x"):
        with pytest.raises(StewardError) as err:
            act(plant, "lixf", lambda s, a, t=target: notifications.add_channel(s, a, "lixf", "webhook", t))
        assert err.value.code == "internal_host" and err.value.field == "target", target
    act(plant, "lixf", lambda s, a: notifications.add_channel(s, a, "lixf", "webhook", "json://10.1.2.3/hook",
                                                              ("10.1.0.0/16",)))  # an administrator allowed it
    act(plant, "lixf", lambda s, a: notifications.add_channel(s, a, "lixf", "webhook",
                                                              f"json://127.0.0.1:{hook.port}/hook", LOCAL))
    hook.start()
    raise_nc(plant)
    sent = delivery.dispatch(engine)  # the dispatcher checks again, without the allowance this time
    assert sent["sent"] == 0 and not hook.requests


def test_a_robot_address_pasted_from_its_settings_page_works(plant, engine, hook, monkeypatch):
    for kind, pasted, stored in (
            ("dingtalk", "https://oapi.dingtalk.com/robot/send?access_token=abc123def456", "dingtalk://abc123def456/"),
            ("wecom", "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=693a91f6-7xxx-4bc4-97a0-0ec2sifa5aaa",
             "wecombot://693a91f6-7xxx-4bc4-97a0-0ec2sifa5aaa"),
            ("feishu", "https://open.feishu.cn/open-apis/bot/v2/hook/jinyantoken123", "feishu://jinyantoken123/")):
        row = act(plant, "lixf", lambda s, a, k=kind, p=pasted: notifications.add_channel(s, a, "lixf", k, p))
        assert row.target == stored
    channel_id = row.id
    message = act(plant, "lixf", lambda s, a: notifications.send_test(s, a, channel_id))
    with Session(engine) as s:
        others = [c.id for c in notifications.channels(s, message.person_id) if c.id != channel_id]
        assert sorted(s.get(Outbox, message.id).delivered) == sorted(others)  # only the channel being tested
    with pytest.raises(StewardError):
        act(plant, "yangf", lambda s, a: notifications.remove_channel(s, a, channel_id))  # not theirs
    act(plant, "lixf", lambda s, a: notifications.remove_channel(s, a, channel_id))
    with Session(engine) as s:
        assert channel_id not in [c.id for c in notifications.channels(s, message.person_id)]


def test_a_run_drains_the_queue_in_batches_and_never_caps_delivery(plant, engine, hook):
    """After a yearly kickoff the queue is long: one dispatch sends everything due, a batch at a time, each
    batch claimed in one statement and recorded in one transaction; nothing is sent twice."""
    hook.start()
    act(plant, "lixf", lambda s, a: notifications.add_channel(s, a, "lixf", "webhook",
                                                              f"json://127.0.0.1:{hook.port}/hook", LOCAL))
    with plant("system:test") as s:
        lixf = wf.actor_for(s, "lixf").person
        for i in range(130):
            s.add(Outbox(enterprise_id=lixf.enterprise_id, person_id=lixf.id, subject=f"任务 {i}", body=f"第 {i} 条"))
    now = datetime.now(timezone.utc)
    counts = delivery.dispatch(engine, now=now, limit=50, allow=LOCAL)
    with Session(engine) as s:
        mine = s.exec(select(Outbox).where(Outbox.person_id == lixf.id)).all()
    assert len(mine) == 130 and all(row.status == "sent" for row in mine)
    assert counts["sent"] >= 130 and counts["claimed"] == sum(counts[k] for k in ("sent", "retry", "failed", "no_channel"))
    titles = [body["title"] for _, body in hook.requests]
    assert len(titles) == len(set(titles)) == 130  # each once
    assert delivery.dispatch(engine, now=now, allow=LOCAL)["claimed"] == 0


# Each way round the webhook check: the address as typed, the answer to simulate from DNS for a made-up name (no
# outside DNS is reachable here), and what the refusal must say: the address reached, in English and Chinese.
BYPASSES = [
    pytest.param("json://localhost.:{port}/hook", None, "127.0.0.1", "this machine", "本机地址", id="trailing-dot"),
    pytest.param("json://[::ffff:7f00:1]:{port}/hook", None, "127.0.0.1", "this machine", "本机地址",
                 id="ipv4-mapped-ipv6"),
    pytest.param("json://v6.jinyan.example:{port}/hook", ("v6.jinyan.example", "::ffff:127.0.0.1"), "127.0.0.1",
                 "this machine", "本机地址", id="ipv4-mapped-ipv6-from-dns"),
    pytest.param("json://2130706433:{port}/hook", None, "127.0.0.1", "this machine", "本机地址", id="decimal"),
    pytest.param("json://017700000001:{port}/hook", None, "127.0.0.1", "this machine", "本机地址", id="octal"),
    pytest.param("json://0x7f000001:{port}/hook", None, "127.0.0.1", "this machine", "本机地址", id="hex"),
    pytest.param("json://0.0.0.0:{port}/hook", None, "0.0.0.0", "the unspecified address", "未指定地址",
                 id="unspecified"),
    pytest.param("json://100.64.12.34/hook", None, "100.64.12.34", "carrier-grade NAT space (100.64.0.0/10)",
                 "运营商共享地址", id="shared-100.64"),
    pytest.param("json://169.254.169.254/latest/meta-data", None, "169.254.169.254", "a link-local address",
                 "链路本地地址", id="cloud-metadata"),
    pytest.param("json://239.1.2.3/hook", None, "239.1.2.3", "a multicast address", "组播地址", id="multicast"),
    pytest.param("json://[ff05::1]/hook", None, "ff05::1", "a multicast address", "组播地址", id="multicast-ipv6"),
    pytest.param("json://[fd12:3456::1]/hook", None, "fd12:3456::1", "a private network", "内网地址",
                 id="unique-local-ipv6"),
    pytest.param("json://localhost:{port}/hook", None, "127.0.0.1", "this machine", "本机地址", id="etc-hosts-name"),
    pytest.param("json://oa.jinyan.example/hook", ("oa.jinyan.example", "10.1.2.3"), "10.1.2.3", "a private network",
                 "内网地址", id="name-resolving-private"),
]


@pytest.fixture
def dns(monkeypatch):
    """Simulated DNS answers for made-up names, ``{name: [first answer, next answer, ...]}`` (the last repeats);
    each lookup of such a name is logged. Every other name and every address goes to the real resolver."""
    real, answers, asked = socket.getaddrinfo, {}, []

    def getaddrinfo(host, port, *args, **kwargs):
        if host not in answers:
            return real(host, port, *args, **kwargs)
        asked.append(host)
        queue = answers[host]
        return real(queue.pop(0) if len(queue) > 1 else queue[0], port, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    return answers, asked


def saved_anyway(plant, target: str) -> int:
    """A channel row as one saved before this check existed would be: straight into the table."""
    with plant("system:test") as s:
        lixf = wf.actor_for(s, "lixf").person
        row = NotificationChannel(enterprise_id=lixf.enterprise_id, person_id=lixf.id, kind="webhook", target=target)
        s.add(row)
        s.flush()
        return row.id


def latest_for_lixf(engine) -> Outbox:
    with Session(engine) as s:
        lixf = wf.actor_for(s, "lixf").person
        return s.exec(select(Outbox).where(Outbox.person_id == lixf.id).order_by(Outbox.id.desc())).first()


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
@pytest.mark.parametrize("target,answer,address,en,zh", BYPASSES)
def test_a_webhook_that_is_not_on_the_public_internet_is_refused_when_saved_and_when_sent(
        plant, engine, hook, dns, target, answer, address, en, zh):
    answers, _ = dns
    if answer:
        answers[answer[0]] = [answer[1]]
    target = target.format(port=hook.port)
    hook.start()
    with pytest.raises(StewardError) as err:
        act(plant, "lixf", lambda s, a: notifications.add_channel(s, a, "lixf", "webhook", target))
    refused = err.value
    assert (refused.code, refused.field) == ("internal_host", "target")
    assert address in refused.en and en in refused.en and "STEWARD_WEBHOOK_ALLOW" in refused.en
    assert address in refused.zh and zh in refused.zh and "不能向" in refused.zh
    channel_id = saved_anyway(plant, target)
    raise_nc(plant)
    now = datetime.now(timezone.utc)
    delivery.dispatch(engine, now=now)
    assert hook.requests == []
    row = latest_for_lixf(engine)
    assert (row.status, row.attempts, row.delivered) == ("pending", 1, [])
    assert row.next_attempt_at > now  # retried with backoff like any failure
    assert row.last_error == f"#{channel_id}: {refused.zh} / {refused.en}"  # the very words the settings page shows


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_an_address_apprise_cannot_read_is_refused_and_never_sent(plant, engine, hook):
    """0177.0.0.1, 127.1 and ::ffff:127.0.0.1 written out are not addresses apprise parses: refused as invalid."""
    hook.start()
    for target in (f"json://0177.0.0.1:{hook.port}/hook", f"json://[::ffff:127.0.0.1]:{hook.port}/hook",
                   f"json://127.1:{hook.port}/hook"):
        with pytest.raises(StewardError) as err:
            act(plant, "lixf", lambda s, a, t=target: notifications.add_channel(s, a, "lixf", "webhook", t))
        assert err.value.field == "target" and "valid json://" in err.value.en, target
        saved_anyway(plant, target)
    raise_nc(plant)
    delivery.dispatch(engine)
    assert latest_for_lixf(engine).last_error.count("invalid notification URL") == 3
    assert hook.requests == []


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_a_name_that_points_elsewhere_by_the_time_a_message_is_sent_is_refused_then(plant, engine, hook, dns):
    answers, _ = dns
    answers["hooks.jinyan.example"] = ["93.184.216.34", "127.0.0.1"]  # public when saved, this machine when sent
    hook.start()
    target = f"json://hooks.jinyan.example:{hook.port}/hook"
    channel = act(plant, "lixf", lambda s, a: notifications.add_channel(s, a, "lixf", "webhook", target))
    raise_nc(plant)
    delivery.dispatch(engine)
    assert hook.requests == []
    row = latest_for_lixf(engine)
    assert row.status == "pending" and row.attempts == 1 and row.last_error.startswith(f"#{channel.id}: ")
    assert "hooks.jinyan.example (it resolves to 127.0.0.1): that is this machine" in row.last_error
    assert "不能向 hooks.jinyan.example（解析为 127.0.0.1）发送通知" in row.last_error


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_a_webhook_connects_to_the_address_it_checked_not_to_a_second_dns_answer(plant, engine, dns):
    """DNS rebinding: the name answers an allowed address to both checks, and would answer another one to the
    lookup a sender makes when connecting. Nothing looks the name up again: the request goes to the address checked."""
    answers, asked = dns
    answers["oa.jinyan.example"] = ["127.0.0.2", "127.0.0.2", "127.0.0.1"]  # saved, checked, then rebound
    allowed = Hook("127.0.0.2")
    elsewhere = Hook("127.0.0.1", port=allowed.port)  # the same port on the address the name rebinds to
    allowed.start()
    elsewhere.start()
    try:
        allow = ("127.0.0.2/32",)
        act(plant, "lixf", lambda s, a: notifications.add_channel(
            s, a, "lixf", "webhook", f"json://oa.jinyan.example:{allowed.port}/hook", allow))
        raise_nc(plant)
        assert delivery.dispatch(engine, allow=allow)["sent"] == 1
    finally:
        allowed.stop()
        elsewhere.stop()
    assert [path for path, _ in allowed.requests] == ["/hook"] and elsewhere.requests == []
    assert asked == ["oa.jinyan.example", "oa.jinyan.example"]  # when saved and when sent, never when connecting
    assert latest_for_lixf(engine).status == "sent"


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_a_host_the_administrator_allows_by_name_is_reached_however_it_is_spelt(plant, engine, hook, dns):
    answers, _ = dns
    answers["oa.jinyan.example"] = ["127.0.0.1"]
    hook.start()
    allow = ("oa.jinyan.example",)
    act(plant, "lixf", lambda s, a: notifications.add_channel(
        s, a, "lixf", "webhook", f"json://OA.Jinyan.Example.:{hook.port}/hook", allow))
    raise_nc(plant)
    assert delivery.dispatch(engine, allow=allow)["sent"] == 1
    assert [path for path, _ in hook.requests] == ["/hook"]


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
@pytest.mark.parametrize("query", ["", "?redirect=yes"], ids=["plain", "asking-for-redirects"])
def test_a_redirect_is_a_failed_delivery_and_is_not_followed(plant, engine, query):
    """An allowed local endpoint answers 302 towards another local server: that one hears nothing, whatever the
    address asks for, and the message waits for its retry with the reason on the row."""
    beyond = Hook()
    allowed = Hook(redirect=f"http://127.0.0.1:{beyond.port}/steal")
    beyond.start()
    allowed.start()
    try:
        act(plant, "lixf", lambda s, a: notifications.add_channel(
            s, a, "lixf", "webhook", f"json://127.0.0.1:{allowed.port}/hook{query}", LOCAL))
        raise_nc(plant)
        now = datetime.now(timezone.utc)
        assert delivery.dispatch(engine, now=now, allow=LOCAL)["retry"] == 1
        assert [path for path, _ in allowed.requests] == ["/hook"] and beyond.requests == []
        row = latest_for_lixf(engine)
        assert row.status == "pending" and row.attempts == 1 and row.next_attempt_at > now
        assert "answered 302, a redirect, which is not followed" in row.last_error and "302 重定向" in row.last_error
        assert delivery.dispatch(engine, now=now + timedelta(minutes=2), allow=LOCAL)["retry"] == 1  # retried
    finally:
        allowed.stop()
        beyond.stop()
    assert [path for path, _ in allowed.requests] == ["/hook", "/hook"]
    assert beyond.requests == []
    assert latest_for_lixf(engine).attempts == 2


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_the_settings_page_shows_the_refusal_next_to_the_address(web):
    lixf = as_user(web, "lixf")
    answer = lixf.post("/settings/channel", data={"kind": "webhook", "target": "json://100.64.12.34/hook",
                                                  "csrf_token": csrf(lixf, "/settings")}, headers={"HX-Request": "true"})
    assert answer.status_code == 400
    assert answer.json()["field"] == "target"  # steward.js puts the message after the input of that name
    assert answer.json()["message"].startswith("不能向 100.64.12.34 发送通知：这是运营商共享地址（100.64.0.0/10）")
    assert 'name="target"' in lixf.get("/settings").text
