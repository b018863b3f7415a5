"""Sector modules (GB/T 32151 parts): each registers calculators for its own process sources.

Power generation (GB/T 32151.1) needs nothing of its own: fuel combustion and flue-gas
desulfurisation carbonates (with the limestone's measured purity) are general calculators.
"""

from accounting.sectors import aluminium, balance, cement, chemicals, coal  # noqa: F401
