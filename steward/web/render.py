"""What every handler shares: the user's language, rendering a page, running one unit of work as the
signed-in person, and answering a form with a redirect (a plain 303, or ``HX-Redirect`` for htmx)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar
from urllib.parse import quote, urlsplit

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response, StreamingResponse
from fastapi.templating import Jinja2Templates

from steward.context import Context
from steward.web import access, i18n, security
from storage.errors import StewardError
from workflows.engine import clock

T = TypeVar("T")


def lang_of(request: Request) -> str:
    lang = request.session.get("lang") or request.app.state.ctx.settings.language
    return lang if lang in i18n.LANGUAGES else "zh"


def is_htmx(request: Request) -> bool:
    return request.headers.get("hx-request") == "true"


def page(request: Request, name: str, context: dict, status: int = 200) -> HTMLResponse:
    """Render a template in the user's language with the CSRF token, who is signed in and their menu."""
    lang = lang_of(request)
    templates: Jinja2Templates = request.app.state.templates[lang]
    roles = getattr(request.state, "roles", None)
    ctx = {"lang": lang, "csrf": security.csrf_token(request), "user": request.session.get("username"),
           "name": request.session.get("name"), "path": request.url.path,
           "here": request.url.path + (f"?{request.url.query}" if request.url.query else ""),  # kept across a language switch
           "nav": access.nav(roles) if roles is not None else [], **context}
    return templates.TemplateResponse(request, name, ctx, status_code=status)


def pager(request: Request, at) -> dict:
    """Links to the previous and next page of a list, keeping its search and filters."""
    def link(n: int) -> str:
        there = request.url.include_query_params(page=n)
        return f"{there.path}?{there.query}"
    return {"page": at, "prev": link(at.number - 1) if at.number > 1 else None,
            "next": link(at.number + 1) if at.number < at.pages else None}


def export_link(request: Request, path: str) -> str:
    """The list's workbook with the filters on the page (every page of it, so no page number)."""
    there = request.url.replace(path=path).remove_query_params("page")
    return f"{there.path}?{there.query}" if there.query else there.path


def unit(request: Request, fn: Callable[..., T], *, page: str | None = None) -> T:
    """Run ``fn(session, actor)`` as the signed-in person in one transaction; ``page`` names the
    entry of the access table the person must be admitted to."""
    ctx: Context = request.app.state.ctx
    username = request.session.get("username") or "anonymous"
    with ctx.unit_of_work(f"web:{username}") as session:
        actor = security.current_actor(request, session)
        request.state.roles = actor.roles
        if page is not None:
            access.require(actor, page)
        return fn(session, actor)


def write(request: Request, csrf_token: str | None, fn: Callable[..., T]) -> T:
    """A form's change: the CSRF token first, then the use case, which decides who may act."""
    security.check_csrf(request, csrf_token)
    return unit(request, fn)


def redirect(request: Request, url: str) -> Response:
    url = quote(url, safe=":/?#[]@!$&'()*+,;=%")  # a key in the path may be Chinese; a header is latin-1
    if is_htmx(request):  # htmx follows this with a full page load, so the new state is what people see
        here = urlsplit(request.headers.get("hx-current-url", ""))
        there = urlsplit(url)
        if (here.path, here.query) == (there.path, there.query):  # same page: only a reload shows the change
            return Response(status_code=200, headers={"HX-Refresh": "true"})
        return Response(status_code=200, headers={"HX-Redirect": url})
    return RedirectResponse(url, status_code=303)


def local(url: str | None, default: str = "/") -> str:
    """Only a path on this site may be a place to go back to."""
    return url if url and url.startswith("/") and not url.startswith("//") else default


XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def xlsx(title: str, data: bytes) -> Response:
    """A workbook download named for what it holds and today's date."""
    name = quote(f"{title}-{clock.today().isoformat()}.xlsx")
    return Response(data, media_type=XLSX, headers={"Content-Disposition": f"attachment; filename*=UTF-8''{name}"})


def xlsx_stream(title: str, spooled) -> Response:
    """A list's workbook, written to a temporary file inside the reading transaction, sent in pieces."""
    from workflows.engine.exports import chunks
    name = quote(f"{title}-{clock.today().isoformat()}.xlsx")
    return StreamingResponse(chunks(spooled), media_type=XLSX,
                             headers={"Content-Disposition": f"attachment; filename*=UTF-8''{name}"})


def download(data: bytes, name: str, media_type: str, inline: bool = False) -> Response:
    disposition = "inline" if inline else "attachment"
    return Response(data, media_type=media_type,
                    headers={"Content-Disposition": f"{disposition}; filename*=UTF-8''{quote(name)}"})


def word_or_pdf(data: bytes, name: str, fmt: str, request: Request | None = None) -> Response:
    """A generated Word file as it was kept, as PDF through LibreOffice (read inline in the browser), or — given
    the request, and needing nothing installed — as a page to read (``html``, sanitised)."""
    from workflows.engine.rendering import to_pdf, word_as_html
    if fmt == "html" and request is not None:
        return page(request, "engine/word_read.html", {"name": name, "html": word_as_html(data),
                                                       "back": request.url.path.rsplit("/", 1)[0],
                                                       "docx": request.url.path.rsplit(".", 1)[0] + ".docx"})
    if fmt == "docx":
        return download(data, f"{name}.docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document")
    if fmt != "pdf":
        raise StewardError("format", "格式须为 docx 或 pdf", "The format is docx or pdf", status=404)
    pdf = to_pdf(data)
    if pdf is None:
        raise StewardError("no_pdf", "本服务器未安装 LibreOffice，请下载 Word 版", "LibreOffice is not installed on "
                           "this server; download the Word file", status=404)
    return download(pdf, f"{name}.pdf", "application/pdf", inline=True)
