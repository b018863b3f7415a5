"""Every lifecycle the product has, in the order the docs list them. Each area registers its own in the
engine's index when imported; importing this module imports them all, for the places that need the
whole list (the one transition route, ``steward workflows``, the generated docs)."""

from __future__ import annotations

from workflows.accounting import activity, anomalies, baseline
from workflows.audit import internal_audit
from workflows.documents import document
from workflows.engine.lifecycle_index import Submission, fire
from workflows.engine.machine import Lifecycle
from workflows.ets import month as ets_month
from workflows.improvement import compliance, improvement, nonconformity
from workflows.people import role_changes
from workflows.planning import reduction
from workflows.review import review

__all__ = ["LIFECYCLES", "Submission", "fire"]

LIFECYCLES: dict[str, Lifecycle] = {lc.name: lc for lc in (
    document.LIFECYCLE, internal_audit.LIFECYCLE, nonconformity.LIFECYCLE, nonconformity.ACTION_LIFECYCLE,
    review.LIFECYCLE, review.ACTION_LIFECYCLE, compliance.LIFECYCLE, baseline.LIFECYCLE, improvement.LIFECYCLE,
    reduction.LIFECYCLE, anomalies.LIFECYCLE, role_changes.LIFECYCLE, ets_month.LIFECYCLE,
    activity.BATCH_LIFECYCLE)}
