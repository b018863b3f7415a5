"""Chinese first, English beside it: message ids are the Chinese texts, and the English catalogue
(``steward/web/locale/en/LC_MESSAGES/messages.po``) is compiled in memory with Babel at start-up."""

from __future__ import annotations

import io
from functools import cache
from gettext import GNUTranslations, NullTranslations
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

LOCALE = Path(__file__).parent / "locale"
LANGUAGES = ("zh", "en")


@cache
def translations(lang: str) -> NullTranslations:
    po = LOCALE / lang / "LC_MESSAGES" / "messages.po"
    if lang == "zh" or not po.exists():
        return NullTranslations()
    with po.open("rb") as fh:
        catalog = read_po(fh, locale=lang)
    buf = io.BytesIO()
    write_mo(buf, catalog)
    buf.seek(0)
    return GNUTranslations(buf)


def catalog_ids(lang: str = "en") -> dict[str, str]:
    with (LOCALE / lang / "LC_MESSAGES" / "messages.po").open("rb") as fh:
        return {m.id: m.string for m in read_po(fh, locale=lang) if m.id}
