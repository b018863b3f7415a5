"""People and how they are reached (4, 7.1, 7.4): the organisation (enterprises, sites, departments,
processes, facilities, meters, people and responsibilities), logins with their roles and API tokens, and
notification channels with the outbox and the daily reminders."""
