"""The accounting layer's one error: pure code cannot import storage, so it carries its own
bilingual message and the workflows layer passes it on unchanged."""

from __future__ import annotations


class AccountingError(ValueError):
    def __init__(self, code: str, zh: str, en: str, *, field: str | None = None):
        super().__init__(f"{zh} / {en}")
        self.code, self.zh, self.en, self.field = code, zh, en, field
