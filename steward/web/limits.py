"""A request body is refused as soon as it is known to be too large: by its Content-Length, or while it
streams in when it has none. Nothing downstream ever sees the first part of an oversized upload."""

from __future__ import annotations

import json
import tempfile

from starlette.types import ASGIApp, Message, Receive, Scope, Send

SLACK = 1 << 20  # form fields and multipart framing around the file itself
CHUNK = 1 << 20


class BodyLimit:
    """``wider`` names the few paths that take more (a year of a plant's meter readings), each with its limit."""

    def __init__(self, app: ASGIApp, max_bytes: int, wider: dict[str, int] | None = None):
        self.app, self.max_bytes, self.wider = app, max_bytes + SLACK, wider or {}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        most = self.wider[scope["path"]] + SLACK if scope["path"] in self.wider else self.max_bytes
        declared = dict(scope["headers"]).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > most:
            return await self._refuse(scope, send, most)
        if declared is None and scope["method"] in ("POST", "PUT", "PATCH"):
            # no length given: read it in, counting, before the app sees any of it; kept on disk past 1 MB, so a
            # 400 MB year of readings sent without a length costs no memory
            spool = tempfile.SpooledTemporaryFile(max_size=CHUNK)  # noqa: SIM115 — closed when the app is done
            try:
                size, more = 0, True
                while more:
                    message = await receive()
                    if message["type"] != "http.request":
                        return
                    chunk = message.get("body", b"")
                    size += len(chunk)
                    if size > most:
                        return await self._refuse(scope, send, most)
                    spool.write(chunk)
                    more = message.get("more_body", False)
                spool.seek(0)
                done = False

                async def replay() -> Message:
                    nonlocal done
                    if done:
                        return await receive()
                    chunk = spool.read(CHUNK)
                    done = spool.tell() >= size
                    return {"type": "http.request", "body": chunk, "more_body": not done}
                return await self.app(scope, replay, send)
            finally:
                spool.close()
        return await self.app(scope, receive, send)

    async def _refuse(self, scope: Scope, send: Send, most: int) -> None:
        limit = (most - SLACK) >> 20
        zh, en = f"上传内容超过上限 {limit} MB，未写入任何数据", f"The upload exceeds the {limit} MB limit; nothing was written"
        if scope["path"].startswith("/api/"):
            body = json.dumps({"code": "too_large", "zh": zh, "en": en, "field": "file", "details": []},
                              ensure_ascii=False).encode()
            kind = b"application/json"
        else:
            body = (f"<!doctype html><meta charset=utf-8><title>413</title><main><h2>{zh}</h2><p>{en}</p>"
                    f"<p><a href=\"/\">返回 Back</a></p></main>").encode()
            kind = b"text/html; charset=utf-8"
        await send({"type": "http.response.start", "status": 413,
                    "headers": [(b"content-type", kind), (b"content-length", str(len(body)).encode()),
                                (b"connection", b"close")]})
        await send({"type": "http.response.body", "body": body})
