"""Every write leaves a hash-chained audit entry; tampering is found by `steward verify`."""

import pytest
from helpers import run_steward
from sqlalchemy import text
from sqlmodel import Session, select

from storage.audit_log import secret_digest, verify
from storage.errors import StewardError
from storage.models import AuditEntry, Enterprise, Site
from workflows.people import organisation as org


def _seed(uow):
    with uow("alice") as s:
        org.add(s, "enterprise", {"code": "ACME", "name_zh": "阿克米水泥", "industry": "cement"})
        org.add(s, "site", {"code": "S1", "name": "一厂"}, enterprise_ref="ACME")
    with uow("bob") as s:
        ent = org.enterprise(s, "ACME")
        ent.name_zh = "阿克米水泥有限公司"
        s.add(ent)


def _entries(engine):
    with Session(engine) as s:
        return s.exec(select(AuditEntry).order_by(AuditEntry.seq)).all()


def _drop_guards(engine):
    """What an attacker with database access would do first."""
    with engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            conn.execute(text("DROP TRIGGER audit_log_no_change ON audit_log"))
        else:
            conn.execute(text("DROP TRIGGER audit_log_no_update"))
            conn.execute(text("DROP TRIGGER audit_log_no_delete"))


def test_each_write_records_who_what_and_before_after(uow, engine):
    _seed(uow)
    entries = _entries(engine)
    assert [(e.actor, e.action, e.entity) for e in entries] == [
        ("alice", "insert", "enterprise"), ("alice", "insert", "site"), ("bob", "update", "enterprise")]
    assert entries[2].before == {"name_zh": "阿克米水泥"}
    assert entries[2].after["name_zh"] == "阿克米水泥有限公司"
    assert entries[1].enterprise_id == entries[0].after["id"]
    assert all(e.prev_hash == p.hash for p, e in zip(entries, entries[1:], strict=False))


def test_password_hashes_never_reach_the_log(uow, engine):
    _seed(uow)
    with uow() as s:
        person = org.add(s, "person", {"code": "P1", "name": "张三", "username": "zhangsan"}, enterprise_ref="ACME")
        org.set_password(s, person, "a-long-password")
    last = _entries(engine)[-1]
    with uow() as s:  # only a digest of the hash, enough for `verify --data` to find a hash swapped in the table
        stored = s.get(type(person), person.id).password_hash
    assert last.after["password_hash"] == secret_digest(stored) and stored not in str(last.after)
    assert "argon2" not in str([e.after for e in _entries(engine)])


def test_verify_passes_on_an_intact_chain(uow, engine, steward_env):
    _seed(uow)
    result = run_steward(["verify"], steward_env)
    assert result.returncode == 0, result.stderr
    assert "3" in result.stdout


def test_verify_names_the_first_altered_entry(uow, engine, steward_env):
    _seed(uow)
    _drop_guards(engine)
    with engine.begin() as conn:
        conn.execute(text("UPDATE audit_log SET actor = 'mallory' WHERE seq = 2"))
    result = run_steward(["verify"], steward_env)
    assert result.returncode == 1
    assert "entry 2" in result.stderr and "altered" in result.stderr


def test_verify_names_a_removed_entry(uow, engine, steward_env):
    _seed(uow)
    _drop_guards(engine)
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM audit_log WHERE seq = 2"))
    result = run_steward(["verify"], steward_env)
    assert result.returncode == 1
    assert "entry 2" in result.stderr and "missing" in result.stderr


def test_verify_notices_the_newest_entries_removed(uow, engine):
    _seed(uow)
    _drop_guards(engine)
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM audit_log WHERE seq = 3"))
    with engine.connect() as conn:
        report = verify(conn)
    assert not report.ok and report.first_broken == 3


def test_database_refuses_to_change_the_log(uow, engine):
    _seed(uow)
    with pytest.raises(Exception, match="append-only"):
        with engine.begin() as conn:
            conn.execute(text("UPDATE audit_log SET actor = 'mallory' WHERE seq = 1"))
    with pytest.raises(Exception, match="append-only"):
        with engine.begin() as conn:
            conn.execute(text("DELETE FROM audit_log"))
    with engine.connect() as conn:
        assert verify(conn).ok


def test_a_failed_change_leaves_neither_data_nor_log(uow, engine):
    _seed(uow)
    before = len(_entries(engine))
    with pytest.raises(StewardError):
        with uow("carol") as s:
            org.add(s, "site", {"code": "S2", "name": "二厂"}, enterprise_ref="ACME")
            org.add(s, "site", {"code": "S1", "name": "重复"}, enterprise_ref="ACME")
    assert len(_entries(engine)) == before
    with Session(engine) as s:
        assert [x.code for x in s.exec(select(Site)).all()] == ["S1"]


