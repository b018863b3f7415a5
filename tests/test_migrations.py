"""The schema comes from committed migrations, and they match the models."""

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from helpers import AUDIT_KEY, ROOT
from sqlmodel import SQLModel

import storage.models  # noqa: F401
from storage import migrate


def test_migrations_reach_head_and_match_the_models(engine):
    assert migrate.current(engine) == migrate.head() == migrate.alembic_head()  # HEAD names the newest file
    with engine.connect() as conn:
        assert MigrationContext.configure(conn).get_current_revision() == migrate.current(engine)
        diff = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}), SQLModel.metadata)
    assert diff == [], f"models changed without a migration: {diff}"


def test_create_all_is_only_used_in_tests():
    offenders = [p for pkg in ("steward", "storage", "workflows", "flows", "forms", "accounting")
                 for p in (ROOT / pkg).rglob("*.py") if "create_all(" in p.read_text(encoding="utf-8")]
    assert offenders == []


def test_revisions_made_before_0012_keep_their_metadata_and_a_draft_keeps_its_readers(tmp_path):
    import json
    from datetime import datetime

    import sqlalchemy as sa

    from storage.engine import make_engine
    engine = make_engine(f"sqlite:///{tmp_path / 'old.db'}", AUDIT_KEY.encode())
    migrate.upgrade(engine, "0011")
    now = datetime(2026, 1, 5)
    with engine.begin() as c:
        c.execute(sa.text("INSERT INTO enterprise (id, code, name_zh, name_en, credit_code, industry, province, address,"
                          " created_at) VALUES (1, 'E', '厂', 'Plant', 'X', 'cement', 'SX', '', :t)"), {"t": now})
        for pid, name in ((1, "甲"), (2, "乙")):
            c.execute(sa.text("INSERT INTO person (id, enterprise_id, code, name, position, email, phone, language,"
                              " active) VALUES (:i, 1, :c, :n, '', '', '', 'zh', 1)"), {"i": pid, "c": f"P{pid}", "n": name})
        c.execute(sa.text("INSERT INTO document (id, enterprise_id, number, doc_type, title, owner_id, access, "
                          "access_roles, retention_years, review_interval_months, clause_ids, disposal_note, created_at)"
                          " VALUES (1, 1, 'E-PR-001', 'procedure', '数据管理程序', 1, 'internal', '[]', 5, 12, :cl, '',"
                          " :t)"), {"cl": json.dumps(["7.5.2"]), "t": now})
        for rid, rev, state in ((1, 1, "issued"), (2, 2, "draft")):
            c.execute(sa.text("INSERT INTO revision (id, enterprise_id, document_id, rev, state, version, file_name, "
                              "media_type, change_summary, created_at) VALUES (:i, 1, 1, :r, :s, 1, '', '', '', :t)"),
                      {"i": rid, "r": rev, "s": state, "t": now})
        c.execute(sa.text("INSERT INTO distribution (enterprise_id, document_id, revision_id, person_id) "
                          "VALUES (1, 1, 1, 2)"))
    migrate.upgrade(engine)
    with engine.connect() as c:
        metas = [json.loads(m) for m in c.execute(sa.text("SELECT meta FROM revision ORDER BY rev")).scalars()]
        readers = c.execute(sa.text("SELECT person_id FROM distribution WHERE revision_id = 2")).scalars().all()
    assert [m["title"] for m in metas] == ["数据管理程序"] * 2 and metas[1]["clause_ids"] == ["7.5.2"]
    assert readers == [2]  # the draft will ask the same reader when it is issued


