"""One router per area of the product; ``app.py`` includes them all."""

from steward.web.routes import (
    accounting,
    api,
    assets,
    audits,
    auth,
    calendar,
    dashboard,
    documents,
    meters,
    nonconformities,
    objectives,
    people,
    readiness,
    records,
    registers,
    reviews,
    settings,
    tasks,
    transitions,
)

ROUTERS = [m.router for m in (auth, dashboard, tasks, calendar, documents, audits, nonconformities, reviews, accounting,
                              registers, objectives, assets, records, readiness, meters, people, settings, transitions, api)]
