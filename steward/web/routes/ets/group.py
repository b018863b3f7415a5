"""The group's carbon-market grid (issue 32): every member plant × the year's months and its annual reports, its
workbook, and a member plant's month and annual report read-only. Included before the month pages, whose ``/ets/{month}`` would
otherwise take ``/ets/group``."""

from __future__ import annotations

from fastapi import APIRouter, Request
from markupsafe import Markup, escape

from accounting import ets_monthly
from steward.web import fields
from steward.web.render import XLSX, download, export_link, lang_of, page, unit, xlsx_stream
from workflows.engine import clock
from workflows.ets import annual
from workflows.ets import group as groups
from workflows.ets import month as months

router = APIRouter()
PAGE = "/ets"


def _year(year: str) -> int:
    return fields.optional_year(year) or ets_monthly.previous_month(clock.today()).year


QUIET = frozenset({"not_listed", "annual_only", "not_due"})  # cells with nothing to open


def grid_rows(lang: str):
    """The grid's rows as HTML, one piece per plant: 12,000 cells through the template's expressions cost several
    times the query; joined here, with every text escaped once, they cost less than reading them. The page's
    template gives the words it translates (verified, late, due)."""
    en = lang == "en"
    months = {c.value: str(escape(c.en if en else c.zh)) for c in groups.Cell}
    reports = {c.value: str(escape(c.en if en else c.zh)) for c in groups.ReportCell}

    def rows_for(done: str, late: str, due: str):
        done, late, due = str(escape(done)), str(escape(late)), str(escape(due))

        def row(p) -> Markup:
            code = escape(p.code)
            base = f"/ets/group/{code}/"
            out = [f'<tr id="p-{code}"><th class="plant" scope="row">'
                   f'{escape((p.name_en or p.name_zh) if en else p.name_zh)}</th>']
            sent = overdue = 0
            for c in p.cells:
                kind = c.cell
                if c.state is None and kind in QUIET:
                    out.append(f'<td class="g-{kind}">{months[kind]}</td>')
                    continue
                out.append(f'<td class="g-{kind}"><a href="{base}{c.key}">{months[kind]}</a></td>')
                sent += kind in ("submitted", "submitted_late")
                overdue += kind in ("late_unsubmitted", "submitted_late")
            for r in p.reports:
                kind = r.cell.value
                words = reports[kind] if kind in QUIET else f'<a href="{base}reports/{r.year}">{reports[kind]}</a>'
                out.append(f'<td class="r-{kind}{" late" if r.late else ""}" title="{due} {r.deadline}">{words}'
                           f'{f" · {done}" if r.verified else ""}{f" · <strong>{late}</strong>" if r.late else ""}</td>')
            out.append(f'<td class="num">{sent}</td><td class="num">{overdue}</td></tr>')
            return Markup("".join(out))
        return row
    return rows_for


@router.get("/ets/group.xlsx")
def export(request: Request, year: str = "", state: str = "", q: str = ""):
    chosen = _year(year)
    title, out = unit(request, lambda s, a: groups.export(s, a, lang_of(request), chosen, state=state, q=q), page=PAGE)
    return xlsx_stream(title, out)


@router.get("/ets/group")
def grid(request: Request, year: str = "", state: str = "", q: str = ""):
    chosen = _year(year)

    def read(s, a):
        shown = groups.grid(s, a, chosen, state=state, q=q)
        return {**shown, "export": export_link(request, "/ets/group.xlsx"),
                "rows_for": grid_rows(lang_of(request))}
    return page(request, "ets/group.html", unit(request, read, page=PAGE))


@router.get("/ets/group/{code}/{month}")
def member_month(request: Request, code: str, month: str):
    when = months.parse_month(month)
    return page(request, "ets/group_month.html",
                unit(request, lambda s, a: groups.member_month(s, a, code, when), page=PAGE))


@router.get("/ets/group/{code}/reports/{year}")
def member_report(request: Request, code: str, year: fields.Year):
    return page(request, "ets/report.html",
                unit(request, lambda s, a: groups.member_report(s, a, code, year), page=PAGE))


@router.get("/ets/group/{code}/reports/{year}/report.xlsx")
def member_report_workbook(request: Request, code: str, year: fields.Year):
    stem, data = unit(request, lambda s, a: groups.member_workbook(s, a, code, year), page=PAGE)
    return download(data, f"{stem}.xlsx", XLSX)


@router.get("/ets/group/{code}/reports/{year}/report.docx")
def member_report_word(request: Request, code: str, year: fields.Year):
    ctx = request.app.state.ctx
    name, data = unit(request, lambda s, a: groups.member_word(s, a, code, year, ctx.files), page=PAGE)
    return download(data, name, annual.DOCX)
