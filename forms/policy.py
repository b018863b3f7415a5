"""What a carbon policy must say (5.2.1 a–e), checked in its text before it can enter the lifecycle.

A keyword check cannot judge quality — reviewers and top management do that when they sign — but it
does catch a policy that forgot a whole commitment."""

from __future__ import annotations

import io
import re

from storage.errors import StewardError

COMMITMENTS = {
    "5.2.1a": (r"碳达峰|碳中和|双碳|peak|neutral", "与国家、地方碳达峰碳中和政策相一致", "consistent with carbon peaking and neutrality policy"),
    "5.2.1b": (r"发展战略|战略|发展规划|strateg", "与企业发展战略相一致", "consistent with corporate strategy"),
    "5.2.1c": (r"合规|法律法规|履约|complian|obligation", "履行合规义务", "meets compliance obligations"),
    "5.2.1d": (r"社会责任|节能降碳|social responsib", "履行节能降碳社会责任", "meets the social duty to save energy and cut carbon"),
    "5.2.1e": (r"持续改进|不断提升|continual|improv", "持续改进碳排放绩效", "continually improves carbon performance"),
}


def text_of(data: bytes) -> str:
    import docx  # only where a policy is read: a command that lists tasks should not pay for python-docx
    document = docx.Document(io.BytesIO(data))
    parts = [p.text for p in document.paragraphs]
    parts += [c.text for t in document.tables for r in t.rows for c in r.cells]
    return "\n".join(parts)


def gaps(text: str) -> list[str]:
    return [clause for clause, (pattern, _, _) in COMMITMENTS.items() if not re.search(pattern, text, re.IGNORECASE)]


def check(file_name: str, data: bytes) -> None:
    """Refuse a policy file that is not a Word document or leaves out any of 5.2.1 a–e."""
    if not file_name.lower().endswith(".docx"):
        raise StewardError("policy_format", "方针须以 Word（.docx）上传，以便核对 5.2.1 a–e",
                           "Upload the policy as Word (.docx) so it can be checked against 5.2.1 a–e", field="file")
    missing = gaps(text_of(data))
    if missing:
        raise StewardError("policy_incomplete",
                           "方针缺少：" + "；".join(f"{c} {COMMITMENTS[c][1]}" for c in missing),
                           "The policy leaves out: " + "; ".join(f"{c} {COMMITMENTS[c][2]}" for c in missing),
                           field="file")
