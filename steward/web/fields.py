"""Form text turned into dates and numbers before a use case sees them, with the error named for its field
(so the page puts it beside the box the person typed in), and the whole numbers a route may take."""

from __future__ import annotations

import math
from datetime import date
from typing import Annotated, Any

from annotated_types import Interval
from fastapi import Form

from storage.errors import StewardError
from workflows.engine.lookup import MAX_ID

# Whole numbers from an address, a query or a form, bounded before any reaches the database: a larger one than
# an integer column holds made the driver fail (a 500). Out of range, a path answers 404 and a field 422 (app.py).
Id = Annotated[int, Interval(ge=1, le=MAX_ID)]
Whole = Annotated[int, Interval(ge=-MAX_ID - 1, le=MAX_ID)]
YEARS = (1900, 2999)  # date(year + 1, 1, 1) must exist for every year's sums
Year = Annotated[int, Interval(ge=YEARS[0], le=YEARS[1])]


def whole_form(default: Any = ...) -> Any:
    """A form's whole number, bounded like ``Whole`` (a bound in the type is lost beside a ``Form`` default)."""
    return Form(default, ge=-MAX_ID - 1, le=MAX_ID)


def year_form(default: Any = ...) -> Any:
    return Form(default, ge=YEARS[0], le=YEARS[1])


def optional_year(text: str, field: str = "year") -> int | None:
    """A list filter's year: blank means every year (a GET form sends the empty box too)."""
    if not text.strip():
        return None
    try:
        year = int(text.strip())
    except ValueError:
        year = 0
    if not YEARS[0] <= year <= YEARS[1]:
        raise StewardError(field, "年度应为四位数字，如 2026", "The year must be four digits, such as 2026", field=field)
    return year


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
