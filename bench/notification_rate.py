"""Benchmark: notifications through the outbox to a webhook on 127.0.0.1 that fails 30 % of requests, drained
by the product's dispatcher (retries when their backoff is due, simulated by moving the clock), against apprise
alone sending the same messages to the same server one after another, retrying each until it goes through.

    python3 -m uv run python bench/notification_rate.py [--messages 10000]

Prints messages delivered per second for both, SQL statements per message, and whether every message arrived.
Goal (issue 18): ≥ 200 msg/s, none lost, and no fixed cap per scheduled run.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

from audit_key import BENCH_KEY

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

FAILING = 0.3


def serve(port: int, log: str) -> None:
    """The webhook in its own process (so it shares no interpreter lock with the sender), on asyncio: it answers
    500 to 30 % of requests (seeded) and writes each accepted message to a file, one per line. A plain
    http.server thread per request could not keep up with either side."""
    import asyncio
    rng, out = random.Random(30), open(log, "a", encoding="utf-8")  # noqa: SIM115

    async def handle(reader, writer):
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                length = next((int(line.split(b":", 1)[1]) for line in head.split(b"\r\n")
                               if line.lower().startswith(b"content-length:")), 0)
                body = await reader.readexactly(length)
                fail = rng.random() < FAILING
                if not fail:
                    out.write(json.loads(body)["message"] + "\n")
                    out.flush()
                writer.write(b"HTTP/1.1 500 Internal Server Error\r\nContent-Length: 0\r\n\r\n" if fail
                             else b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n")
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            writer.close()

    async def main():
        server = await asyncio.start_server(handle, "127.0.0.1", port, backlog=512)
        async with server:
            await server.serve_forever()
    asyncio.run(main())


def received(log: Path) -> set[str]:
    return set(log.read_text(encoding="utf-8").splitlines()) if log.exists() else set()


def prepare(url: str, target: str, messages: int) -> None:
    """The demo plant; the carbon manager's webhook; ``messages`` queued for them (not timed)."""
    from steward import demo
    from storage import migrate
    from storage.engine import make_engine, unit_of_work
    from storage.models import Outbox
    from workflows.engine.machine import actor_for
    from workflows.people import notifications
    engine = make_engine(url, BENCH_KEY)
    migrate.upgrade(engine)
    with unit_of_work(engine, "bench-seed") as s:
        demo.seed(s)
        for row in s.exec(Outbox.__table__.select()).all():  # the seed's own messages are not part of the run
            s.get(Outbox, row.id).status = "sent"
        manager = actor_for(s, "lixf")
        notifications.add_channel(s, manager, "lixf", "webhook", target, allow=("127.0.0.1",))
        for i in range(messages):
            s.add(Outbox(enterprise_id=manager.enterprise_id, person_id=manager.person.id, subject=f"任务 {i}",
                         body=f"message {i}"))
    engine.dispose()


def ours(url: str, messages: int) -> tuple[float, float, int]:
    from sqlalchemy import event, func, select

    from flows.delivery import dispatch
    from storage.engine import make_engine
    from storage.models import Outbox
    engine = make_engine(url, BENCH_KEY)
    statements = [0]
    event.listen(engine, "before_cursor_execute", lambda *a: statements.__setitem__(0, statements[0] + 1))
    now, runs = datetime.now(timezone.utc), 0
    start = time.perf_counter()
    while True:
        counts = dispatch(engine, now=now, allow=("127.0.0.1",))
        runs += 1
        if counts["retry"] == 0 and counts["claimed"] == 0:
            break
        now += timedelta(hours=13)  # the longest backoff has passed: the next run retries what failed
    took = time.perf_counter() - start
    with engine.connect() as conn:
        left = conn.execute(select(func.count()).select_from(Outbox).where(Outbox.status != "sent")).scalar()
    engine.dispose()
    return took, statements[0] / messages, left


def plain(target: str, messages: int) -> float:
    """Apprise as its documentation shows it: one object for the address, notify, retry until it goes through."""
    import apprise
    sender = apprise.Apprise()
    sender.add(target)
    start = time.perf_counter()
    for i in range(messages):
        while not sender.notify(title=f"任务 {i}", body=f"plain {i}"):
            pass
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--messages", type=int, default=10_000)
    args = parser.parse_args()
    import multiprocessing
    import socket
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    target = f"json://127.0.0.1:{port}/hook"
    with tempfile.TemporaryDirectory() as tmp:
        log = Path(tmp) / "received.txt"
        server = multiprocessing.Process(target=serve, args=(port, str(log)), daemon=True)
        server.start()
        for _ in range(100):
            with socket.socket() as s:
                if s.connect_ex(("127.0.0.1", port)) == 0:
                    break
            time.sleep(0.05)
        url = f"sqlite:///{Path(tmp) / 'outbox.db'}"
        prepare(url, target, args.messages)
        took, statements, left = ours(url, args.messages)
        ours_got = received(log)
        raw = plain(target, args.messages)
        plain_got = received(log)
        server.terminate()
    wanted = {f"message {i}" for i in range(args.messages)}
    plain_got = {m.replace("plain", "message", 1) for m in plain_got if m.startswith("plain ")}
    print(f"notifications to a webhook failing {FAILING:.0%} of the time, {args.messages:,} messages")
    print(f"  ours   {args.messages / took:8.1f} msg/s  {statements:5.1f} statements each; not sent: {left}; "
          f"missing at the server: {len(wanted - ours_got)}")
    print(f"  plain  {args.messages / raw:8.1f} msg/s  (apprise alone, one at a time); missing: {len(wanted - plain_got)}")
    print(f"  ours / plain throughput: {raw / took:.2f}  (goal ≥ 200 msg/s, none lost)")


if __name__ == "__main__":
    main()
