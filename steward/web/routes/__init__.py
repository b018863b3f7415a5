"""One router per area of the product; ``app.py`` includes them all."""

from steward.web.routes import (
    accounting,
    api,
    audits,
    auth,
    dashboard,
    documents,
    nonconformities,
    people,
    registers,
    reviews,
    settings,
    tasks,
    transitions,
)

ROUTERS = [m.router for m in (auth, dashboard, tasks, documents, audits, nonconformities, reviews, accounting,
                              registers, people, settings, transitions, api)]
