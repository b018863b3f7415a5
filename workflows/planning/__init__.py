"""Planning and action (5, 6.2, 6.4, 8.4, 8.5): objectives and targets with their plans, reduction measures
and their abatement cost, the carbon-asset ledger and surrender, the duties that fall due each year, and the
calendar of what is due when."""