def test_yearly_duties_given_twice_before_0018_are_cancelled_with_an_audit_entry(tmp_path):
    """An old database where two overlapping runs gave the same duty twice: the upgrade keeps the first, cancels
    the second with an audit entry (so the log still explains the row) and then holds the rule itself."""
    import sqlalchemy as sa

    from storage.audit_log import verify
    from storage.engine import make_engine, unit_of_work
    from storage.models import Enterprise, Person, Task
    from storage.replay import check_tables
    engine = make_engine(f"sqlite:///{tmp_path / 'old.db'}", AUDIT_KEY.encode())
    migrate.upgrade(engine, "0017")
    with unit_of_work(engine, "alice") as s:
        ent = Enterprise(code="E", name_zh="厂", industry="cement")
        s.add(ent)
        s.flush()
        person = Person(enterprise_id=ent.id, code="P1", name="甲")
        s.add(person)
        s.flush()
        for _ in range(2):
            s.add(Task(enterprise_id=ent.id, assignee_id=person.id, lifecycle="training_plan", entity_id=2026,
                       title_zh="培训计划", title_en="Training plan"))
    migrate.upgrade(engine)
    with engine.connect() as c:
        assert c.execute(sa.text("SELECT status FROM task ORDER BY id")).scalars().all() == ["open", "cancelled"]
        assert verify(c).ok and list(check_tables(c)) == []
    from storage.errors import Conflict
    with pytest.raises(Conflict, match="already on record"), unit_of_work(engine, "alice") as s:
        s.add(Task(enterprise_id=1, assignee_id=1, lifecycle="training_plan", entity_id=2026, title_zh="再一次",
                   title_en="Again"))


def _review_at_0032(conn, year: int, number: str, review_id: int) -> None:
    import sqlalchemy as sa
    conn.execute(sa.text("INSERT INTO management_review (id, enterprise_id, year, number, state, version, planned_on, "
                         "inputs, statements, attendees, minutes, conclusion) VALUES (:i, 1, :y, :n, 'held', 1, :d, "
                         "'{}', '{}', '[\"甲\"]', '纪要', '充分')"),
                 {"i": review_id, "y": year, "n": number, "d": f"{year}-07-01"})


def _plant_at_0032(engine) -> None:
    """An enterprise at revision 0032 with last year's and this year's reviews, each with a decision to carry out."""
    import sqlalchemy as sa
    migrate.upgrade(engine, "0032")
    with engine.begin() as c:
        c.execute(sa.text("INSERT INTO enterprise (id, code, name_zh, name_en, credit_code, industry, province, "
                          "address, created_at) VALUES (1, 'E', '厂', 'Plant', 'X', 'cement', 'SX', '', '2026-01-05')"))
        c.execute(sa.text("INSERT INTO person (id, enterprise_id, code, name, position, email, phone, language, active)"
                          " VALUES (1, 1, 'P1', '甲', '', '', '', 'zh', true)"))
        for rid, year in ((1, 2025), (2, 2026)):
            _review_at_0032(c, year, f"E-MR-{year}-001", rid)
            c.execute(sa.text("INSERT INTO review_action (id, version, enterprise_id, review_id, decision, owner_id, due,"
                              " state, result) VALUES (:i, 1, 1, :i, '更换 M-E021', 1, '2026-09-01', 'open', '')"),
                      {"i": rid})


def test_0033_lets_a_year_hold_a_second_review_and_keeps_every_review_action(db_url):
    """The (enterprise, year) rule is dropped on both backends (SQLite by rebuilding the table under review_action's
    references); the yearly review stays one a year, numbers stay unique, and nothing points nowhere."""
    import sqlalchemy as sa
    from sqlalchemy.exc import IntegrityError

    from storage.engine import make_engine
    engine = make_engine(db_url, AUDIT_KEY.encode())
    _plant_at_0032(engine)
    with pytest.raises(IntegrityError), engine.begin() as c:  # before: a second review that year is refused
        _review_at_0032(c, 2026, "E-MR-2026-002", 3)
    migrate.upgrade(engine)
    with engine.connect() as c:
        rows = c.execute(sa.text("SELECT r.number, r.reason, a.decision FROM review_action a JOIN management_review r "
                                 "ON r.id = a.review_id ORDER BY a.id")).all()
        assert [tuple(r) for r in rows] == [("E-MR-2025-001", "", "更换 M-E021"), ("E-MR-2026-001", "", "更换 M-E021")]
        if engine.dialect.name == "sqlite":
            assert c.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1  # back on for whoever uses the connection
            assert c.exec_driver_sql("PRAGMA foreign_key_check").all() == []
            assert c.exec_driver_sql("SELECT name FROM sqlite_master WHERE name LIKE '_alembic%'").all() == []
    insert = ("INSERT INTO management_review (id, enterprise_id, year, number, state, version, planned_on, inputs, "
              "statements, attendees, minutes, conclusion, reason) VALUES (:i, 1, 2026, :n, 'planned', 1, '2026-10-01',"
              " '{}', '{}', '[]', '', '', :r)")
    with engine.begin() as c:
        c.execute(sa.text(insert), {"i": 3, "n": "E-MR-2026-002", "r": "窑系统重大技改"})
    for number, reason in (("E-MR-2026-003", ""), ("E-MR-2026-002", "又一次")):  # a second yearly; a number twice
        with pytest.raises(IntegrityError), engine.begin() as c:
            c.execute(sa.text(insert), {"i": 4, "n": number, "r": reason})
    with pytest.raises(IntegrityError), engine.begin() as c:  # and the references are enforced again
        c.execute(sa.text("INSERT INTO review_action (version, enterprise_id, review_id, decision, owner_id, due, "
                          "state, result) VALUES (1, 1, 99, '无主', 1, '2026-09-01', 'open', '')"))
    engine.dispose()


