"""The management review's minutes (9.3.2) as a Word file with the signature manifest, rendered from
``templates/docx/review_minutes.docx``."""

from __future__ import annotations

from sqlmodel import Session, select

from forms import clauses
from storage.models import Enterprise, ManagementReview, Person, ReviewAction
from workflows.engine import clock, lifecycle_index
from workflows.engine.machine import MEANINGS
from workflows.engine.rendering import render_docx
from workflows.review.inputs import INPUT_ITEMS


def review_minutes(session: Session, review: ManagementReview, signatures: list) -> bytes:
    states = lifecycle_index.lifecycle("review_action").states  # registered by the module that calls this one
    catalogue = clauses.by_id()
    done, open_ = states("done"), states("open")
    actions = session.exec(select(ReviewAction).where(ReviewAction.review_id == review.id)
                           .order_by(ReviewAction.id)).all()
    return render_docx("review_minutes.docx", {
        "enterprise": session.get(Enterprise, review.enterprise_id).name_zh, "number": review.number,
        "held_on": review.held_on or "—", "chair": session.get(Person, review.chair_id).name if review.chair_id else "—",
        "attendees": "、".join(review.attendees), "reason": review.reason,
        "inputs": [{"clause": c, "zh": catalogue[c].zh, "en": catalogue[c].en,
                    "compiled": "\n".join(review.inputs.get(c, {}).get("zh", [])) or "—",
                    "statement": review.statements.get(c, "")} for c in INPUT_ITEMS],
        "minutes": review.minutes, "conclusion": review.conclusion,
        "actions": [{"decision": a.decision, "owner": session.get(Person, a.owner_id).name, "due": a.due,
                     "status": f"{done.zh} {done.en} {a.done_on}" if a.done_on else f"{open_.zh} {open_.en}"} for a in actions],
        "signatures": [{"meaning": " ".join(MEANINGS[s.meaning]),
                        "signer": s.signer_name + (f"（代 {s.on_behalf_of_name}）" if s.on_behalf_of_name else ""),
                        "time": clock.stamp(s.signed_at), "hash": s.content_sha256[:16] + "…",
                        "valid": "有效 valid" if ok else "已失效 INVALID"} for s, ok in signatures],
    })
