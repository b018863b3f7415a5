"""An administrator scripts the document lifecycle with `steward doc …`."""

import io

import docx
import pytest
from helpers import run_steward

from steward import demo
from steward.docs_gen import WORKFLOWS_MD, workflows_markdown

# The lifecycle runs on both databases in test_documents.py; the command line is checked on SQLite.
SQLITE = pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)


def sign(args, env):
    return run_steward([*args, "--password-stdin"], env, stdin=demo.DEMO_PASSWORD + "\n")


@SQLITE
def test_a_procedure_scripted_from_draft_to_controlled_copy(plant, steward_env, tmp_path):
    source = tmp_path / "程序.docx"
    d = docx.Document()
    d.add_paragraph("计量器具每年检定一次。")
    d.save(source)
    made = run_steward(["doc", "new", "--as", "lixf", "--type", "procedure", "--title", "计量器具管理程序",
                        "--reader", "yangf", "--clause", "8.3c"], steward_env, check=True)
    assert "JYCEM-PR-001" in made.stdout
    run_steward(["doc", "upload", "--as", "lixf", "JYCEM-PR-001", str(source)], steward_env, check=True)
    for user, trigger in (("lixf", "submit"), ("zhaom", "review"), ("wangjg", "approve"), ("lixf", "issue")):
        result = sign(["doc", "fire", "--as", user, "JYCEM-PR-001", trigger], steward_env)
        assert result.returncode == 0, result.stderr
    assert "已发布" in result.stdout
    run_steward(["doc", "ack", "--as", "yangf", "JYCEM-PR-001"], steward_env, check=True)
    shown = run_steward(["doc", "show", "--as", "qianc", "JYCEM-PR-001"], steward_env, check=True)
    assert shown.stdout.count("有效 valid") == 4
    out = tmp_path / "copy.docx"
    run_steward(["doc", "render", "--as", "lixf", "JYCEM-PR-001", "--out", str(out)], steward_env, check=True)
    text = "\n".join(p.text for p in docx.Document(io.BytesIO(out.read_bytes())).paragraphs)
    assert "受控 CONTROLLED" in text and "计量器具每年检定一次" in text
    assert run_steward(["verify"], steward_env).returncode == 0


@SQLITE
def test_refusals_are_one_line_in_both_languages(plant, steward_env, tmp_path):
    run_steward(["doc", "new", "--as", "lixf", "--type", "policy", "--title", "碳排放管理方针"], steward_env, check=True)
    early = sign(["doc", "fire", "--as", "lixf", "JYCEM-PL-001", "issue"], steward_env)
    assert early.returncode == 2 and "不能执行「签发」" in early.stderr and "Cannot issue" in early.stderr
    viewer = run_steward(["doc", "new", "--as", "qianc", "--type", "form", "--title", "x"], steward_env)
    assert viewer.returncode == 2 and "requires" in viewer.stderr
    fake = tmp_path / "fake.pdf"
    fake.write_text("not a pdf")
    bad = run_steward(["doc", "upload", "--as", "lixf", "JYCEM-PL-001", str(fake)], steward_env)
    assert bad.returncode == 2 and "is not a pdf file" in bad.stderr
    real = tmp_path / "方针.docx"
    docx.Document().save(real)
    empty = run_steward(["doc", "upload", "--as", "lixf", "JYCEM-PL-001", str(real)], steward_env)
    assert empty.returncode == 2 and "5.2.1a" in empty.stderr and "leaves out" in empty.stderr  # a policy says 5.2.1 a–e
    policy = docx.Document()
    policy.add_paragraph("贯彻碳达峰碳中和部署，服务发展战略，依法合规履约，履行节能降碳社会责任，持续改进碳排放绩效。")
    policy.save(real)
    run_steward(["doc", "upload", "--as", "lixf", "JYCEM-PL-001", str(real)], steward_env, check=True)
    wrong = run_steward(["doc", "fire", "--as", "lixf", "JYCEM-PL-001", "submit", "--password-stdin"], steward_env,
                        stdin="nope\n")
    assert wrong.returncode == 2 and "Wrong password" in wrong.stderr
    assert "Traceback" not in early.stderr + viewer.stderr + bad.stderr + wrong.stderr
    assert run_steward(["verify"], steward_env).returncode == 0


def test_workflow_diagram_and_generated_docs_are_current():
    diagram = run_steward(["workflows", "diagram", "document"], {"PATH": "/usr/bin:/bin"}, check=True).stdout
    assert diagram.startswith("stateDiagram-v2") and "approved --> issued: issue" in diagram
    assert WORKFLOWS_MD.read_text(encoding="utf-8") == workflows_markdown(), "run: steward workflows docs"


