"""Tamper evidence that means something: an attacker who can rewrite the database can cut the log back
and move its head, or re-hash the chain from some entry, but cannot forge the anchors signed with the
key kept outside it. `verify --data` also finds rows edited directly and files swapped on disk."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path

import pytest
from helpers import ROOT, run_steward
from sqlalchemy import select, text, update
from test_audit_log import _drop_guards, _seed

from storage.audit_log import entry_hash
from storage.files import FileStore
from storage.models import AuditChain, AuditEntry, StoredFile
from storage.models.org import utcnow


def anchored(uow, steward_env) -> dict:
    _seed(uow)
    out = run_steward(["audit", "anchor"], steward_env, check=True)
    return json.loads(out.stdout)


def test_a_tail_cut_off_with_the_head_moved_back_is_found(uow, engine, steward_env):
    mark = anchored(uow, steward_env)
    assert mark["seq"] == 3 and (Path(steward_env["STEWARD_HOME"]) / "audit_key").stat().st_mode & 0o777 == 0o600
    _drop_guards(engine)
    with engine.begin() as conn:
        second = conn.execute(select(AuditEntry.hash).where(AuditEntry.seq == 2)).scalar()
        conn.execute(text("DELETE FROM audit_log WHERE seq = 3"))
        conn.execute(update(AuditChain).values(seq=2, hash=second))  # the chain alone now looks whole
    result = run_steward(["verify"], steward_env)
    assert result.returncode == 1 and "entry 3" in result.stderr and "cut back" in result.stderr


def test_a_chain_re_hashed_from_an_entry_is_found(uow, engine, steward_env):
    anchored(uow, steward_env)
    _drop_guards(engine)
    with engine.begin() as conn:
        rows = conn.execute(select(AuditEntry.__table__).where(AuditEntry.seq >= 2).order_by(AuditEntry.seq)).mappings()
        prev = conn.execute(select(AuditEntry.hash).where(AuditEntry.seq == 1)).scalar()
        for row in list(rows):
            fields = {k: row[k] for k in ("seq", "at", "actor", "action", "entity", "entity_id", "enterprise_id",
                                          "before", "after", "chain", "chain_seq")}
            if row["seq"] == 2:
                fields["actor"] = "mallory"
            new = entry_hash(**fields, prev_hash=prev)
            conn.execute(update(AuditEntry).where(AuditEntry.seq == row["seq"]).values(
                actor=fields["actor"], prev_hash=prev, hash=new))
            prev = new
        conn.execute(update(AuditChain).values(hash=prev))
    result = run_steward(["verify"], steward_env)
    assert result.returncode == 1 and "rewritten" in result.stderr and "entry 3" in result.stderr


def test_a_forged_anchor_is_named(uow, engine, steward_env):
    mark = anchored(uow, steward_env)
    forged = {**mark, "seq": 1, "mac": "0" * 64}
    with (Path(steward_env["STEWARD_HOME"]) / "audit-anchors.jsonl").open("a") as fh:
        fh.write(json.dumps(forged) + "\n")
    result = run_steward(["verify"], steward_env)
    assert result.returncode == 1 and "not signed with this installation's key" in result.stderr


def test_verify_data_names_a_row_edited_directly_and_a_file_swapped(uow, engine, steward_env):
    _seed(uow)
    store = FileStore(Path(steward_env["STEWARD_HOME"]) / "files")
    sha, size = store.put(io.BytesIO(b"%PDF-1.7 signed content"))
    with uow("alice") as s:
        s.add(StoredFile(sha256=sha, size=size, media_type="application/pdf", created_at=utcnow()))
    assert run_steward(["verify", "--data"], steward_env).returncode == 0
    with engine.begin() as conn:
        conn.execute(text("UPDATE site SET name = '伪造的厂' WHERE code = 'S1'"))
    store.path(sha).write_bytes(b"%PDF-1.7 other content")
    result = run_steward(["verify", "--data"], steward_env)
    assert result.returncode == 1
    assert "site row 1, name, differs from the audit log" in result.stderr and f"file {sha[:12]}" in result.stderr


@pytest.mark.parametrize("db_url", ["postgresql"], indirect=True)
def test_a_runtime_role_that_does_not_own_the_log_cannot_silence_it(engine, db_url, uow):
    """The documented PostgreSQL set-up: the app connects as a role that may read and write the tables but
    does not own them, so it cannot drop or disable the triggers that keep the log append-only."""
    _seed(uow)
    with engine.begin() as conn:
        script = "\n".join(line for line in (ROOT / "docs" / "postgresql-runtime-role.sql").read_text().splitlines()
                           if not line.startswith("--"))
        for statement in filter(str.strip, script.split(";")):
            conn.execute(text(statement.replace(":'password'", "'app-secret-2026'")))
    app_url = db_url.replace("postgres@", "steward_app:app-secret-2026@")
    attempt = """
