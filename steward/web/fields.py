"""Form text turned into dates and numbers before a use case sees them, with the error named for its field
(so the page puts it beside the box the person typed in)."""

from __future__ import annotations

import math
from datetime import date

from storage.errors import StewardError


def day(text: str, field: str) -> date:
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise StewardError(field, "日期应为 YYYY-MM-DD", "The date must be YYYY-MM-DD", field=field) from None


def optional_day(text: str, field: str) -> date | None:
    return day(text, field) if text.strip() else None


def number(text: str, field: str, zh: str, en: str) -> float:
    """A finite number: "1,2", "abc", "inf" and "nan" are each refused by the field's name."""
    try:
        value = float(text)
    except ValueError:
        raise StewardError(field, f"「{zh}」应为数字", f"“{en}” must be a number", field=field) from None
    if not math.isfinite(value):
        raise StewardError(field, f"「{zh}」不是有限的数", f"“{en}” is not a finite number", field=field)
    return value


def optional_number(text: str, field: str, zh: str, en: str) -> float | None:
    return number(text, field, zh, en) if text.strip() else None
