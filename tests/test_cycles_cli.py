"""A carbon manager and the auditors script the cycles with `steward audit|nc|review|obligation|compliance …`."""

from datetime import timedelta

import pytest
from helpers import AUDIT_KEY, run_steward

from steward import demo
from workflows.engine import clock


def signed(args, env):
    return run_steward([*args, "--password-stdin"], env, stdin=demo.DEMO_PASSWORD + "\n")


# The use cases run on both databases in their own tests; the command line is checked once, on SQLite.
pytestmark = pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)


def test_an_audit_cycle_from_the_command_line(plant, steward_env, tmp_path):
    year = clock.today().year
    number = f"JYCEM-IA-{year}-001"
    run_steward(["audit", "plan", "--as", "lixf", "--year", str(year)], steward_env, check=True)
    started = run_steward(["audit", "start", "--as", "zhaom", number], steward_env, check=True)
    assert "201" in started.stdout
    found = run_steward(["audit", "check", "--as", "zhoul", number, "8.3c", "minor_nc", "--notes", "M-E021 检定过期",
                         "--evidence", "record:M-E021"], steward_env, check=True)
    assert "nonconformity raised" in found.stdout
    refused = signed(["audit", "report", "--as", "zhaom", number, "--conclusion", "基本有效"], steward_env)
    assert refused.returncode == 2 and "200 个条款未检查" in refused.stderr and "200 clause(s)" in refused.stderr
    pending = run_steward(["audit", "checklist", "--as", "zhaom", number, "--pending"], steward_env, check=True)
    assert len(pending.stdout.splitlines()) == 200
    nc = f"JYCEM-NC-{year}-001"
    assert nc in run_steward(["nc", "list", "--as", "lixf"], steward_env, check=True).stdout
    run_steward(["nc", "analyse", "--as", "lixf", nc, "--consequence", "影响 9 月电耗", "--disposition", "用关口表复核",
                 "--cause", "台账遗漏"], steward_env, check=True)
    due = (clock.today() + timedelta(days=10)).isoformat()
    planned = run_steward(["nc", "plan", "--as", "lixf", nc, "--action", f"corrective|送检 M-E021|liuy|{due}"],
                          steward_env, check=True)
    assert "送检" in planned.stdout
    assert "送检 M-E021" in run_steward(["tasks", "--as", "liuy"], steward_env, check=True).stdout
    bad = run_steward(["nc", "plan", "--as", "lixf", nc, "--action", "corrective|送检"], steward_env)
    assert bad.returncode == 2 and "kind|description|owner" in bad.stderr
    assert run_steward(["verify"], steward_env).returncode == 0


def test_review_and_compliance_from_the_command_line(plant, steward_env, tmp_path):
    year = clock.today().year
    run_steward(["obligation", "add", "--as", "lixf", "OB-101", "title=全国碳市场配额清缴", "kind=ets",
                 "clause_id=9.1.1c"], steward_env, check=True)
    changed = run_steward(["obligation", "change", "--as", "lixf", "OB-101", "--reason", "2025 年起水泥纳入全国碳市场",
                           "reference=环办气候〔2025〕"], steward_env, check=True)
    assert "change:OB-101:r2" in changed.stdout
    run_steward(["compliance", "evaluate", "--as", "lixf", "change:OB-101:r2", "OB-101", "compliant"], steward_env,
                check=True)
    run_steward(["compliance", "complete", "--as", "lixf", "change:OB-101:r2"], steward_env, check=True)
    number = f"JYCEM-MR-{year}-001"
    run_steward(["review", "plan", "--as", "lixf", "--year", str(year)], steward_env, check=True)
    compiled = run_steward(["review", "compile", "--as", "lixf", number], steward_env, check=True)
    assert "9.3.1b4" in compiled.stdout
    shown = run_steward(["review", "show", "--as", "wangjg", number], steward_env, check=True)
    assert "✓ 9.3.1c4" in shown.stdout and "✗ 9.3.1b4" in shown.stdout
    meeting = ["review", "meeting", "--as", "lixf", number, "--minutes", "听取汇报", "--conclusion", "体系有效",
               "--attendee", "王建国", "--attendee", "李秀芳"]
    refused = run_steward(meeting, steward_env)  # the meeting reviews the whole pack: missing inputs are named
    assert refused.returncode == 2 and "9.3.1b4" in refused.stderr
    run_steward(["review", "state", "--as", "lixf", number, "9.3.1b4", "外部：水泥纳入全国碳市场"], steward_env, check=True)
    _state_the_rest(steward_env["STEWARD_DATABASE_URL"], number)  # the same command a dozen times adds nothing
    run_steward(meeting, steward_env, check=True)
    out = tmp_path / "minutes.docx"
    done = signed(["review", "sign", "--as", "wangjg", number, "--out", str(out)], steward_env)
    assert done.returncode == 0, done.stderr
    assert out.stat().st_size > 5000
    listing = run_steward(["schedule", "list"], steward_env, check=True)
    assert "audit-programme" in listing.stdout and "CST" in listing.stdout


def _state_the_rest(db_url: str, number: str) -> None:
    from storage.engine import make_engine, unit_of_work
    from workflows.engine.machine import actor_for
    from workflows.review import review as reviews
    engine = make_engine(db_url, AUDIT_KEY.encode())
    with unit_of_work(engine, "test") as s:
        actor = actor_for(s, "lixf")
        review = reviews.get(s, actor, number)
        for clause_id in reviews.missing_inputs(review):
            reviews.state_input(s, actor, review, clause_id, "本期无变化")
    engine.dispose()


def test_every_command_that_writes_says_who_acts(plant, steward_env):
    meter = ["org", "add", "meter", "code=M-E030", "name=3#水泥磨电表", "meter_type=electricity", "facility=F-CG01",
             "-e", "JYCEM"]
    anonymous = run_steward(meter, steward_env)
    assert anonymous.returncode == 2 and "--as" in anonymous.stderr
    assert run_steward([*meter, "--as", "yangf"], steward_env).returncode == 2  # staff do not keep the organisation
    elsewhere = run_steward([*meter[:-1], "JYXNC", "--as", "lixf"], steward_env)
    assert elsewhere.returncode == 2 and "JYCEM" in elsewhere.stderr
    assert "M-E030" in run_steward([*meter, "--as", "lixf"], steward_env, check=True).stdout
    assert run_steward(["data", "scan", "--as", "yangf"], steward_env).returncode == 2
    assert "new finding" in run_steward(["data", "scan", "--as", "lixf"], steward_env, check=True).stdout


def test_the_improvement_register_from_the_command_line(plant, steward_env):
    run_steward(["improve", "add", "--as", "lixf", "推广余热发电自用", "--clause", "10.4c"], steward_env, check=True)
    listed = run_steward(["improve", "list", "--as", "lixf"], steward_env, check=True).stdout
    assert "推广余热发电自用" in listed and "已提出/Proposed" in listed and "proposed" not in listed


def test_a_number_no_column_can_hold_names_no_record_and_is_no_traceback(plant, steward_env):
    for args in (["data", "resolve", "--as", "lixf", "99999999999999999999", "confirmed", "--note", "x"],
                 ["nc", "done", "--as", "lixf", "99999999999999999999", "--result", "x"]):
        result = run_steward(args, steward_env)
        assert result.returncode == 2 and "Traceback" not in result.stderr, result.stderr
        assert "数字超出范围" in result.stderr and "A number is out of range" in result.stderr
