"""`steward serve --host --port` on a fresh install: the pages answer, and a queued notification is
delivered by the same process without a second command."""

import json
import re
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from helpers import ROOT
from people.test_notifications import free_port, smtp  # noqa: F401  (the local SMTP server fixture)

from workflows.engine import clock
from workflows.engine.machine import actor_for, give_task
from workflows.people import notifications

pytestmark = pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)


def test_serve_takes_host_and_port_and_delivers_notifications(plant, steward_env, smtp):  # noqa: F811
    with plant("test") as s:
        lixf = actor_for(s, "lixf")
        notifications.add_channel(s, lixf, "lixf", "email", "lixf@jinyan.example")
        give_task(s, lixf.person, "document", 1, "阅读新文件", "Read the new document", clock.today())
    port = free_port()
    env = {**steward_env, "STEWARD_SMTP_URL": smtp.url, "STEWARD_PORT": "1"}  # the flag wins over the setting
    server = subprocess.Popen([sys.executable, "-m", "steward", "serve", "--host", "127.0.0.1", "--port", str(port)],
                              env=env, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 60
        page = None
        while time.monotonic() < deadline and (page is None or not smtp.messages):
            try:
                page = urllib.request.urlopen(f"http://127.0.0.1:{port}/login", timeout=2).read().decode()
            except OSError:
                pass
            time.sleep(0.3)
        assert page and "登录" in page
        assert [m["To"] for m in smtp.messages] == ["lixf@jinyan.example"]
    finally:
        server.terminate()
        server.wait(timeout=20)
    out = server.stdout.read()  # stopping signs the log's tip, so nothing written until then can be cut unseen
    anchors = (Path(steward_env["STEWARD_HOME"]) / "audit-anchors.jsonl").read_text().splitlines()
    assert "audit log anchored at entry" in out and len(anchors) >= 2
    assert json.loads(anchors[-1])["seq"] == int(re.search(r"anchored at entry (\d+)", out).group(1))


def test_serve_with_two_workers_signs_in_on_one_and_is_known_on_the_other(plant, steward_env):
    """`--workers 2`: two processes serve the pages with one session key, so a sign-in holds whichever answers."""
    import http.cookiejar
    import re
    port = free_port()
    server = subprocess.Popen([sys.executable, "-m", "steward", "serve", "--host", "127.0.0.1", "--port", str(port),
                               "--workers", "2", "--no-schedule"], env=steward_env, cwd=ROOT,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    base = f"http://127.0.0.1:{port}"
    try:
        jar = http.cookiejar.CookieJar()
        browser = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
        deadline, login = time.monotonic() + 60, None
        while time.monotonic() < deadline and login is None:
            try:
                login = browser.open(f"{base}/login", timeout=2).read().decode()
            except OSError:
                time.sleep(0.3)
        assert login, server.stderr.read() if server.poll() is not None else "no answer"
        token = re.search(r'name="csrf_token" value="([^"]+)"', login).group(1)
        from urllib.parse import urlencode
        browser.open(f"{base}/login", data=urlencode({"username": "lixf", "password": "jinyan-demo-2026",
                                                       "csrf_token": token}).encode(), timeout=10)
        pages = [browser.open(f"{base}/tasks", timeout=10) for _ in range(12)]  # spread over both workers
        assert all(p.status == 200 and p.url.endswith("/tasks") for p in pages)  # never sent back to sign in
        children = subprocess.run(["pgrep", "-P", str(server.pid)], capture_output=True, text=True).stdout.split()
        assert len(children) >= 2
    finally:
        server.terminate()
        server.wait(timeout=20)
