"""Deploying the installation's flows to a Prefect server and starting runs there: what `steward schedule
deploy` and `trigger` do. Every way this can go wrong before anything is written (no server named, the
server unreachable, no such work pool) is one bilingual line; the deployments are applied only after
all of it is checked, so nothing is deployed half-way for those reasons."""

from __future__ import annotations

import asyncio
import os

from storage.errors import StewardError

ENTRY_MODULE = "steward.scheduled"  # workers import the installed package, not the deployer's files


def _api() -> str:
    url = os.environ.get("PREFECT_API_URL", "")
    if not url:
        raise StewardError("no_prefect_server", "请先设置 PREFECT_API_URL 指向 Prefect 服务器",
                           "Set PREFECT_API_URL to your Prefect server first", field="PREFECT_API_URL")
    return url


async def _check(pool: str | None) -> None:
    from prefect.client.orchestration import get_client
    from prefect.exceptions import ObjectNotFound
    url = _api()
    async with get_client() as client:
        if await client.api_healthcheck() is not None:
            raise StewardError("prefect_unreachable", f"无法连接 Prefect 服务器 {url}", f"Cannot reach the Prefect "
                               f"server at {url}", field="PREFECT_API_URL")
        if pool is None:
            return
        try:
            await client.read_work_pool(pool)
        except ObjectNotFound:
            raise StewardError("no_work_pool", f"Prefect 服务器上没有工作池 {pool}：请先创建（prefect work-pool create "
                               f"{pool} --type process）", f"The Prefect server has no work pool {pool}: create it first "
                               f"(prefect work-pool create {pool} --type process)", field="pool") from None


def _run(coro):
    """Run Prefect's client in a thread of its own: the caller may already be inside an event loop (a web
    server, a test browser), where Prefect's sync wrappers hand back coroutines instead of results."""
    from concurrent.futures import ThreadPoolExecutor
    try:
        with ThreadPoolExecutor(1) as pool:
            return pool.submit(asyncio.run, coro).result()
    except StewardError:
        raise
    except Exception as exc:  # httpx, Prefect: reported as one line, never a traceback
        raise StewardError("prefect_failed", f"Prefect 服务器报错：{exc}", f"The Prefect server refused: {exc}") from None


async def _deployments(pool: str, tz: str) -> list:
    from prefect.deployments.runner import EntrypointType

    from flows.cycles import BATCH, BATCH_CONCURRENCY
    from flows.schedules import SCHEDULES, deployment_options
    out = []
    for s in SCHEDULES:
        deployment = await s.flow.ato_deployment(**deployment_options(s, tz), work_pool_name=pool,
                                                 entrypoint_type=EntrypointType.MODULE_PATH)
        deployment.entrypoint = f"{ENTRY_MODULE}.{s.flow.fn.__name__}"
        out.append(deployment)
        if s.batched:  # where its child runs go when it fans out: no schedule, several batches at once
            child = await s.flow.ato_deployment(
                name=f"{s.name}{BATCH}", concurrency_limit=BATCH_CONCURRENCY, work_pool_name=pool,
                description=f"{s.zh}（分批子运行）/ {s.en} (batches)", entrypoint_type=EntrypointType.MODULE_PATH)
            child.entrypoint = deployment.entrypoint
            out.append(child)
    return out


def deployments(pool: str, tz: str) -> list:
    """One deployment per schedule for the whole installation: entered by module, one run at a time."""
    return _run(_deployments(pool, tz))


def deploy(pool: str, tz: str, prune: bool = False) -> list[str]:
    """Apply the set and, with ``prune``, delete our flows' deployments that are not in it (the per-enterprise
    deployments of earlier versions). Returns one line per change."""
    return _run(_deploy(pool, tz, prune))


async def _deploy(pool: str, tz: str, prune: bool) -> list[str]:
    await _check(pool)
    planned = await _deployments(pool, tz)
    lines = []
    for d in planned:
        await d.aapply(work_pool_name=pool)
        lines.append(f"已部署 deployed {d.flow_name}/{d.name} → {pool}")
    if prune:
        lines += await _prune({d.flow_name for d in planned}, {d.name for d in planned})
    return lines


async def _prune(flows: set[str], keep: set[str]) -> list[str]:
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import FlowFilter, FlowFilterName
    gone = []
    async with get_client() as client:
        found = await client.read_deployments(flow_filter=FlowFilter(name=FlowFilterName(any_=sorted(flows))))
        names = {f.id: f.name for f in await client.read_flows(flow_filter=FlowFilter(name=FlowFilterName(
            any_=sorted(flows))))}
        for d in found:
            if d.name not in keep:
                await client.delete_deployment(d.id)
                gone.append(f"已删除 removed {names.get(d.flow_id, '?')}/{d.name}")
    return gone


def trigger(name: str, tz: str, year: int | None, enterprise: list[str] | None) -> str:
    """Start a run of a deployed flow now (some enterprises, to re-run them); returns the run's name and id."""
    from flows.schedules import named, parameters
    schedule = named(name)
    run = _run(_trigger(schedule.name, parameters(schedule, tz, enterprise, year)))
    return f"已启动 started {run.name} ({run.id})"


async def _trigger(name: str, params: dict):
    from prefect.deployments.flow_runs import arun_deployment
    from prefect.exceptions import ObjectNotFound
    await _check(None)
    try:
        return await arun_deployment(f"{name}/{name}", parameters=params, timeout=0)
    except ObjectNotFound:
        raise StewardError("not_deployed", f"流程 {name} 尚未部署：请先运行 steward schedule deploy",
                           f"{name} is not deployed: run steward schedule deploy first", field="name") from None