import sys
from sqlalchemy import create_engine, text
eng = create_engine(sys.argv[1])
for sql in ("ALTER TABLE audit_log DISABLE TRIGGER ALL", "DROP TRIGGER audit_log_no_change ON audit_log",
            "UPDATE audit_log SET actor = 'x'", "DELETE FROM audit_log", "TRUNCATE audit_log"):
    try:
        with eng.begin() as c:
            c.execute(text(sql))
        print("ALLOWED", sql)
    except Exception as exc:
        print("refused", sql)
with eng.begin() as c:
    print("reads", c.execute(text("SELECT count(*) FROM audit_log")).scalar())
"""
    out = subprocess.run([sys.executable, "-c", attempt, app_url], capture_output=True, text=True, timeout=60)
    assert "ALLOWED" not in out.stdout and out.stdout.count("refused") == 5 and "reads 3" in out.stdout, out


@pytest.mark.parametrize("db_url", ["sqlite", "postgresql"], indirect=True)
def test_an_entry_forged_with_database_access_alone_does_not_verify(uow, engine, steward_env):
    """A row edited in the database, with a matching entry appended through the public hash function: the
    triggers stay on (nothing is deleted or updated in the log), yet the forged entry has no keyed hash."""
    anchored(uow, steward_env)
    with engine.begin() as conn:
        site = conn.execute(text("SELECT id, enterprise_id FROM site WHERE code = 'S1'")).one()
        conn.execute(text("UPDATE site SET name = '伪造的厂' WHERE id = :id"), {"id": site.id})
        chain, n, prev = conn.execute(select(AuditChain.chain, AuditChain.seq, AuditChain.hash)
                                      .where(AuditChain.chain == site.enterprise_id)).one()
        seq = conn.execute(text("SELECT max(seq) FROM audit_log")).scalar() + 1
        fields = dict(seq=seq, at=utcnow(), actor="web:lixf", action="update", entity="site",
                      entity_id=str(site.id), enterprise_id=site.enterprise_id, before={"name": "一厂"},
                      after={"name": "伪造的厂", "id": site.id}, chain=chain, chain_seq=n + 1)
        forged = entry_hash(**fields, prev_hash=prev)
        conn.execute(AuditEntry.__table__.insert().values(**fields, prev_hash=prev, hash=forged))
        conn.execute(update(AuditChain).where(AuditChain.chain == chain).values(seq=n + 1, hash=forged))
    result = run_steward(["verify", "--data"], steward_env)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert f"its entry {n + 1} (log entry {seq}) was altered" in result.stderr


def test_a_missing_or_emptied_anchors_file_or_keying_record_is_a_finding(uow, engine, steward_env):
    anchored(uow, steward_env)
    home = Path(steward_env["STEWARD_HOME"])
    record = home / "audit-keyed-from.json"
    kept = record.read_bytes()
    record.unlink()  # made once; never made anew while the anchors show keyed hashing had begun
    lost = run_steward(["verify"], steward_env)
    assert lost.returncode == 1 and "where keyed hashing began" in lost.stderr and not record.exists()
    record.write_bytes(kept)
    anchors = home / "audit-anchors.jsonl"
    anchors.write_text("")
    emptied = run_steward(["verify"], steward_env)
    assert emptied.returncode == 1 and "anchors file (audit-anchors.jsonl) is missing or empty" in emptied.stderr
    anchors.unlink()
    gone = run_steward(["verify"], steward_env)
    assert gone.returncode == 1 and "锚点文件（audit-anchors.jsonl）缺失或为空" in gone.stderr


@pytest.mark.parametrize("db_url", ["sqlite", "postgresql"], indirect=True)
def test_verify_data_checks_password_hashes_and_names_a_malformed_value(uow, engine, steward_env):
    from storage.models import Person
    from workflows.people import organisation as org
    _seed(uow)
    with uow("alice") as s:
        person = org.add(s, "person", {"code": "P1", "name": "张三", "username": "zhangsan"}, enterprise_ref="ACME")
        org.set_password(s, person, "a-long-password")
        org.add(s, "meter", {"code": "M1", "name": "电表", "meter_type": "electricity", "last_calibrated": "2026-01-05"},
                enterprise_ref="ACME")
    assert run_steward(["verify", "--data"], steward_env).returncode == 0
    with uow("reader") as s:
        known = s.get(Person, person.id).password_hash
    with engine.begin() as conn:
        conn.execute(text("UPDATE person SET password_hash = :h WHERE id = :id"),  # one whose password they know
                     {"h": known[:-4] + "AAAA", "id": person.id})
        if conn.dialect.name == "sqlite":  # PostgreSQL refuses a malformed date itself
            conn.execute(text("UPDATE meter SET last_calibrated = 'sometime in spring' WHERE code = 'M1'"))
    result = run_steward(["verify", "--data"], steward_env)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert f"person row {person.id}, password_hash, differs from the audit log" in result.stderr
    assert ("last_calibrated cannot be read (a malformed value" in result.stderr) == (engine.dialect.name == "sqlite")
