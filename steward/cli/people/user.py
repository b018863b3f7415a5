"""`steward user`: logins for people — add, set or reset a password, disable, assign roles."""

from __future__ import annotations

import sys
from typing import Annotated, Optional

import typer

from steward.cli.common import AsUser, load_context, run_as
from storage.errors import StewardError

app = typer.Typer(help="用户与登录：添加、设置密码、停用、分配角色 / Users: add, password, disable, roles",
                  no_args_is_help=True)
PasswordStdin = Annotated[bool, typer.Option("--password-stdin", help="从标准输入读取密码（每行一个）/ read "
                                                                      "password(s) from stdin, one per line")]


def _new_password(from_stdin: bool, label: str) -> str:
    if from_stdin:
        return sys.stdin.readline().rstrip("\n")
    return typer.prompt(label, hide_input=True, confirmation_prompt=True)


@app.command("add")
def user_add(
    username: str,
    name: Annotated[str, typer.Option(help="姓名 / full name")],
    code: Annotated[str, typer.Option(help="员工编号 / staff code")],
    role: Annotated[list[str], typer.Option(help="角色（可重复）/ role (repeat)")],
    enterprise: Annotated[Optional[str], typer.Option("--enterprise", "-e", help="企业代码 / enterprise code")] = None,
    as_user: Annotated[Optional[str], typer.Option("--as", help="操作人（首次安装、尚无登录用户时可省略）/ who acts "
                                                              "(may be left out only before anyone has a login)")] = None,
    password_stdin: PasswordStdin = False,
):
    """添加可登录的用户；首次登录须修改密码 / Add a user; the password must be changed at first sign-in."""
    from workflows.accounting.calculation import enterprise as enterprise_by_code
    from workflows.engine.machine import actor_for
    from workflows.people import logins
    password = _new_password(password_stdin, "初始密码 / initial password")
    ctx = load_context()
    ctx.require_current_schema()
    with ctx.unit_of_work(f"cli:{as_user}" if as_user else "cli-setup") as s:
        actor = actor_for(s, as_user) if as_user else None
        if actor is None and enterprise is None:
            raise StewardError("enterprise_required", "首次添加用户须指定企业 -e", "Name the enterprise with -e",
                               field="enterprise")
        ent_id = enterprise_by_code(s, enterprise).id if enterprise else actor.enterprise_id
        logins.add(s, actor, enterprise_id=ent_id, code=code, name=name, username=username, password=password,
                     roles=role)
    typer.echo(f"已添加用户 {username}，首次登录须修改密码 / added {username}; the password must be changed at first "
               "sign-in")


@app.command("passwd")
def user_passwd(as_user: AsUser, username: str, password_stdin: PasswordStdin = False):
    """修改自己的密码，或为他人重置临时密码 / Change your own password, or reset someone else's."""
    from workflows.people import logins
    if username == as_user:
        old = sys.stdin.readline().rstrip("\n") if password_stdin else typer.prompt("当前密码 / current password",
                                                                                     hide_input=True)
        load_context().check_password(as_user, old)  # counted like a sign-in
        new = _new_password(password_stdin, "新密码 / new password")
        run_as(as_user, lambda c, s, a: logins.change_own(s, a, new))
        typer.echo("密码已修改，其他会话已结束 / password changed; other sessions have ended")
        return
    new = _new_password(password_stdin, "临时密码 / temporary password")
    run_as(as_user, lambda c, s, a: logins.reset_password(s, a, username, new))
    typer.echo(f"{username} 的密码已重置，须在登录时修改 / {username}'s password reset; it must be changed at sign-in")


@app.command("disable")
def user_disable(as_user: AsUser, username: str):
    """停用用户：会话立即结束，API 令牌吊销 / Disable a user: sessions end, API tokens are revoked."""
    from workflows.people import logins
    run_as(as_user, lambda c, s, a: logins.disable(s, a, username))
    typer.echo(f"{username} 已停用 / disabled")


@app.command("roles")
def user_roles(as_user: AsUser, username: str,
               role: Annotated[list[str], typer.Option(help="角色（可重复，替换原有角色）/ role (repeat; replaces)")]):
    """设置用户角色 / Set a user's roles."""
    from workflows.people import logins
    change_id, state = run_as(as_user, lambda c, s, a: (lambda ch: (ch.id, ch.state))(
        logins.set_roles(s, a, username, role)))
    if state == "pending":
        typer.echo(f"{username}: {', '.join(role)} — 待最高管理者签批 (角色变更 #{change_id}) / awaiting top "
                   f"management's countersignature (role change #{change_id})")
    else:
        typer.echo(f"{username}: {', '.join(role)}")
