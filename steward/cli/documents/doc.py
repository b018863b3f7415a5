"""`steward doc`."""

from __future__ import annotations

from typing import Annotated, Optional

import typer

from steward.cli.common import (
    AsUser,
    read_password,
    run_as,
    save,
)
from storage.errors import StewardError

app = typer.Typer(help="受控文件：新建、上传、审批、签发、确认、修订、作废 / Controlled documents",
                      no_args_is_help=True)


@app.command("new")
def doc_new(
    as_user: AsUser,
    doc_type: Annotated[str, typer.Option("--type", help="policy|procedure|instruction|dq_plan|form|external")],
    title: Annotated[str, typer.Option(help="标题 / title")],
    reader: Annotated[Optional[list[str]], typer.Option(help="发放对象用户名 / distribution (repeat)")] = None,
    clause: Annotated[Optional[list[str]], typer.Option(help="对应条款 / clause ids (repeat)")] = None,
    access: Annotated[str, typer.Option(help="public|internal|restricted")] = "internal",
    retention_years: Annotated[int, typer.Option(help="保存年限 / retention in years")] = 5,
):
    """新建受控文件（第1版草稿）/ Create a controlled document (revision 1, draft)."""
    from workflows.documents import document as docs
    doc = run_as(as_user, lambda load_context, s, a: docs.create(
        s, a, doc_type=doc_type, title=title, readers=reader, clause_ids=clause, access=access,
        retention_years=retention_years)[0])
    typer.echo(f"{doc.number} 第1版草稿已创建 / created, revision 1 draft")


@app.command("upload")
def doc_upload(as_user: AsUser, number: str, path: Annotated[str, typer.Argument(help="docx/xlsx/pdf")]):
    """为草稿上传文件 / Attach a file to the current draft."""
    from pathlib import Path

    from workflows.documents import document as docs
    file = Path(path)
    if not file.is_file():
        raise StewardError("no_file", f"找不到文件 {path}", f"No such file {path}")

    def go(ctx, s, a):
        with file.open("rb") as fh:
            return docs.upload(s, a, docs.get_revision(s, a, number), file.name, fh, ctx.files,
                               ctx.settings.max_upload_mb << 20)
    rev = run_as(as_user, go)
    typer.echo(f"{number} 第{rev.rev}版 文件 sha256 {rev.file_sha256[:16]}… / file attached")


@app.command("fire")
def doc_fire(
    as_user: AsUser, number: str,
    trigger: Annotated[str, typer.Argument(help="submit|review|approve|issue|reject|request_change|decline_change|withdraw")],
    comment: Annotated[str, typer.Option(help="意见 / comment")] = "",
    version: Annotated[Optional[int], typer.Option(help="你看到的版本号 / the version you saw")] = None,
    password_stdin: Annotated[bool, typer.Option(help="从标准输入读取签名密码 / read the password from stdin")] = False,
):
    """执行生命周期操作；需要签名时重新输入密码 / Fire a lifecycle action; signing asks for your password."""
    from workflows.documents import document as docs
    from workflows.engine import machine
    needs_signature = bool(docs.LIFECYCLE.transition(trigger).signature)
    password = read_password(password_stdin, as_user) if needs_signature else None

    def go(ctx, s, a):
        rev = docs.get_revision(s, a, number)
        machine.fire(s, docs.LIFECYCLE, rev, trigger, a, expected_version=version, comment=comment, password=password)
        return rev
    rev = run_as(as_user, go)
    state = docs.DocState(rev.state)
    typer.echo(f"{number} 第{rev.rev}版 → {state.zh} / {state.en}")


@app.command("revise")
def doc_revise(as_user: AsUser, number: str, summary: Annotated[str, typer.Option(help="修订说明 / change summary")]):
    """基于已发布版本开始新修订版 / Start the next revision from the issued one."""
    from workflows.documents import document as docs
    rev = run_as(as_user, lambda ctx, s, a: docs.revise(s, a, docs.get_revision(s, a, number), summary))
    typer.echo(f"{number} 第{rev.rev}版草稿已创建 / revision {rev.rev} draft created")


@app.command("ack")
def doc_ack(as_user: AsUser, number: str):
    """确认已阅读（宣贯）/ Acknowledge having read the issued revision."""
    from workflows.documents import document as docs
    run_as(as_user, lambda ctx, s, a: docs.acknowledge(s, a, docs.get_revision(s, a, number)))
    typer.echo(f"{number} 已确认阅读 / acknowledged")


