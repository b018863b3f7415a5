"""Input models, validation and reference data (clause catalogue, record types)."""
