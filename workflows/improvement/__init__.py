"""Evaluation and improvement (9.1, 10): the obligations register and compliance evaluation, nonconformities
with their corrective actions, and the continual-improvement register."""
