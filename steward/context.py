"""Wiring: settings → engine, file store and the acting user, for CLI commands and later the web."""

from __future__ import annotations

import getpass
import json
import os
import secrets
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING

from steward.settings import Settings, is_loopback, load, weak_secret
from storage.errors import StewardError
from storage.files import FileStore

if TYPE_CHECKING:  # SQLAlchemy and alembic load when a command first reaches the database, so --help is quick
    from sqlalchemy.engine import Engine


@dataclass
class Context:
    settings: Settings

    def __post_init__(self) -> None:
        from workflows.engine import clock
        clock.use_zone(self.settings.timezone)  # every date the use cases stamp is the plant's date

    @classmethod
    def from_env(cls) -> Context:
        return cls(load())

    @cached_property
    def engine(self) -> Engine:
        from storage.engine import check_reachable, make_engine
        if not self.settings.database_url:
            self.settings.home.mkdir(parents=True, exist_ok=True)
        engine = make_engine(self.settings.db_url, self.audit_key)
        check_reachable(engine)
        self._record_keying(engine)
        return engine

    @cached_property
    def session_secret(self) -> str:
        """The configured key, or one generated once and kept under HOME (readable by this user only), so
        no installation ever signs sessions with a key anybody else knows."""
        return self.settings.secret_key or self._kept_key("secret_key")

    @cached_property
    def audit_key(self) -> bytes:
        """Signs the audit log's anchors; it lives beside the data, never in the database it protects."""
        return self._kept_key("audit_key").encode()

    @property
    def anchors_file(self) -> Path:
        from storage.audit_log import ANCHORS_FILE
        return self.settings.home / ANCHORS_FILE

    @property
    def keyed_from_file(self) -> Path:
        from storage.audit_log import KEYED_FROM_FILE
        return self.settings.home / KEYED_FROM_FILE

    def _record_keying(self, engine) -> None:
        """Once per installation, beside the key: where each chain stood when its entries began to be keyed."""
        if self.keyed_from_file.exists() or any(mark.get("keyed") for mark in self.anchors()):
            return  # recorded once: a record gone missing later is a finding for verify, never made anew
        from sqlalchemy import inspect

        from storage.audit_log import keying_began
        if not inspect(engine).has_table("audit_chain"):  # a database not yet migrated: next time
            return
        with engine.connect() as conn:
            record = keying_began(conn, self.audit_key)
        try:
            fd = os.open(self.keyed_from_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:  # another process recorded it first
            return
        with os.fdopen(fd, "w") as fh:
            fh.write(json.dumps(record))
        self._anchor_with(engine)  # the first anchor: from now on a missing or empty anchors file is a finding

    def keyed_from(self) -> dict | None:
        """The signed record of where keyed hashing began, or None when it is missing or does not verify."""
        from storage.audit_log import keyed_from
        if not self.keyed_from_file.exists():
            return None
        try:
            record = json.loads(self.keyed_from_file.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        return keyed_from(record, self.audit_key) if isinstance(record, dict) else None

    def anchor(self) -> dict:
        """Sign the audit log's tip and keep it in HOME (and print it, to be kept elsewhere as well)."""
        return self._anchor_with(self.engine)

    def _anchor_with(self, engine) -> dict:
        from storage.audit_log import keep_anchor
        return keep_anchor(engine, self.audit_key, self.anchors_file)

    def anchors(self) -> list[dict]:
        if not self.anchors_file.exists():
            return []
        marks = []
        for line in self.anchors_file.read_text(encoding="utf-8").splitlines():
            if not line.strip():
                continue
            try:
                marks.append(json.loads(line))
            except ValueError:
                marks.append({"malformed": line[:80]})  # check_anchor names it
        return marks

    def _kept_key(self, name: str) -> str:
        path = self.settings.home / name
        if not path.exists():
            self.settings.home.mkdir(parents=True, exist_ok=True)
            try:
                fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            except FileExistsError:  # another process made it first: use theirs
                pass
            else:
                with os.fdopen(fd, "w") as fh:
                    fh.write(secrets.token_urlsafe(48))
        return path.read_text().strip()

    def check_password(self, username: str, password: str, *, signing: bool = False,
                       address: str | None = None) -> tuple[str, str, int]:
        """One password attempt in its own committed transaction (see ``workflows.credentials``; ``address``
        is the client's at sign-in); returns the person's name, language and session version, or refuses in
        both languages."""
        from workflows.engine import credentials
        with self.unit_of_work(f"auth:{username[:40]}") as session:
            person = credentials.attempt(session, username, password, address)
            found = (person.name, person.language, person.session_version) if person else None
        if found is None:
            if signing:
                raise credentials.WrongPassword("wrong_password", "密码错误，未签名", "Wrong password; nothing was signed",
                                                field="password")
            raise credentials.WrongPassword("bad_login", "用户名或密码错误", "Wrong username or password",
                                            field="password")
        return found

    def check_serving(self, host: str) -> None:
        """A key anyone could guess is tolerable on this machine only, never on a network address."""
        if not is_loopback(host) and (reason := weak_secret(self.session_secret)):
            raise StewardError("weak_secret", f"在 {host} 上提供服务需要足够强的 STEWARD_SECRET_KEY：{reason[0]}",
                               f"Serving on {host} needs a strong STEWARD_SECRET_KEY: {reason[1]}",
                               field="STEWARD_SECRET_KEY")

    @cached_property
    def files(self) -> FileStore:
        return FileStore(self.settings.files_dir)

    def upgrade(self) -> None:
        from storage import migrate
        migrate.upgrade(self.engine)
        self._record_keying(self.engine)

    def require_current_schema(self) -> None:
        from storage import migrate
        have, want = migrate.current(self.engine), migrate.head()
        if have != want:
            raise StewardError("schema_outdated",
                               f"数据库结构版本为 {have or '空'}，需要 {want}：请先运行 steward db upgrade",
                               f"Database schema is at {have or 'nothing'}, needs {want}: run steward db upgrade first")

    def unit_of_work(self, actor: str | None = None):
        from storage.engine import unit_of_work
        return unit_of_work(self.engine, actor or f"cli:{getpass.getuser()}")
