"""Sector modules (GB/T 32151 parts): each registers calculators for its own process sources."""

from accounting.sectors import cement  # noqa: F401
