"""Sector modules (GB/T 32151 parts): each registers calculators for its own process sources.

Power generation (GB/T 32151.1) accounts its coal by the month's measurements (``power``); flue-gas
desulfurisation carbonates (with the limestone's measured purity) are the general calculator.
"""

from accounting.sectors import aluminium, balance, cement, chemicals, coal, power  # noqa: F401
