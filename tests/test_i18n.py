"""Chinese first, English beside it: every text on the pages has its English in the Babel catalogue."""

from __future__ import annotations

from helpers import ROOT
from jinja2.ext import babel_extract

from steward.web import i18n


def test_every_text_in_the_pages_has_an_english_translation():
    english = i18n.catalog_ids("en")
    missing = []
    for path in sorted((ROOT / "templates" / "html").rglob("*.html")):
        with path.open("rb") as fh:
            missing += [m for _, _, m, _ in babel_extract(fh, ["_"], [], {}) if m not in english]
    assert missing == []
