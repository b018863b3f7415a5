"""The web application: server-rendered pages (Jinja2 + htmx + ECharts, all vendored) and a JSON API
with OpenAPI. Every error a person can meet is answered by one handler here: a page in their
language, JSON under ``/api/``, or — for an htmx form — the message to show next to its field."""

from __future__ import annotations

import gc
import logging
import secrets
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime, timezone
from pathlib import Path
from urllib.parse import quote, urlsplit
from zoneinfo import ZoneInfo

import anyio.to_thread
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from jinja2 import Environment, FileSystemLoader
from python_multipart.exceptions import MultipartParseError
from starlette.datastructures import MutableHeaders
from starlette.exceptions import HTTPException
from starlette.middleware.sessions import SessionMiddleware

from accounting import confidence
from forms import field_labels, readings_import, uploads
from steward.context import Context
from steward.web import i18n, security
from steward.web.limits import BodyLimit
from steward.web.render import is_htmx, lang_of, page
from steward.web.routes import ROUTERS
from storage.errors import StewardError
from workflows.audit import evidence_links
from workflows.engine import rendering

ROOT = Path(__file__).resolve().parents[2]
STATIC = Path(__file__).parent / "static"
log = logging.getLogger("steward.web")

SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
                               "font-src 'self' data:; connect-src 'self'; object-src 'self'; base-uri 'self'; "
                               "form-action 'self'; frame-ancestors 'none'",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "Cross-Origin-Opener-Policy": "same-origin",
}
HTTP_ERRORS = {
    404: ("not_found", "没有这个页面或记录", "There is no such page or record"),
    405: ("method", "不能以这种方式打开此地址", "This address cannot be used that way"),
}


def create_app(ctx: Context) -> FastAPI:
    app = FastAPI(title="碳管家 Carbon Steward", version="0.1.0", docs_url=None, redoc_url=None,
                  openapi_url="/api/openapi.json", lifespan=_settled)  # the reference page is ours: vendored, no inline script, login
    app.state.ctx = ctx
    production = ctx.settings.env == "production"

    app.add_middleware(SecurityHeaders, production=production)
    app.add_middleware(SessionMiddleware, secret_key=ctx.session_secret, session_cookie="steward_session",
                       max_age=8 * 3600, same_site="lax", https_only=ctx.settings.env == "production")
    app.add_middleware(BodyLimit, max_bytes=ctx.settings.max_upload_mb << 20,
                       wider={"/readings/import": max(readings_import.MAX_BYTES, ctx.settings.max_upload_mb << 20)})
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    app.state.templates = {}
    for lang in i18n.LANGUAGES:  # one environment per language: requests run in threads and must not share one
        env = Environment(loader=FileSystemLoader(ROOT / "templates" / "html"), autoescape=True,
                          extensions=["jinja2.ext.i18n"], auto_reload=False)  # no stat of every template per page
        env.install_gettext_translations(i18n.translations(lang), newstyle=True)
        env.filters["localtime"] = _local_time(ctx.settings.timezone)
        env.filters["field_label"] = lambda name, lang=lang: field_labels.label(name, lang)
        env.filters["evidence_label"] = lambda entry, lang=lang: evidence_links.label(entry, lang)
        env.filters["evidence_href"] = evidence_links.href
        env.filters["grade"] = lambda code, lang=lang: confidence.words(code, lang)  # H/M/U in words
        env.filters["cited"] = lambda source, lang=lang: confidence.cited(source, lang)  # "… [M]" in words
        env.filters["graded"] = lambda source, grade, lang=lang: confidence.with_grade(source, grade, lang)
        env.globals["pdf_ready"] = rendering.pdf_ready  # PDF links only where a PDF can be made (LibreOffice found)
        app.state.templates[lang] = Jinja2Templates(env=env)
    for router in ROUTERS:  # the reference describes the machine API, not the pages
        app.include_router(router, include_in_schema=router.prefix.startswith("/api/"))
    app.add_exception_handler(security.LoginRequired, _login)
    app.add_exception_handler(security.PasswordChangeRequired, _change_password)
    app.add_exception_handler(StewardError, _error)
    app.add_exception_handler(HTTPException, _http)
    app.add_exception_handler(RequestValidationError, _invalid)
    app.add_exception_handler(Exception, _crash)
    return app


# Pages are rendered in threads that share one interpreter lock. Forty at once (anyio's default) spent a worker's
# time handing the lock round: measured flat out on one worker, 35 ms of CPU a page and 35 pages/s; with eight,
# 21–25 ms and 43–54 pages/s. Eight still leaves room beside a slow download (a Word file turned into PDF).
REQUEST_THREADS = 8


@asynccontextmanager
async def _settled(_app: FastAPI) -> AsyncIterator[None]:
    """Move what start-up made (a quarter of a million objects: the models, templates, libraries) out of the
    collector's reach. Otherwise every full collection walks them all and stops the worker for ~0.2 s, in the
    middle of whichever pages it is serving (issue 18: those pauses were the page benchmark's p95). Then cap
    the request threads (``REQUEST_THREADS``)."""
    gc.collect()
    gc.freeze()
    anyio.to_thread.current_default_thread_limiter().total_tokens = REQUEST_THREADS
    yield
    gc.unfreeze()  # an app made and dropped in one process (the tests make hundreds) is collected again


