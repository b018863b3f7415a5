"""Benchmark: signed-in people using the main pages at once — the overview, tasks, documents, accounting and the
year's audit checklist — on the lived demo, served by `steward serve` with one or more worker processes, against
a static file served by the same server under the same load, in one run.

    python3 -m uv run python bench/page_load.py [--sessions 50] [--seconds 20] [--workers 1 2] [--think 1]
                                                [--history 10]

Each worker count is measured twice. At people's pace each person clicks about once every ``--think`` seconds (0.5–1.5×
at random; one click a second is faster than anyone reads a page), which is what 50 signed-in people are. Flat out
no one pauses, so the figures show how much the server delivers and how long the queue behind two cores grows:
there even the static file's p95 is several hundred milliseconds, because the load generator shares the cores.
Prints per worker count: requests per second, p50/p95 latency and errors, pages and static file side by side.
``--history N`` runs it again after adding N years of monthly year-to-date accounting runs for the plant and
four more enterprises (copies of the plant's latest run, lines and all). Goals (issue 18): p95 < 100 ms at 50
sessions at people's pace, no errors (with as many workers as the machine has cores), and no slower with the history.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import re
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from audit_key import BENCH_KEY, keep

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
PASSWORD = "jinyan-demo-2026"
PEOPLE = ["lixf", "wangjg", "zhaom", "zhangw", "liuy", "chenj", "zhoul", "yangf"]


def seed(home: Path) -> None:
    """The lived demo (not timed)."""
    from steward import demo
    from storage import migrate
    from storage.engine import make_engine, unit_of_work
    from storage.files import FileStore
    engine = make_engine(f"sqlite:///{home / 'steward.db'}", BENCH_KEY)
    migrate.upgrade(engine)
    with unit_of_work(engine, "demo-seed") as s:
        demo.seed(s, FileStore(home / "files"))
    engine.dispose()


def add_history(home: Path, years: int) -> int:
    """``years`` × 12 monthly year-to-date runs for the plant and four more enterprises (not timed)."""
    from datetime import datetime, timezone

    from sqlmodel import select

    from steward import demo
    from storage.engine import make_engine, unit_of_work
    from storage.models import AccountingRun, Enterprise
    engine = make_engine(f"sqlite:///{home / 'steward.db'}", BENCH_KEY)
    made = 0
    with unit_of_work(engine, "bench-history") as s:
        plant = s.exec(select(Enterprise).where(Enterprise.code == demo.PLANT)).one()
        latest = s.exec(select(AccountingRun).where(AccountingRun.enterprise_id == plant.id)
                        .order_by(AccountingRun.id.desc())).first()
        owners = [plant.id]
        for n in range(4):
            other = Enterprise(code=f"HIST{n}", name_zh=f"历史企业 {n}", industry="cement")
            s.add(other)
            s.flush()
            owners.append(other.id)
        last = latest.year - 1  # before the demo's own runs, so the pages still show the demo's latest
        for owner in owners:
            for year in range(last - years + 1, last + 1):
                for month in range(1, 13):
                    s.add(AccountingRun(enterprise_id=owner, year=year, grid=latest.grid,
                                        library_version=latest.library_version, totals=latest.totals,
                                        lines=latest.lines, created_by="bench-history",
                                        data_sha256=f"{owner}-{year}-{month}",
                                        created_at=datetime(year, month, 5, tzinfo=timezone.utc)))
                    made += 1
            s.flush()
    engine.dispose()
    return made


def serve(home: Path, workers: int) -> tuple[subprocess.Popen, str]:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = {**{k: v for k, v in os.environ.items() if not k.startswith("STEWARD_")}, "STEWARD_HOME": str(home)}
    server = subprocess.Popen([sys.executable, "-m", "steward", "serve", "--host", "127.0.0.1", "--port", str(port),
                               "--no-schedule", "--workers", str(workers)], env=env, cwd=ROOT,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    for _ in range(300):
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                break
        time.sleep(0.1)
    return server, base


async def signed_in(httpx, base: str, username: str):
    client = httpx.AsyncClient(base_url=base, timeout=30)
    page = (await client.get("/login")).text
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    answer = await client.post("/login", data={"username": username, "password": PASSWORD, "csrf_token": token})
    assert answer.status_code == 303, answer.text[:200]
    return client


async def load(base: str, sessions: int, seconds: float, paths: list[str], think: float = 0.0
               ) -> tuple[list[float], int]:
    import httpx
    clients = [await signed_in(httpx, base, PEOPLE[i % len(PEOPLE)]) for i in range(sessions)]
    mine = {}  # each person uses the pages their role opens (staff do not open the audit checklist)
    for n, c in enumerate(clients[:len(PEOPLE)]):
        mine[n] = [p for p in paths if (await c.get(p)).status_code == 200]
    took, errors, stop, seen = [], [0], time.monotonic() + seconds, []
    by_path: dict[str, list[float]] = {}

    async def person(client, offset: int):
        i, own = offset, mine[offset % len(PEOPLE)]
        pause = random.Random(offset)
        await asyncio.sleep(pause.uniform(0, think))  # people do not all click at the same instant
        while time.monotonic() < stop:
            start = time.perf_counter()
            try:
                try:
                    response = await client.get(own[i % len(own)])
                except httpx.RemoteProtocolError:  # the server closed an idle kept-alive connection as this GET
                    response = await client.get(own[i % len(own)])  # went out: a browser sends it again, so do we
                if response.status_code != 200:
                    errors[0] += 1
                    seen.append(f"{response.status_code} {own[i % len(own)]} {response.text[:120]!r}")
            except httpx.HTTPError as exc:
                errors[0] += 1
                seen.append(f"{type(exc).__name__} {own[i % len(own)]}")
            took.append(time.perf_counter() - start)
            by_path.setdefault(own[i % len(own)], []).append(took[-1])
            i += 1
            if think:
                await asyncio.sleep(pause.uniform(0.5, 1.5) * think)
    await asyncio.gather(*(person(c, n) for n, c in enumerate(clients)))
    for c in clients:
        await c.aclose()
    for line in sorted(set(seen))[:5]:
        print("    error:", line)
    if len(by_path) > 1:
        print("    p95 by page: " + ", ".join(f"{path.split('?')[0]} {percentile(t, 95):.0f} ms"
                                           for path, t in sorted(by_path.items())))
    return took, errors[0]


def percentile(took: list[float], q: int) -> float:
    ms = sorted(t * 1000 for t in took)
    return ms[max(0, int(len(ms) * q / 100) - 1)] if ms else 0.0


def figures(took: list[float], errors: int, seconds: float) -> str:
    return (f"{len(took) / seconds:7.1f} req/s  p50 {percentile(took, 50):7.1f} ms  p95 {percentile(took, 95):7.1f} ms"
            f"  errors {errors}")


def run(home: Path, args, label: str) -> None:
    print(f"{args.sessions} signed-in sessions for {args.seconds:g} s each run, {label}")
    pages = ["/", "/tasks", "/documents", "/accounting", "/audits/JYCEM-IA-2026-001?chapter=7"]
    for workers in args.workers:
        server, base = serve(home, workers)
        try:
            for pace, think in ((f"a click every ~{args.think:g} s", args.think), ("flat out", 0.0)):
                took, errors = asyncio.run(load(base, args.sessions, args.seconds, pages, think))
                static, static_errors = asyncio.run(load(base, args.sessions, args.seconds, ["/static/steward.css"],
                                                         think))
                print(f"  {workers} worker(s), {pace:<22} pages   {figures(took, errors, args.seconds)}")
                print(f"  {workers} worker(s), {pace:<22} static  {figures(static, static_errors, args.seconds)}"
                      "  (baseline)")
        finally:
            server.terminate()
            server.wait(timeout=30)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sessions", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--think", type=float, default=1.0, help="seconds between one person's clicks, on average")
    parser.add_argument("--history", type=int, default=0, help="years of monthly runs to add for a second pass")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        home = keep(Path(tmp))
        seed(home)
        run(home, args, "lived demo")
        if args.history:
            made = add_history(home, args.history)
            run(home, args, f"lived demo + {args.history} years × 5 enterprises of monthly runs ({made} runs)")


if __name__ == "__main__":
    main()
