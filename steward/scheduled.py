"""The flows as a Prefect worker runs them. Deployments enter by this module (``steward.scheduled.<flow>``),
so a worker needs the installed ``carbon-steward`` package and its own ``STEWARD_*`` environment — not
the deployer's checkout, and no address or password in any parameter.

Importing it tells ``flows.wiring`` to read the worker's settings. A worker must name its database
(``STEWARD_DATABASE_URL``, or ``STEWARD_HOME`` for its SQLite file): a worker that names neither would
otherwise open an empty database of its own and report success.
"""

from __future__ import annotations

import os

from flows import wiring
from flows.cycles import (  # noqa: F401  (the deployments' entry points)
    accounting_flow,
    accounting_yearly_flow,
    audit_programme_flow,
    compliance_flow,
    daily_tasks_flow,
    ets_month_flow,
    management_review_flow,
    outbox_dispatch_flow,
    yearly_planning_flow,
)
from storage.errors import StewardError


def from_environment() -> wiring.Wiring:
    from steward.settings import load
    if not (os.environ.get("STEWARD_DATABASE_URL") or os.environ.get("STEWARD_HOME")):
        raise StewardError("no_database", "工作进程未设置数据库：请在工作池的环境中设置 STEWARD_DATABASE_URL",
                           "The worker has no database: set STEWARD_DATABASE_URL in the work pool's environment")
    return of(load())


def of(settings, fan_out: bool = True) -> wiring.Wiring:
    """``fan_out`` is for workers of a deployment set that has the batch deployments to fan out to."""
    return wiring.Wiring(settings.db_url, settings.smtp_url, settings.webhook_allow_list,
                         settings.flow_batch_size if fan_out else 0, str(settings.home / "audit_key"),
                         settings.outbox_retention_days, str(settings.files_dir))


wiring.provide(from_environment)