def test_a_sqlite_upgrade_that_would_leave_a_dangling_reference_is_rolled_back_whole(tmp_path):
    """Foreign keys are off during a SQLite upgrade, so it checks them itself before committing: a review action whose
    review is missing (written by hand with the checks off) stops the upgrade, and nothing of it stays."""
    import sqlalchemy as sa

    from storage.engine import make_engine
    engine = make_engine(f"sqlite:///{tmp_path / 'old.db'}", AUDIT_KEY.encode())
    _plant_at_0032(engine)
    with engine.connect() as c:
        c.exec_driver_sql("PRAGMA foreign_keys=OFF")
        c.execute(sa.text("INSERT INTO review_action (id, version, enterprise_id, review_id, decision, owner_id, due, "
                          "state, result) VALUES (9, 1, 1, 99, '无主', 1, '2026-09-01', 'open', '')"))
        c.commit()
        c.exec_driver_sql("PRAGMA foreign_keys=ON")
    with pytest.raises(RuntimeError, match="review_action 9 → management_review"):
        migrate.upgrade(engine)
    assert migrate.current(engine) == "0032"
    with engine.connect() as c:
        columns = [col["name"] for col in sa.inspect(c).get_columns("management_review")]
        assert "reason" not in columns and sa.inspect(c).get_table_names().count("management_review") == 1
        assert c.exec_driver_sql("SELECT name FROM sqlite_master WHERE name LIKE '_alembic%'").all() == []
    engine.dispose()


def test_0041_gives_cement_steel_and_aluminium_their_catch_up_deadline_for_the_first_half_of_2025(tmp_path):
    """Packages opened before the sector's monthly start was data keep 40 days after the month; the first half of
    2025 was due on 31 October 2025 for the three sectors, a power plant's months keep their own."""
    from datetime import date

    from sqlmodel import select

    from storage.engine import make_engine, unit_of_work
    from storage.models import Enterprise, EtsMonth, EtsProfile
    engine = make_engine(f"sqlite:///{tmp_path / 'old.db'}", AUDIT_KEY.encode())
    migrate.upgrade(engine, "0040")
    with unit_of_work(engine, "system:test") as s:
        for code, sector in (("C", "cement"), ("P", "power")):
            ent = Enterprise(code=code, name_zh=code, industry=sector)
            s.add(ent)
            s.flush()
            s.add(EtsProfile(enterprise_id=ent.id, sector=sector, listed_from=2024, updated_by="test"))
            for month, due in ((date(2025, 3, 1), date(2025, 5, 10)), (date(2025, 8, 1), date(2025, 10, 10))):
                s.add(EtsMonth(enterprise_id=ent.id, month=month, deadline=due))
    migrate.upgrade(engine)
    with unit_of_work(engine, "system:test") as s:
        found = {(s.get(Enterprise, m.enterprise_id).code, m.month.month): m.deadline for m in s.exec(select(EtsMonth))}
    assert found == {("C", 3): date(2025, 10, 31), ("C", 8): date(2025, 10, 10),
                     ("P", 3): date(2025, 5, 10), ("P", 8): date(2025, 10, 10)}
