"""The one place that reads configuration: ``STEWARD_*`` environment variables.

Anything misspelt is refused rather than silently ignored, and production refuses the default
secret, because a wrong setting that "works" is worse than one that stops.
"""

from __future__ import annotations

import difflib
import os
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from storage.errors import StewardError

PREFIX = "STEWARD_"
DEV_SECRET = "development-only-secret"


class Settings(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    home: Path = Field(Path.home() / ".carbon-steward",
                       description="数据目录：SQLite 数据库与文件库 / Data folder: SQLite database and file store")
    database_url: str = Field("", description="数据库地址，留空用 HOME 下的 SQLite；如 postgresql://user@host/db / "
                              "Database URL; empty means SQLite under HOME")
    env: Literal["development", "production"] = Field(
        "development", description="运行环境（development 或 production）/ Environment: development or production")
    secret_key: str = Field("", description="会话与 CSRF 密钥（≥32 个随机字符）；留空则首次使用时在 HOME 下生成并保存 "
                            "(secret_key，权限 0600)，生产环境必须设置 / Session and CSRF secret (≥ 32 random "
                            "characters); empty means one is generated once under HOME (mode 0600); required in "
                            "production")
    language: Literal["zh", "en"] = Field("zh", description="默认界面语言 / Default language: zh or en")
    timezone: str = Field("Asia/Shanghai", description="企业所在时区：排程、所有记录日期与签名时间 / The plant's time zone: schedules, every stamped date, signature times")
    host: str = Field("127.0.0.1", description="Web 服务监听地址 / Web server address")
    port: int = Field(8000, ge=1, le=65535, description="Web 服务端口 / Web server port")
    max_upload_mb: int = Field(50, ge=1, le=2048, description="上传文件大小上限 (MB) / Upload size limit (MB)")
    smtp_url: str = Field("", description="发信服务器（apprise mailto 地址），如 mailtos://user:pass@smtp.example.com?from=carbon@example.com / "
                                          "Mail server as an apprise mailto URL; e-mail channels need it")
    flow_batch_size: int = Field(250, ge=0, le=100000, description="Prefect 服务器上年度与每月流程每批处理的企业数，各批作为子运行分给工作进程；0 不分批 / "
                                 "Enterprises per batch when a yearly or monthly flow on a Prefect server fans out to "
                                 "the workers as child runs; 0 keeps one run")
    outbox_retention_days: int = Field(365, ge=30, le=36500, description="已发送（或最终失败）的通知保留天数，之后每日清理；"
                                       "内容与发送时间仍在审计日志中 / Days a sent (or finally failed) notification "
                                       "is kept before the daily round deletes it; the audit log keeps what it said "
                                       "and when it went")
    webhook_allow: str = Field("", description="允许接收 Webhook 通知的非公网主机或网段，逗号分隔，如 10.1.2.3,oa.plant.local；"
                               "未列出的本机、内网等地址一律拒绝 / Hosts or networks off the public internet a webhook "
                               "channel may reach, comma-separated; any other such address is refused")

    @property
    def webhook_allow_list(self) -> tuple[str, ...]:
        return tuple(h.strip() for h in self.webhook_allow.split(",") if h.strip())

    @property
    def db_url(self) -> str:
        return self.database_url or f"sqlite:///{self.home / 'steward.db'}"

    @property
    def files_dir(self) -> Path:
        return self.home / "files"


def names() -> list[str]:
    return [PREFIX + n.upper() for n in Settings.model_fields]


def load(environ: dict[str, str] | None = None) -> Settings:
    """Build settings from the environment; unknown or invalid values raise a bilingual error."""
    environ = dict(os.environ if environ is None else environ)
    known = set(names())
    for key in sorted(k for k in environ if k.startswith(PREFIX)):
        if key not in known:
            close = difflib.get_close_matches(key, known, n=1)
            hint_zh = f"，是否想写 {close[0]}？" if close else ""
            hint_en = f" Did you mean {close[0]}?" if close else ""
            raise StewardError("unknown_setting",
                               f"未知的设置项 {key}{hint_zh} 可用设置：{', '.join(sorted(known))}",
                               f"Unknown setting {key}.{hint_en} Known settings: {', '.join(sorted(known))}",
                               field=key)
    values = {k[len(PREFIX):].lower(): v for k, v in environ.items() if k in known}
    try:
        settings = Settings.model_validate(values)
    except ValidationError as exc:
        err = exc.errors()[0]
        field = PREFIX + str(err["loc"][0]).upper()
        raise StewardError("bad_setting", f"设置项 {field} 无效：{err['msg']}",
                           f"Setting {field} is invalid: {err['msg']}", field=field) from None
    if settings.secret_key == DEV_SECRET:
        raise StewardError("default_secret", "STEWARD_SECRET_KEY 不能使用公开的示例值，请留空（自动生成）或设置随机密钥",
                           "STEWARD_SECRET_KEY must not be the published example value; leave it empty (one is "
                           "generated) or set a random key", field="STEWARD_SECRET_KEY")
    if settings.env == "production" and (reason := weak_secret(settings.secret_key)):
        raise StewardError("default_secret", f"生产环境必须设置足够强的 STEWARD_SECRET_KEY：{reason[0]}",
                           f"Production needs a strong STEWARD_SECRET_KEY: {reason[1]}", field="STEWARD_SECRET_KEY")
    return settings


def weak_secret(key: str) -> tuple[str, str] | None:
    """Why a key cannot protect sessions, or None. Randomness cannot be proven; a short or repetitive key
    is refused (a key from ``secrets.token_urlsafe(32)`` passes)."""
    if not key:
        return "未设置", "it is not set"
    if len(key) < 32:
        return f"只有 {len(key)} 个字符，至少需要 32 个", f"it has {len(key)} characters; at least 32 are needed"
    if len(set(key)) < 16:
        return "字符重复太多，不像随机生成", "it repeats too few characters to be random"
    return None


def is_loopback(host: str) -> bool:
    import ipaddress
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False
