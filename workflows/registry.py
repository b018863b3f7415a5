"""Every lifecycle by name, for the CLI, the docs and (later) the web."""

from workflows import baseline, compliance, document, internal_audit, nonconformity, review

LIFECYCLES = {lc.name: lc for lc in (document.LIFECYCLE, internal_audit.LIFECYCLE, nonconformity.LIFECYCLE,
                                      review.LIFECYCLE, compliance.LIFECYCLE, baseline.LIFECYCLE)}
