"""One error type for everything a user can get wrong, carrying both languages.

Every shell (CLI, web, flows) renders the same object, so a message is written once, here or
where it is raised, never re-worded by a handler.
"""

from __future__ import annotations


class StewardError(Exception):
    status = 400

    def __init__(self, code: str, zh: str, en: str, *, field: str | None = None,
                 status: int | None = None, details: list[dict] | None = None):
        super().__init__(f"{zh} / {en}")
        self.code, self.zh, self.en, self.field = code, zh, en, field
        self.details = details or []  # field-level errors: {"field", "zh", "en"}
        if status is not None:
            self.status = status

    def message(self, lang: str = "zh") -> str:
        return self.en if lang.startswith("en") else self.zh

    def as_json(self) -> dict:
        return {"code": self.code, "zh": self.zh, "en": self.en, "field": self.field,
                "details": self.details}


class NotFound(StewardError):
    status = 404


class Conflict(StewardError):
    status = 409


class Forbidden(StewardError):
    status = 403
