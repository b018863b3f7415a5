"""Status survey and accounting (6.1, 6.3, 8.1–8.3): activity data, the year's calculation and its frozen runs,
totals over many years, the accounting page, anomalies in the data, the data-quality control plan, meters and
their calibration, baselines (computed from the accounting and compared on its page), and the survey report."""