@SQLITE
def test_countersigners_are_scripted_and_a_bad_one_is_refused_in_both_languages(plant, steward_env, tmp_path):
    bad = run_steward(["doc", "countersigners", "--as", "lixf", "--type", "procedure", "--person", "nobody"],
                      steward_env)
    assert bad.returncode == 2 and "nobody" in bad.stderr and "Traceback" not in bad.stderr
    assert "本企业没有在职用户" in bad.stderr and "No active user" in bad.stderr
    set_ = run_steward(["doc", "countersigners", "--as", "lixf", "--type", "procedure", "--person", "zhoul",
                        "--department", "EQP"], steward_env, check=True)
    assert set_.stdout.splitlines() == ["周磊", "设备动力部负责人 / head of 设备动力部"]
    source = tmp_path / "程序.docx"
    d = docx.Document()
    d.add_paragraph("计量器具每年检定一次。")
    d.save(source)
    run_steward(["doc", "new", "--as", "lixf", "--type", "procedure", "--title", "计量器具管理程序"], steward_env,
                check=True)
    run_steward(["doc", "upload", "--as", "lixf", "JYCEM-PR-001", str(source)], steward_env, check=True)
    assert sign(["doc", "fire", "--as", "lixf", "JYCEM-PR-001", "submit"], steward_env).returncode == 0
    assert "待审核" in sign(["doc", "countersign", "--as", "zhoul", "JYCEM-PR-001"], steward_env).stdout
    twice = sign(["doc", "countersign", "--as", "zhoul", "JYCEM-PR-001"], steward_env)
    assert twice.returncode == 2 and "已会签" in twice.stderr
    back = run_steward(["doc", "countersign", "--as", "liuy", "JYCEM-PR-001", "--reject", "周期写错"], steward_env)
    assert back.returncode == 0 and "草稿" in back.stdout


@SQLITE
def test_a_wrong_countersign_password_on_the_command_line_counts_towards_the_lockout(plant, steward_env, tmp_path):
    """`steward doc countersign` goes through the same counted check as a sign-in or a signature in the browser:
    five wrong passwords lock the account, after which even the right one signs nothing (nor signs in)."""
    import sqlalchemy as sa

    from storage.engine import make_engine
    from workflows.engine.credentials import LOCK_AFTER
    run_steward(["doc", "countersigners", "--as", "lixf", "--type", "procedure", "--person", "zhoul"], steward_env,
                check=True)
    source = tmp_path / "程序.docx"
    d = docx.Document()
    d.add_paragraph("计量器具每年检定一次。")
    d.save(source)
    run_steward(["doc", "new", "--as", "lixf", "--type", "procedure", "--title", "计量器具管理程序"], steward_env,
                check=True)
    run_steward(["doc", "upload", "--as", "lixf", "JYCEM-PR-001", str(source)], steward_env, check=True)
    assert sign(["doc", "fire", "--as", "lixf", "JYCEM-PR-001", "submit"], steward_env).returncode == 0
    guess = ["doc", "countersign", "--as", "zhoul", "JYCEM-PR-001", "--password-stdin"]
    for _ in range(LOCK_AFTER):
        wrong = run_steward(guess, steward_env, stdin="not-my-password\n")
        assert wrong.returncode == 2 and "密码错误，未签名" in wrong.stderr and "Wrong password" in wrong.stderr
    locked = sign(["doc", "countersign", "--as", "zhoul", "JYCEM-PR-001"], steward_env)
    assert locked.returncode == 2 and "账号已锁定" in locked.stderr and "locked for 15 minutes" in locked.stderr
    assert "Traceback" not in locked.stderr
    engine = make_engine(steward_env["STEWARD_DATABASE_URL"])
    with engine.connect() as c:
        attempts = c.execute(sa.text("SELECT ok FROM login_attempt WHERE username = 'zhoul'")).scalars().all()
        parts = c.execute(sa.text("SELECT status FROM countersignature")).scalars().all()
    engine.dispose()
    assert [bool(ok) for ok in attempts] == [False] * LOCK_AFTER and parts == ["pending"]  # each guess kept
    from steward.context import Context, load
    from workflows.engine.credentials import Locked
    with pytest.raises(Locked):  # the same lock keeps them out of the browser
        Context(load(steward_env)).check_password("zhoul", demo.DEMO_PASSWORD, address="127.0.0.1")