class SecurityHeaders:
    """Every answer's security headers, added as the response starts (plain ASGI: Starlette's ``BaseHTTPMiddleware``
    costs a task group and a stream per request, on every page)."""

    def __init__(self, app, production: bool):
        self.app, self.production = app, production

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        static = scope["path"].startswith("/static/")

        async def send_with_headers(message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in SECURITY_HEADERS.items():
                    headers[name] = value
                if headers.get("content-type") == "application/pdf" and \
                        headers.get("content-disposition", "").startswith("inline"):
                    # a file to read is shown inside our own reading page, and only there
                    headers["Content-Security-Policy"] = "default-src 'none'; frame-ancestors 'self'"
                    headers["X-Frame-Options"] = "SAMEORIGIN"
                if self.production:
                    headers["Strict-Transport-Security"] = "max-age=31536000; includeSubDomains"
                if not static:
                    headers["Cache-Control"] = "no-store"  # pages show one person's data: never kept in caches
            await send(message)
        await self.app(scope, receive, send_with_headers)


def _local_time(tz: str):
    """Times are kept in UTC and shown in the enterprise's time zone."""
    zone = ZoneInfo(tz)

    def show(moment: datetime | None, fmt: str = "%Y-%m-%d %H:%M") -> str:
        if moment is None:
            return ""
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=timezone.utc)
        return moment.astimezone(zone).strftime(fmt)
    return show


def from_env() -> FastAPI:
    """The app as each of `steward serve --workers N`'s processes builds it, from the same settings."""
    return create_app(Context.from_env())


SERVER_OPTIONS = {"log_level": "warning", "server_header": False}  # how uvicorn serves the app: no server banner


def server_config(app: FastAPI, host: str, port: int):
    import uvicorn
    return uvicorn.Config(app, host=host, port=port, **SERVER_OPTIONS)


def is_api(request: Request) -> bool:
    """Machines get JSON; the API reference at /api/docs is a page for people."""
    return request.url.path.startswith("/api/") and request.url.path != "/api/docs"


def render_error(request: Request, exc: StewardError) -> Response:
    """The one way an error reaches a person: JSON for the API, the field and message for an htmx
    form (shown next to the input), else the error page in their language."""
    if is_api(request):
        return JSONResponse(exc.as_json(), status_code=exc.status)
    if is_htmx(request):
        return JSONResponse({**exc.as_json(), "message": exc.message(lang_of(request))}, status_code=exc.status)
    referer = urlsplit(request.headers.get("referer", ""))
    back = referer.path if referer.netloc == request.url.netloc and referer.path != request.url.path else "/"
    return page(request, "error.html", {"error": exc, "back": back}, status=exc.status)


async def _login(request: Request, exc: security.LoginRequired) -> Response:
    if is_api(request):
        return JSONResponse({"code": "login_required"}, status_code=401)
    if is_htmx(request):
        return Response(status_code=200, headers={"HX-Redirect": f"/login?next={quote(request.url.path)}"})
    return RedirectResponse(f"/login?next={quote(request.url.path)}", status_code=303)


async def _change_password(request: Request, exc: security.PasswordChangeRequired) -> Response:
    if is_api(request):
        return JSONResponse({"code": "password_change_required"}, status_code=403)
    if is_htmx(request):
        return Response(status_code=200, headers={"HX-Redirect": "/password"})
    return RedirectResponse("/password", status_code=303)


async def _error(request: Request, exc: StewardError) -> Response:
    return render_error(request, exc)


async def _http(request: Request, exc: HTTPException) -> Response:
    if exc.status_code == 400 and _header_too_long(exc):
        return render_error(request, uploads.name_too_long())
    code, zh, en = HTTP_ERRORS.get(exc.status_code, ("http", f"请求无法完成（{exc.status_code}）",
                                                     f"The request could not be completed ({exc.status_code})"))
    return render_error(request, StewardError(code, zh, en, status=exc.status_code))


def _header_too_long(exc: BaseException) -> bool:
    """A multipart header past python-multipart's 4 KB: in an upload, the file's name (a 5,000-character one)."""
    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(seen, MultipartParseError) and "header size" in str(seen):
            return True
        seen = seen.__cause__ or seen.__context__
    return False


async def _invalid(request: Request, exc: RequestValidationError) -> Response:
    """A missing or malformed field: named, in both languages, never FastAPI's bare ``detail``. An address whose
    id is no number, or none a row can have, names no page or record: 404."""
    errors = exc.errors()
    if any(e.get("loc", ("",))[0] == "path" for e in errors):
        return render_error(request, StewardError(*HTTP_ERRORS[404], status=404))
    details = [_field_error(e) for e in errors]
    first = details[0] if details else {"field": None, "zh": "请求格式不正确", "en": "The request is malformed"}
    return render_error(request, StewardError("invalid", first["zh"], first["en"], field=first["field"], status=422,
                                              details=details))


def _field_error(e: dict) -> dict:
    """One field's complaint: missing, out of range (with the limit), or not in the right form."""
    name = str(e["loc"][-1]) if e.get("loc") else "?"
    limit = e.get("ctx") or {}
    if e.get("type") == "missing":
        zh, en = f"「{name}」缺失", f"The field {name} is missing"
    elif "le" in limit:
        zh, en = f"「{name}」不能大于 {limit['le']}", f"The field {name} must be at most {limit['le']}"
    elif "ge" in limit:
        zh, en = f"「{name}」不能小于 {limit['ge']}", f"The field {name} must be at least {limit['ge']}"
    else:
        zh, en = f"「{name}」格式不正确", f"The field {name} is not in the right form"
    return {"field": name, "zh": zh, "en": en}


async def _crash(request: Request, exc: Exception) -> Response:
    reference = secrets.token_hex(4).upper()
    log.exception("unexpected error %s on %s %s", reference, request.method, request.url.path)
    return render_error(request, StewardError(
        "internal", f"系统出错，未写入任何数据。请把参考编号 {reference} 告诉管理员",
        f"Something went wrong and nothing was written. Give the administrator reference {reference}", status=500))
