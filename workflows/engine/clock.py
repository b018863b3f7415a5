"""The plant's clock: every date the system stamps is a date in the enterprise's time zone, not UTC's.

Timestamps are stored in UTC; dates (effective dates, due dates, reported dates) and the times printed in
signature manifests are the plant's. Only the shell reads settings: it hands the zone (STEWARD_TIMEZONE) to
``use_zone`` once, when it builds its context; until then the zone is the default, Asia/Shanghai.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date, datetime, timezone
from zoneinfo import ZoneInfo

DEFAULT_ZONE = "Asia/Shanghai"
_zone = ZoneInfo(DEFAULT_ZONE)
_source: Callable[[], datetime] = lambda: datetime.now(timezone.utc)  # noqa: E731


def use_zone(name: str) -> None:
    """Make ``name`` (an IANA zone such as Asia/Shanghai) the plant's zone for this process."""
    global _zone
    _zone = ZoneInfo(name)


def zone() -> ZoneInfo:
    return _zone


@contextmanager
def reading(moment: datetime) -> Iterator[None]:
    """Stamp everything inside as made at ``moment`` (zone-aware): a scripted scene (the demo's year, a test at
    23:30 UTC) acts at the hour it names rather than at the hour it happens to run."""
    global _source
    before, _source = _source, lambda: moment.astimezone(timezone.utc)
    try:
        yield
    finally:
        _source = before


def utcnow() -> datetime:
    """The moment to store: UTC."""
    return _source()


def now() -> datetime:
    """The plant's wall clock, zone-aware."""
    return _source().astimezone(_zone)


def today() -> date:
    """The plant's date today: at 01:37 in Shanghai it is already tomorrow in UTC's reckoning."""
    return now().date()


def local(moment: datetime) -> datetime:
    """A stored moment (UTC; naive means UTC) as the plant's wall clock."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(_zone)


def stamp(moment: datetime) -> str:
    """A stored moment as printed on a manifest: the plant's time, with its offset so no one reads it as UTC."""
    at = local(moment)
    return at.strftime("%Y-%m-%d %H:%M ") + _offset(at)


def _offset(at: datetime) -> str:
    text = at.strftime("%z")  # +0800
    return f"UTC{text[:3]}:{text[3:]}" if text[3:] != "00" else f"UTC{text[:3]}"
