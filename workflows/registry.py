"""Every lifecycle by name, for the CLI, the docs and the web's one transition route."""

from workflows import (
    baseline, compliance, data_quality, document, improvement, internal_audit, nonconformity, reduction, review,
)

LIFECYCLES = {lc.name: lc for lc in (
    document.LIFECYCLE, internal_audit.LIFECYCLE, nonconformity.LIFECYCLE, nonconformity.ACTION_LIFECYCLE,
    review.LIFECYCLE, review.ACTION_LIFECYCLE, compliance.LIFECYCLE, baseline.LIFECYCLE, improvement.LIFECYCLE,
    reduction.LIFECYCLE, data_quality.LIFECYCLE)}
