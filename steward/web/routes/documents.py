"""Controlled documents: the list, one document with its signatures and actions, acknowledging it."""

from __future__ import annotations

from fastapi import APIRouter, Form, Request

from steward.web.render import page, redirect, unit, write
from workflows import document as docs

router = APIRouter()


@router.get("/documents")
def documents(request: Request):
    return page(request, "documents.html", {"rows": unit(request, docs.listing, page="/documents")})


@router.get("/documents/{number}")
def document(request: Request, number: str):
    files = request.app.state.ctx.files
    return page(request, "document.html", unit(request, lambda s, a: docs.view(s, a, number, files),
                                               page="/documents"))


@router.post("/documents/{number}/ack")
def acknowledge(request: Request, number: str, csrf_token: str = Form("")):
    write(request, csrf_token, lambda s, a: docs.acknowledge(s, a, docs.get_revision(s, a, number)))
    return redirect(request, f"/documents/{number}")
