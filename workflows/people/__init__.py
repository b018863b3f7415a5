"""People and how they are reached (4, 7.1, 7.4): the organisation (enterprises, sites, departments,
processes, facilities, meters, people and responsibilities), logins and API tokens, role changes with the
segregation of duties they keep (a signing role needs a second person's countersignature), and
notification channels with the outbox and the daily reminders."""
