"""The guideline's clause catalogue as data.

Ids follow the text: ``4.2a`` is item a) of 4.2, ``9.3.1b3`` is sub-item 3) of 9.3.1 b).
Auditors check against the *auditable* clauses: items, and clauses that have no items.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

DATA = Path(__file__).parent / "data"
_ID = re.compile(r"^(?P<num>\d+(?:\.\d+)*)(?P<letter>[a-g])?(?P<sub>\d)?$")


@dataclass(frozen=True)
class RecordType:
    code: str
    zh: str
    en: str


@dataclass(frozen=True)
class Clause:
    id: str
    zh: str
    en: str
    records: tuple[str, ...]
    parent: str | None
    kind: str  # chapter | clause | item | subitem
    auditable: bool = False

    def as_json(self) -> dict:
        return {
            "id": self.id,
            "parent": self.parent,
            "kind": self.kind,
            "auditable": self.auditable,
            "zh": self.zh,
            "en": self.en,
            "records": list(self.records),
        }


def parent_of(clause_id: str) -> str | None:
    """Derive the parent id: ``9.3.1b3`` → ``9.3.1b`` → ``9.3.1`` → ``9.3`` → ``9``."""
    m = _ID.match(clause_id)
    if not m:
        raise ValueError(f"not a clause id: {clause_id!r}")
    if m["sub"]:
        return m["num"] + m["letter"]
    if m["letter"]:
        return m["num"]
    return m["num"].rsplit(".", 1)[0] if "." in m["num"] else None


def _kind(clause_id: str) -> str:
    m = _ID.match(clause_id)
    if m["sub"]:
        return "subitem"
    if m["letter"]:
        return "item"
    return "clause" if "." in m["num"] else "chapter"


def _rows(name: str) -> list[dict[str, str]]:
    with (DATA / name).open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh, delimiter="\t"))


@cache
def record_types() -> dict[str, RecordType]:
    return {r["code"]: RecordType(r["code"], r["zh"], r["en"]) for r in _rows("record_types.tsv")}


@cache
def catalogue() -> tuple[Clause, ...]:
    """Load and check the catalogue once; a broken data file fails loudly at first use."""
    rows = _rows("clauses.tsv")
    ids = [r["id"] for r in rows]
    if len(set(ids)) != len(ids):
        raise ValueError("duplicate clause id in clauses.tsv")
    parents = {i: parent_of(i) for i in ids}
    has_children = {p for p in parents.values() if p}
    known = record_types()
    clauses = []
    for r in rows:
        cid = r["id"]
        if parents[cid] and parents[cid] not in parents:
            raise ValueError(f"clause {cid} has no parent {parents[cid]} in clauses.tsv")
        records = tuple(x for x in (r["records"] or "").split(",") if x)
        unknown = [x for x in records if x not in known]
        if unknown:
            raise ValueError(f"clause {cid} names unknown record types {unknown}")
        kind = _kind(cid)
        clauses.append(
            Clause(cid, r["zh"], r["en"], records, parents[cid], kind,
                   auditable=kind != "chapter" and cid not in has_children)
        )
    return tuple(clauses)


@cache
def by_id() -> dict[str, Clause]:
    return {c.id: c for c in catalogue()}


def get(clause_id: str) -> Clause:
    try:
        return by_id()[clause_id]
    except KeyError:
        raise KeyError(f"unknown clause id {clause_id!r}") from None


def auditable() -> list[Clause]:
    return [c for c in catalogue() if c.auditable]


def children(clause_id: str) -> list[Clause]:
    return [c for c in catalogue() if c.parent == clause_id]
