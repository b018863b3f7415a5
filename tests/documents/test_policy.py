"""The carbon policy (5.2) is a controlled document whose text must cover 5.2.1 a–e."""

from __future__ import annotations

import io

import docx
import pytest
from helpers import act

from storage.errors import StewardError
from workflows.documents import document as docs

MB = 1 << 20
FULL = ("晋岩水泥碳排放管理方针：贯彻国家和山西省碳达峰碳中和部署，服务公司绿色低碳发展战略，依法合规、按时履约，"
        "履行节能降碳社会责任，持续改进碳排放绩效。")


def word(text: str) -> bytes:
    d = docx.Document()
    d.add_paragraph(text)
    out = io.BytesIO()
    d.save(out)
    return out.getvalue()


def test_a_policy_missing_commitments_is_refused_naming_them(plant, store):
    def go(s, a):
        _, rev = docs.create(s, a, doc_type="policy", title="碳排放管理方针", clause_ids=["5.2"])
        docs.upload(s, a, rev, "方针.docx", io.BytesIO(word("我们重视节能降碳社会责任，持续改进绩效。")), store, 50 * MB)
    with pytest.raises(StewardError) as err:
        act(plant, "lixf", go)
    assert "5.2.1a" in err.value.zh and "5.2.1b" in err.value.zh and "5.2.1c" in err.value.en
    assert "5.2.1d" not in err.value.zh and "5.2.1e" not in err.value.zh


def test_a_complete_policy_enters_the_lifecycle(plant, store):
    def go(s, a):
        doc, rev = docs.create(s, a, doc_type="policy", title="碳排放管理方针", clause_ids=["5.2"])
        docs.upload(s, a, rev, "方针.docx", io.BytesIO(word(FULL)), store, 50 * MB)
        return rev.file_sha256
    assert act(plant, "lixf", go)
    with pytest.raises(StewardError, match="as Word"):
        act(plant, "lixf", lambda s, a: docs.upload(
            s, a, docs.create(s, a, doc_type="policy", title="方针")[1], "方针.pdf",
            io.BytesIO(b"%PDF-1.4 x"), store, 50 * MB))