def test_anonymous_writes_are_refused(engine):
    with pytest.raises(RuntimeError, match="actor"):
        with Session(engine) as s:
            s.add(Enterprise(code="ANON", name_zh="匿名", industry="coal"))
            s.commit()


def test_concurrent_writers_extend_their_chains(engine):
    """Two sessions writing at the same moment: both land, each chain whole."""
    import threading

    errors, barrier = [], threading.Barrier(2)

    def write(code):
        from storage.engine import unit_of_work
        try:
            with unit_of_work(engine, code) as s:
                s.add(Enterprise(code=code, name_zh=code, industry="coal"))
                barrier.wait(timeout=10)
        except Exception as exc:  # noqa: BLE001
            errors.append(exc)

    threads = [threading.Thread(target=write, args=(c,)) for c in ("AAA", "BBB")]
    [t.start() for t in threads]
    [t.join() for t in threads]
    with engine.connect() as conn:
        assert verify(conn).ok
    assert len(_entries(engine)) + len(errors) == 2


def test_a_transaction_of_many_flushes_moves_the_chain_once_in_order(uow, engine):
    """Entries are noted at each flush and chained at commit: one head move (one lock on PostgreSQL), the
    flushes' order kept, one time and one actor; an anonymous flush still raises at once."""
    _seed(uow)
    statements = []
    from sqlalchemy import event

    def seen(conn, cursor, statement, *args):
        statements.append(statement)
    event.listen(engine, "before_cursor_execute", seen)
    try:
        with uow("dave") as s:
            for code in ("S2", "S3", "S4"):
                org.add(s, "site", {"code": code, "name": code}, enterprise_ref="ACME")
                s.flush()
            assert not [x for x in statements if "audit_chain" in x]  # nothing chained before the commit
    finally:
        event.remove(engine, "before_cursor_execute", seen)
    assert len([x for x in statements if x.lstrip().upper().startswith("UPDATE AUDIT_CHAIN")]) == 1
    last = _entries(engine)[-3:]
    assert [e.after["code"] for e in last] == ["S2", "S3", "S4"] and {e.actor for e in last} == {"dave"}
    assert len({e.at for e in last}) == 1
    with engine.connect() as conn:
        assert verify(conn).ok
    with pytest.raises(RuntimeError, match="actor"), Session(engine) as s:
        s.add(Enterprise(code="ANON", name_zh="匿名", industry="coal"))
        s.flush()


@pytest.mark.parametrize("db_url", ["postgresql"], indirect=True)
def test_enterprises_append_in_parallel_and_one_enterprise_in_turn(engine):
    """Each enterprise's chain has its own lock: while one transaction holds enterprise 1's, another appends to
    enterprise 2's at once, and a third that wants enterprise 1's waits (here: gives up after its lock timeout)."""
    from sqlalchemy.exc import OperationalError

    from storage.audit_log import append

    def entry(enterprise_id):
        return [("alice", "insert", "site", "1", enterprise_id, None, {"code": "S"})]
    with engine.connect() as first:
        held = first.begin()
        append(first, entry(1))
        with engine.connect() as other:
            other.execute(text("SET lock_timeout = '1s'"))  # for this connection's whole life
            other.commit()
            with other.begin():
                append(other, entry(2))  # not blocked
            with pytest.raises(OperationalError, match="lock timeout"), other.begin():
                append(other, entry(1))
        held.commit()
    with engine.connect() as conn:
        report = verify(conn)
        chains = conn.execute(text("SELECT chain, chain_seq FROM audit_log ORDER BY seq")).all()
    assert report.ok and report.entries == 2 and sorted(chains) == [(1, 1), (2, 1)]


def test_an_entry_moved_to_another_chain_or_a_chain_tip_removed_is_found(uow, engine):
    _seed(uow)
    with uow("carol") as s:
        org.add(s, "enterprise", {"code": "BETA", "name_zh": "贝塔", "industry": "coal"})
    _drop_guards(engine)
    with engine.begin() as conn:
        conn.execute(text("UPDATE audit_log SET chain = 999 WHERE seq = 4"))
    with engine.connect() as conn:
        report = verify(conn)
    assert not report.ok and "altered" in report.reason
    with engine.begin() as conn:
        conn.execute(text("UPDATE audit_log SET chain = enterprise_id WHERE seq = 4"))
        conn.execute(text("DELETE FROM audit_chain WHERE chain = (SELECT chain FROM audit_log WHERE seq = 4)"))
    with engine.connect() as conn:
        report = verify(conn)
    assert not report.ok and "tip is gone" in report.reason
