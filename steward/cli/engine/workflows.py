"""`steward workflows`."""

from __future__ import annotations

from typing import Annotated

import typer

from storage.errors import StewardError

app = typer.Typer(help="工作流定义 / Lifecycle definitions", no_args_is_help=True)


@app.command("list")
def workflows_list():
    """列出所有生命周期 / List lifecycles."""
    from workflows.lifecycles import LIFECYCLES
    for lc in LIFECYCLES.values():
        states = " → ".join(s.value for s in lc.states)
        typer.echo(f"{lc.name:<12} {lc.zh} / {lc.en}: {states}")


@app.command("diagram")
def workflows_diagram(name: Annotated[str, typer.Argument(help="生命周期名 / lifecycle name")]):
    """输出 Mermaid 状态图 / Print a Mermaid state diagram."""
    from workflows.engine.machine import mermaid
    from workflows.lifecycles import LIFECYCLES
    if name not in LIFECYCLES:
        raise StewardError("unknown_lifecycle", f"没有生命周期 {name}，可选：{', '.join(LIFECYCLES)}",
                           f"No lifecycle {name}; choose {', '.join(LIFECYCLES)}")
    typer.echo(mermaid(LIFECYCLES[name]), nl=False)


@app.command("docs")
def workflows_docs(check: Annotated[bool, typer.Option(help="只检查是否过期 / only check freshness")] = False):
    """生成 docs/workflows.md / Regenerate docs/workflows.md from the lifecycle data."""
    from steward.docs_gen import WORKFLOWS_MD, workflows_markdown
    text = workflows_markdown()
    if check:
        if not WORKFLOWS_MD.exists() or WORKFLOWS_MD.read_text(encoding="utf-8") != text:
            raise StewardError("docs_stale", "docs/workflows.md 已过期，请运行 steward workflows docs",
                               "docs/workflows.md is stale; run steward workflows docs")
        return
    WORKFLOWS_MD.write_text(text, encoding="utf-8")
    typer.echo(f"wrote {WORKFLOWS_MD}")
