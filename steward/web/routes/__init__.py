"""One router per page, grouped in a package per area (the same word as ``workflows/<area>``); ``app.py``
includes them all. ``api`` is the machine API across the areas."""

from steward.web.routes import api
from steward.web.routes.accounting import accounting, assays, meters, readings
from steward.web.routes.audit import audits, readiness
from steward.web.routes.documents import documents, records
from steward.web.routes.engine import tasks, transitions
from steward.web.routes.ets import ets
from steward.web.routes.ets import group as ets_group
from steward.web.routes.ets import verification as ets_verification
from steward.web.routes.improvement import nonconformities
from steward.web.routes.overview import dashboard, registers
from steward.web.routes.people import auth, people, settings
from steward.web.routes.planning import assets, calendar, objectives
from steward.web.routes.review import reviews

ROUTERS = [m.router for m in (auth, dashboard, tasks, calendar, documents, audits, nonconformities, reviews, accounting,
                              registers, objectives, assets, ets_group, ets, ets_verification, records, readiness, readings,
                              meters, assays, people,
                              settings, transitions, api)]
