"""The web application: server-rendered pages (Jinja2 + htmx + ECharts, all vendored), and a JSON
API with OpenAPI for integrations. Every page states the roles it admits (``PAGES``); every write
is one unit of work with its audit entry; every form carries a CSRF token."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from urllib.parse import quote

from fastapi import FastAPI, Request
from jinja2 import Environment, FileSystemLoader
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from starlette.middleware.sessions import SessionMiddleware

from steward.context import Context
from steward.web import i18n, security
from storage.errors import StewardError

ROOT = Path(__file__).resolve().parents[2]
STATIC = Path(__file__).parent / "static"
ALL = ("top_management", "carbon_body_member", "department_head", "carbon_manager", "internal_auditor", "staff",
       "external_provider", "viewer")
INTERNAL = tuple(r for r in ALL if r != "external_provider")
MANAGEMENT = ("top_management", "carbon_body_member", "carbon_manager", "internal_auditor", "department_head", "viewer")


def create_app(ctx: Context) -> FastAPI:
    app = FastAPI(title="碳管家 Carbon Steward", version="0.1.0", docs_url="/api/docs", redoc_url=None,
                  openapi_url="/api/openapi.json")
    app.state.ctx = ctx
    app.add_middleware(SessionMiddleware, secret_key=ctx.settings.secret_key, session_cookie="steward_session",
                       max_age=8 * 3600, same_site="lax", https_only=ctx.settings.env == "production")
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    app.state.templates = {}
    for lang in i18n.LANGUAGES:  # one environment per language: requests run in threads and must not share one
        env = Environment(loader=FileSystemLoader(ROOT / "templates" / "html"), autoescape=True,
                          extensions=["jinja2.ext.i18n"])
        env.install_gettext_translations(i18n.translations(lang), newstyle=True)
        templates = Jinja2Templates(env=env)
        app.state.templates[lang] = templates

    @app.exception_handler(security.LoginRequired)
    async def _login(request: Request, exc: security.LoginRequired):
        if request.url.path.startswith("/api/"):
            return JSONResponse({"code": "login_required"}, status_code=401)
        return RedirectResponse(f"/login?next={quote(request.url.path)}", status_code=303)

    @app.exception_handler(StewardError)
    async def _error(request: Request, exc: StewardError):
        if request.url.path.startswith("/api/"):
            return JSONResponse(exc.as_json(), status_code=exc.status)
        return page(request, "error.html", {"error": exc}, status=exc.status)

    from steward.web import api, pages
    pages.register(app)
    api.register(app)
    return app


def lang_of(request: Request) -> str:
    lang = request.session.get("lang") or request.app.state.ctx.settings.language
    return lang if lang in i18n.LANGUAGES else "zh"


def page(request: Request, name: str, context: dict, status: int = 200) -> HTMLResponse:
    """Render a template in the user's language with the CSRF token and who is signed in."""
    lang = lang_of(request)
    templates: Jinja2Templates = request.app.state.templates[lang]
    ctx = {"lang": lang, "csrf": security.csrf_token(request), "user": request.session.get("username"),
           "name": request.session.get("name"), "path": request.url.path, **context}
    return templates.TemplateResponse(request, name, ctx, status_code=status)


def unit(request: Request, fn: Callable, write: bool = False):
    """Run ``fn(session, actor)`` as the signed-in user in one transaction."""
    ctx: Context = request.app.state.ctx
    username = request.session.get("username") or "anonymous"
    with ctx.unit_of_work(f"web:{username}") as session:
        actor = security.current_actor(request, session)
        return fn(session, actor)


def redirect(url: str) -> Response:
    return RedirectResponse(url, status_code=303)
