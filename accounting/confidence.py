"""How sure the product is of a figure or rule taken from outside, in words a reader understands (README, "a
confidence mark"): the data files keep the grade as one letter — H the authority's official text, M one credible
transcription or two that agree, U transcribed without a second source — and every page, file and message shows
these words instead of the letter.

Sources written before the words existed carry the letter in brackets at their end (``… 表 2.1 [M]``, frozen in
accounting runs); ``cited`` turns that into words as well."""

from __future__ import annotations

import re

GRADES: dict[str, tuple[str, str]] = {
    "H": ("官方原文", "official text"),
    "M": ("可信转述", "credible transcription"),
    "U": ("未经核实", "unverified"),
}
_MARK = re.compile(r"\s*\[([HMU])\]")


def words(grade: str, lang: str = "zh") -> str:
    """The grade in the reader's language (``both``: 中文 English, for bilingual files and the CLI)."""
    zh, en = GRADES.get(grade, (grade, grade))
    return {"zh": zh, "both": f"{zh} {en}"}.get(lang[:2] if lang != "both" else lang, en)


def with_grade(source: str, grade: str, lang: str = "zh") -> str:
    """A source followed by how sure we are of it: ``…指南（可信转述）`` / ``… (credible transcription)``."""
    if not grade:
        return source
    return f"{source}（{words(grade, lang)}）" if lang.startswith("zh") or lang == "both" else f"{source} ({words(grade, lang)})"


def cited(text: str, lang: str = "zh") -> str:
    """Stored text with grade letters in brackets (``… 表 2.1 [M]``, as runs froze a factor's source) given in words;
    other text unchanged."""
    return _MARK.sub(lambda m: with_grade("", m.group(1), lang), text or "")
