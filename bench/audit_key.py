"""The audit key a benchmark's installation writes with. Every write's audit entries are hashed with the key in
STEWARD_HOME; a benchmark that writes through its own engine and then serves or verifies through a home keeps
the same key there, as a copied installation's home would."""

from __future__ import annotations

import os
from pathlib import Path

BENCH_KEY = b"bench-audit-key-" + b"b" * 48


def keep(home: Path) -> Path:
    home.mkdir(parents=True, exist_ok=True)
    path = home / "audit_key"
    if not path.exists():
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as fh:
            fh.write(BENCH_KEY)
    return home
