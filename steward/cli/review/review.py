"""`steward review`."""

from __future__ import annotations

from typing import Annotated, Optional

import typer

from steward.cli.common import (
    AsJson,
    AsUser,
    PasswordStdin,
    emit,
    parse_date,
    read_password,
    run_as,
    save,
)
from storage.errors import StewardError
from workflows.engine import clock

app = typer.Typer(help="管理评审（9.3）/ Management review", no_args_is_help=True)


@app.command("plan")
def review_plan(as_user: AsUser, year: Annotated[int, typer.Option()] = clock.today().year,
                on: Annotated[Optional[str], typer.Option("--date", help="计划日期 / planned date")] = None,
                reason: Annotated[str, typer.Option(help="专项评审的原因：年度评审之外再召开一次 / why an extraordinary "
                                                         "review, outside the yearly one")] = ""):
    """计划年度管理评审；给出 --reason 则召开专项管理评审 / Plan the year's management review; with --reason,
    call an extraordinary one."""
    from workflows.engine import machine
    from workflows.review import review as reviews

    def go(c, s, a):
        if reason:
            if on is None:
                raise StewardError("date", "专项管理评审须给出 --date", "An extraordinary review needs --date",
                                   field="date")
            return reviews.call(s, a, parse_date(on), reason, []), True
        machine.require_role(a, reviews.PREPARERS + ("top_management",), "计划管理评审", "Planning a review")
        return reviews.ensure(s, a.enterprise_id, year, parse_date(on))
    review, created = run_as(as_user, go)
    typer.echo(f"{review.number} {review.planned_on} " + ("已计划 / planned" if created else "已存在 / exists")
               + (f" 专项 / extraordinary: {review.reason}" if review.reason else ""))


@app.command("compile")
def review_compile(as_user: AsUser, number: str):
    """从系统汇编 9.3.1 a–e 全部评审输入 / Compile every 9.3.1 input from the system."""
    from workflows.review import review as reviews
    review = run_as(as_user, lambda c, s, a: reviews.compile_inputs(s, a, reviews.get(s, a, number)))
    missing = reviews.missing_inputs(review)
    typer.echo(f"{number} 评审输入已汇编 / inputs compiled; 待书面说明 / to state: {', '.join(missing) or '—'}")


@app.command("state")
def review_state(as_user: AsUser, number: str, clause: str, text: str):
    """为某项评审输入填写书面说明 / Write a statement for one input."""
    from workflows.review import review as reviews
    run_as(as_user, lambda c, s, a: reviews.state_input(s, a, reviews.get(s, a, number), clause, text))
    typer.echo(f"{number} {clause} 已填写 / stated")


@app.command("show")
def review_show(as_user: AsUser, number: str, as_json: AsJson = False):
    """显示评审输入包与状态 / Show the input pack and state."""
    from forms import clauses
    from workflows.review import review as reviews
    review = run_as(as_user, lambda c, s, a: reviews.get(s, a, number))
    if as_json:
        return emit([review.model_dump(mode="json")], True)
    st = reviews.ReviewState(review.state)
    typer.echo(f"{review.number} {st.zh}/{st.en} 计划 planned {review.planned_on}")
    for clause_id in reviews.INPUT_ITEMS:
        c = clauses.by_id()[clause_id]
        lines = review.inputs.get(clause_id, {}).get("zh", [])
        stated = review.statements.get(clause_id, "")
        mark = "✓" if lines or stated else "✗"
        typer.echo(f"{mark} {clause_id:<8} {c.zh} / {c.en}")
        for line in lines[:6]:
            typer.echo(f"      {line}")
        if stated:
            typer.echo(f"      说明 statement: {stated}")


@app.command("meeting")
def review_meeting(as_user: AsUser, number: str,
                   minutes: Annotated[str, typer.Option(help="会议纪要 / minutes")],
                   conclusion: Annotated[str, typer.Option(help="结论：充分性、适宜性、有效性 / conclusion")],
                   attendee: Annotated[list[str], typer.Option(help="参加人员（可重复）/ attendee")],
                   decision: Annotated[Optional[list[str]], typer.Option(help="决定|负责人|期限 / decision|owner|due")] = None,
                   held_on: Annotated[Optional[str], typer.Option(help="会议日期 / date")] = None):
    """记录会议：纪要、结论、决定（生成任务）/ Record the meeting; decisions become tasks."""
    from workflows.review import review as reviews
    decisions = []
    for text in decision or []:
        parts = text.split("|")
        if len(parts) != 3:
            raise StewardError("bad_decision", f"决定 {text!r} 应写成 内容|负责人|期限",
                               f"Decision {text!r} must be text|owner|YYYY-MM-DD")
        decisions.append({"decision": parts[0], "owner": parts[1], "due": parse_date(parts[2], "due")})
    actions = run_as(as_user, lambda c, s, a: reviews.record_meeting(
        s, a, reviews.get(s, a, number), held_on=parse_date(held_on) or clock.today(), attendees=attendee,
        minutes=minutes, conclusion=conclusion, decisions=decisions))
    typer.echo(f"{number} 会议已记录，措施 {len(actions)} 项 / meeting recorded, {len(actions)} action(s)")


@app.command("sign")
def review_sign(as_user: AsUser, number: str,
                out: Annotated[Optional[str], typer.Option(help="另存纪要 docx / also write the minutes docx")] = None,
                password_stdin: PasswordStdin = False):
    """最高管理者签署管理评审（重新输入密码）/ Top management signs off (password again)."""
    from workflows.review import review as reviews
    pw = read_password(password_stdin, as_user)

    def go(c, s, a):
        review = reviews.sign_off(s, a, reviews.get(s, a, number), pw, c.files)
        return review, c.files.read(review.minutes_sha256)
    review, data = run_as(as_user, go)
    if out:
        save(out, data)
    typer.echo(f"{number} 已签署 / signed off" + (f" → {out}" if out else ""))


@app.command("done")
def review_action_done(as_user: AsUser, action_id: int, result: Annotated[str, typer.Option(help="落实情况 / result")]):
    """报告评审决定已落实 / Report a review action done."""
    from workflows.review import review as reviews
    run_as(as_user, lambda c, s, a: reviews.complete_action(s, a, action_id, result))
    typer.echo(f"评审措施 #{action_id} 已完成 / done")