@app.command("show")
def doc_show(as_user: AsUser, number: str):
    """显示各版本、状态和签名有效性 / Show revisions, states and signature validity."""
    from sqlmodel import select

    from storage.models import Revision
    from workflows.documents import document as docs
    from workflows.engine import clock

    def go(ctx, s, a):
        latest = docs.get_revision(s, a, number)
        lines = []
        for rev in s.exec(select(Revision).where(Revision.document_id == latest.document_id).order_by(Revision.rev)):
            st = docs.DocState(rev.state)
            lines.append(f"第{rev.rev}版 rev {rev.rev}: {st.zh}/{st.en} version={rev.version} "
                         f"effective={rev.effective_date or '-'} file={rev.file_name or '-'}")
            for sig, ok in docs.current_signatures(s, rev, ctx.files):
                lines.append(f"    {sig.meaning:<9} {sig.signer_name} {clock.stamp(sig.signed_at)} "
                             f"{'有效 valid' if ok else '已失效 INVALID'}")
        return lines
    typer.echo("\n".join(run_as(as_user, go)))


@app.command("render")
def doc_render(as_user: AsUser, number: str, out: Annotated[str, typer.Option(help="输出 .docx 路径 / output path")]):
    """生成受控副本 docx（受控/作废标识、签名清单）/ Write the controlled copy as docx."""

    from workflows.documents import document as docs
    from workflows.documents.copies import controlled_copy
    data = run_as(as_user, lambda ctx, s, a: controlled_copy(s, docs.in_force(s, a, number), ctx.files))
    save(out, data)
    typer.echo(f"wrote {out} ({len(data)} bytes)")


@app.command("countersigners")
def doc_countersigners(
    as_user: AsUser,
    doc_type: Annotated[str, typer.Option("--type", help="policy|procedure|instruction|dq_plan|form|external")],
    person: Annotated[Optional[list[str]], typer.Option(help="会签人用户名 / countersigner's username (repeat)")] = None,
    department: Annotated[Optional[list[str]], typer.Option(help="由其负责人会签的部门代码 / department whose head "
                                                                 "countersigns (repeat)")] = None,
    clear: Annotated[bool, typer.Option(help="不再会签 / countersign no more")] = False,
):
    """设置或显示某类文件审核时的会签人 / Set or show who countersigns a document type's review."""
    from workflows.documents import document as docs
    from workflows.engine import countersign

    def go(ctx, s, a):
        if person or department or clear:
            countersign.configure(s, a, docs.LIFECYCLE, doc_type, docs.COUNTERSIGN.state, people=person or [],
                                  departments=department or [])
        chosen = countersign.named(s, a.enterprise_id, docs.LIFECYCLE, doc_type, docs.COUNTERSIGN.state)
        return [(n.person.name if n.person else f"{n.department.name}负责人 / head of {n.department.name}")
                + (" （已停用 / left）" if n.left else "") + (" （无在职负责人 / no active head）" if n.headless else "")
                for n in chosen]
    names = run_as(as_user, go)
    typer.echo("\n".join(names) if names else "无会签 / no countersigning")


@app.command("countersign")
def doc_countersign(
    as_user: AsUser, number: str,
    reject: Annotated[str, typer.Option(help="拒绝并说明理由 / reject, with the reason")] = "",
    version: Annotated[Optional[int], typer.Option(help="你看到的版本号 / the version you saw")] = None,
    password_stdin: Annotated[bool, typer.Option(help="从标准输入读取签名密码 / read the password from stdin")] = False,
):
    """会签（签名或拒绝）/ Countersign the review, or reject it with a reason."""
    from workflows.documents import document as docs
    from workflows.engine import countersign
    password = None if reject else read_password(password_stdin, as_user)

    def go(ctx, s, a):
        rev = docs.get_revision(s, a, number)
        if reject:
            countersign.reject(s, docs.LIFECYCLE, rev, a, reject, expected_version=version)
        else:
            countersign.sign(s, docs.LIFECYCLE, rev, a, password, expected_version=version)
        return rev
    rev = run_as(as_user, go)
    state = docs.DocState(rev.state)
    typer.echo(f"{number} 第{rev.rev}版 → {state.zh} / {state.en}")
