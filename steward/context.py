"""Wiring: settings → engine, file store and the acting user, for CLI commands and later the web."""

from __future__ import annotations

import getpass
from dataclasses import dataclass
from functools import cached_property

from sqlalchemy.engine import Engine

from steward.settings import Settings, load
from storage import migrate
from storage.engine import check_reachable, make_engine, unit_of_work
from storage.errors import StewardError
from storage.files import FileStore


@dataclass
class Context:
    settings: Settings

    @classmethod
    def from_env(cls) -> Context:
        return cls(load())

    @cached_property
    def engine(self) -> Engine:
        if not self.settings.database_url:
            self.settings.home.mkdir(parents=True, exist_ok=True)
        engine = make_engine(self.settings.db_url)
        check_reachable(engine)
        return engine

    @cached_property
    def files(self) -> FileStore:
        return FileStore(self.settings.files_dir)

    def upgrade(self) -> None:
        migrate.upgrade(self.engine)

    def require_current_schema(self) -> None:
        have, want = migrate.current(self.engine), migrate.head()
        if have != want:
            raise StewardError("schema_outdated",
                               f"数据库结构版本为 {have or '空'}，需要 {want}：请先运行 steward db upgrade",
                               f"Database schema is at {have or 'nothing'}, needs {want}: run steward db upgrade first")

    def unit_of_work(self, actor: str | None = None):
        return unit_of_work(self.engine, actor or f"cli:{getpass.getuser()}")
