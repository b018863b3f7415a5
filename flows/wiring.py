"""Where a flow finds its database and mail server: from the process that runs it, never from its
parameters, which a Prefect server keeps in plain text with every deployment and flow run.

Only the shell reads settings, so the shell provides them: ``steward.scheduled`` (the module a
worker's deployments enter by) reads the worker's own ``STEWARD_*`` environment, and a command that
runs a flow in its own process provides the settings it has already loaded. A flow that finds nothing
provided fails with one clear line rather than opening a database nobody meant.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from storage.errors import StewardError


@dataclass(frozen=True)
class Wiring:
    db_url: str
    smtp_url: str = ""
    allow: tuple[str, ...] = ()  # hosts a webhook may reach
    batch_size: int = 0  # enterprises per child run when a flow on a Prefect server fans out; 0: never
    audit_key_file: str = ""  # STEWARD_HOME/audit_key: every write's audit entries are hashed with it
    retention_days: int = 365  # sent notifications older than this are pruned by the daily round
    files_dir: str = ""  # STEWARD_HOME/files: the kept files and the meter readings the monthly flow reconciles

    def audit_key(self) -> bytes:
        """The installation's audit key, which a worker's STEWARD_HOME must hold a copy of: without it the
        worker's writes could not be told from forged ones, so it refuses rather than write."""
        path = Path(self.audit_key_file) if self.audit_key_file else None
        if path is None or not path.is_file():
            raise StewardError("no_audit_key", f"工作进程没有审计密钥：请把安装目录中的 audit_key 复制到工作进程的 STEWARD_HOME（{path}）",
                               "The worker has no audit key: copy audit_key from the installation's STEWARD_HOME into "
                               f"the worker's STEWARD_HOME ({path})")
        return path.read_text().strip().encode()


_source: Callable[[], Wiring] | None = None


def provide(source: Callable[[], Wiring] | None) -> None:
    """The shell says where settings come from (None forgets it, for tests)."""
    global _source
    _source = source


def current() -> Wiring:
    if _source is None:
        raise StewardError("no_settings", "此进程没有数据库设置：请在工作进程的环境中设置 STEWARD_DATABASE_URL",
                           "This process has no database settings: set STEWARD_DATABASE_URL in the worker's "
                           "environment")
    return _source()
