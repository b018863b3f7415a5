"""Lists are read a page at a time (50 rows) with the total, so no list page grows with the years on record."""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import func, select

SIZE = 50


@dataclass(frozen=True)
class Page:
    number: int  # 1-based, clamped to the pages there are
    total: int
    size: int = SIZE

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.size))

    @property
    def offset(self) -> int:
        return (self.number - 1) * self.size

    @property
    def first(self) -> int:
        return min(self.offset + 1, self.total)

    @property
    def last(self) -> int:
        return min(self.offset + self.size, self.total)


def page_of(total: int, number: int | None, size: int = SIZE) -> Page:
    return Page(min(max(number or 1, 1), Page(1, total, size).pages), total, size)


def fetch(session, query, number: int | None, size: int = SIZE, count=None) -> tuple[list, Page]:
    """One page of an ordered query, counted and sliced in the database; ``count``, when given, is a cheaper
    statement that counts the same rows (without the joins that only fill in what the page shows)."""
    if count is None:
        count = select(func.count()).select_from(query.order_by(None).subquery())
    page = page_of(session.exec(count).one(), number, size)
    return list(session.exec(query.offset(page.offset).limit(page.size)).all()), page
