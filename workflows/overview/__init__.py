"""Pages that read across the areas: the overview top management opens first (4.2) and the registers a
year's tasks lead to (baselines, improvements, reduction measures, anomalies, compliance evaluations)."""
