"""Backup while the server runs, restore into an empty home: the audit chain verifies, the same rows are
there, signatures are valid, and a write made a second before the backup is in it."""

from __future__ import annotations

import io
import subprocess
import sys
import tarfile
import threading
import time
from datetime import date
from pathlib import Path

import pytest
from helpers import AUDIT_KEY, ROOT, act, run_steward
from sqlmodel import Session, func, select

from steward.backup import counts
from steward.context import Context
from steward.demo import DEMO_PASSWORD as PW
from steward.settings import load
from storage.engine import make_engine
from storage.files import FileStore
from storage.models import ActivityRecord, Revision
from workflows.accounting import activity
from workflows.documents import document as docs
from workflows.engine import machine as wf


def issued_document(plant, store) -> int:
    from documents.test_documents import docx_bytes

    def create(s, a):
        _, rev = docs.create(s, a, doc_type="procedure", title="碳排放数据管理程序", readers=["yangf"])
        docs.upload(s, a, rev, "程序.docx", io.BytesIO(docx_bytes("第一版")), store, 1 << 20)
        return rev.id
    rev_id = act(plant, "lixf", create)
    for who, trigger in (("lixf", "submit"), ("zhaom", "review"), ("wangjg", "approve"), ("lixf", "issue")):
        act(plant, who, lambda s, a, t=trigger: wf.fire(s, docs.LIFECYCLE, s.get(Revision, rev_id), t, a, password=PW))
    return rev_id


@pytest.mark.parametrize("db_url", ["sqlite", "postgresql"], indirect=True)
def test_a_backup_taken_while_writing_restores_whole(plant, db_url, steward_env, tmp_path, engine):
    home = Path(steward_env["STEWARD_HOME"])
    store = FileStore(home / "files")
    rev_id = issued_document(plant, store)
    run_steward(["audit", "anchor"], steward_env, check=True)
    act(plant, "lixf", lambda s, a: activity.enter(s, a, [{
        "period": "2031-01", "facility": "", "category": "electricity_purchased", "material": "grid_electricity",
        "quantity": 1234.5, "unit": "MWh"}], "just before the backup"))
    time.sleep(1)
    busy = threading.Event()

    def keep_writing():  # the server goes on while the backup runs
        month = 2
        while not busy.is_set() and month <= 12:
            act(plant, "yangf", lambda s, a, m=month: activity.enter(s, a, [{
                "period": f"2032-{m:02d}", "facility": "", "category": "electricity_purchased",
                "material": "grid_electricity", "quantity": 1.0, "unit": "MWh"}], "during the backup"))
            month += 1
    writer = threading.Thread(target=keep_writing)
    writer.start()
    archive = tmp_path / "backup.tar.gz"
    try:
        made = run_steward(["backup", "--out", str(archive)], steward_env, check=True)
    finally:
        busy.set()
        writer.join()
    assert "backed up" in made.stdout

    if db_url.startswith("sqlite"):
        target_url = f"sqlite:///{tmp_path / 'restored' / 'steward.db'}"
    else:
        from sqlalchemy import create_engine, text
        admin = create_engine(db_url.rsplit("/", 1)[0] + "/postgres", isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{Path(db_url).name}_restored"'))
        admin.dispose()
        target_url = f"{db_url}_restored"
    restored_env = {**steward_env, "STEWARD_HOME": str(tmp_path / "restored"), "STEWARD_DATABASE_URL": target_url}
    done = run_steward(["restore", str(archive)], restored_env)
    assert done.returncode == 0, done.stderr
    assert "audit chain intact" in done.stdout
    assert run_steward(["verify", "--data"], restored_env).returncode == 0

    restored = make_engine(target_url, AUDIT_KEY.encode())
    with tarfile.open(archive) as tar:
        manifest = __import__("json").load(tar.extractfile("manifest.json"))
    assert counts(restored) == manifest["rows"]
    with Session(restored) as s:
        assert s.exec(select(func.count()).select_from(ActivityRecord).where(
            ActivityRecord.period == date(2031, 1, 1))).one() == 1
        rev = s.get(Revision, rev_id)
        ctx = Context(load({"STEWARD_HOME": str(tmp_path / "restored"), "STEWARD_DATABASE_URL": target_url}))
        assert [ok for _, ok in docs.current_signatures(s, rev, ctx.files)] == [True] * 4
    restored.dispose()
    again = run_steward(["restore", str(archive)], restored_env)
    assert again.returncode == 2 and "not empty" in again.stderr  # never over existing data


def test_a_damaged_backup_is_refused_before_anything_is_written(tmp_path):
    bad = tmp_path / "bad.tar.gz"
    bad.write_bytes(b"not a backup")
    env = {"PATH": "/usr/bin:/bin", "STEWARD_HOME": str(tmp_path / "home")}
    result = subprocess.run([sys.executable, "-m", "steward", "restore", str(bad)], env=env, cwd=ROOT,
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 2 and "not a Carbon Steward backup" in result.stderr
    assert not (tmp_path / "home" / "files").exists()
