"""The workbench in a browser: a Starlette (ASGI) application over one database, run by uvicorn (`chithi serve`).

Pages (built from the Jinja2 templates of pipeline/templates, the same ones the static pages use):

- ``/`` the stored documents, with the filters of `chithi docs` (type, issuer, issued since/until, warning, review
  status);
- ``/doc/{doc_id}`` the review page of one document (its text, page images, every value beside its source) where
  accept, reject, correct and fill are saved to the database at once, with the reviewer's name, the time and a note;
  ``/doc/{doc_id}/history`` every decision stored on it;
- ``/deadlines`` the timeline of deadlines by lead unit, ``/search`` full-text search; both link to the documents.

Writes (``POST /api/doc/{doc_id}/decisions``) are safe against cross-site requests: they need the page's CSRF token
in the ``X-Chithi-CSRF`` header (a custom header: a form on another site cannot send it, and a script on another site
cannot read the token), an ``Origin`` (when the browser sends one) of this server, and no ``Sec-Fetch-Site:
cross-site``; on 127.0.0.1 every request needs a ``Host`` naming this server (against DNS rebinding). Bound to
any address but 127.0.0.1 / ::1 / localhost the server needs an access token: every write must carry it
(``Authorization: Bearer TOKEN``, or the ``chithi_token`` cookie, HttpOnly and SameSite=Strict, that
``/?token=TOKEN`` sets).

Two reviewers on one document never lose each other's decisions: a write sends only the items it decides, and the
store keeps decisions per item in one transaction (:meth:`pipeline.store.Store.apply_decisions`); the answer is
every decision in force, so each page shows the others' decisions too.
"""
from __future__ import annotations

import hmac
import json
import secrets
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode

LOCAL_HOSTS = ("127.0.0.1", "::1", "localhost")
MAX_BODY = 256 * 1024          # a decisions request is a few hundred bytes; refuse anything much larger
MAX_DECISIONS = 500
MAX_TEXT = 2000                # a value or a note
PAGE_SIZE = 200                # documents on one page of the list
SEARCH_LIMIT = 50


@dataclass
class Settings:
    db: Path
    host: str = "127.0.0.1"
    port: int = 8765
    token: str | None = None
    csrf: str = field(default_factory=lambda: secrets.token_urlsafe(32))
    today: str | None = None          # the date deadlines are compared with (tests); default: today

    @property
    def local(self) -> bool:
        return self.host in LOCAL_HOSTS

    def hosts(self) -> set[str]:
        """The Host headers this server answers to."""
        names = {self.host} | (set(LOCAL_HOSTS) if self.local else set())
        out = set()
        for n in names:
            n = f"[{n}]" if ":" in n else n
            out |= {n, f"{n}:{self.port}"}
        return out


def is_local(host: str) -> bool:
    return host in LOCAL_HOSTS


def create_app(settings: Settings):
    """The ASGI application serving ``settings.db``."""
    from starlette.applications import Starlette
    from starlette.middleware import Middleware
    from starlette.requests import Request
    from starlette.responses import HTMLResponse, JSONResponse, PlainTextResponse, RedirectResponse, Response
    from starlette.routing import Route

    from pipeline.core.errors import ChithiError
    from pipeline.store import Store

    if not settings.local and not settings.token:
        raise ValueError("a server on another address than 127.0.0.1 needs a token")

    def store() -> Store:
        return Store(settings.db, create=False)

    def html(body: str, status: int = 200) -> HTMLResponse:
        r = HTMLResponse(body, status_code=status)
        r.headers["Content-Security-Policy"] = ("default-src 'none'; img-src 'self' data:; style-src 'unsafe-inline'; "
                                                "script-src 'unsafe-inline'; connect-src 'self'; form-action 'self'; "
                                                "frame-ancestors 'none'; base-uri 'none'")
        r.headers["X-Content-Type-Options"] = "nosniff"
        r.headers["Referrer-Policy"] = "same-origin"
        return r

    def nav(request: Request, active: str) -> dict[str, Any]:
        return {"active": active, "home": "/", "deadlines": "/deadlines", "search": "/search",
                "db": settings.db.name, "write_ok": settings.local or _has_token(request)}

    def _has_token(request: Request) -> bool:
        if not settings.token:
            return True
        given = request.headers.get("authorization", "")
        given = given[7:] if given.lower().startswith("bearer ") else request.cookies.get("chithi_token", "")
        return bool(given) and hmac.compare_digest(given.encode(), settings.token.encode())

    def error_page(request: Request, status: int, message: str, hint: str = "") -> HTMLResponse:
        from pipeline.exports.templating import render

        return html(render("serve_error.html.j2", nav=nav(request, ""), status=status, message=message, hint=hint),
                    status)

    # -- pages ------------------------------------------------------------------------------------------------

    def documents(request: Request) -> Response:
        from pipeline.lang.labels import doc_type_label, labels
        from pipeline.exports.templating import render

        q = request.query_params
        if q.get("token"):  # /?token=TOKEN: the browser keeps it (HttpOnly, SameSite=Strict) for the writes
            resp = RedirectResponse("/", status_code=303)
            if settings.token and hmac.compare_digest(q["token"].encode(), settings.token.encode()):
                resp.set_cookie("chithi_token", settings.token, httponly=True, samesite="strict", path="/")
            return resp
        f = {k: (q.get(k) or "").strip() for k in ("type", "issuer", "since", "until", "warning", "review")}
        problems = []
        since = _day(f["since"], "từ ngày · since", problems)
        until = _day(f["until"], "đến ngày · until", problems)
        with store() as s:
            docs = s.documents(doc_type=f["type"] or None, issuer=f["issuer"] or None, since=since, until=until,
                               review=f["review"] or None, warning=f["warning"] or None)
            types = [r[0] for r in s.db.execute("SELECT DISTINCT doc_type FROM documents WHERE doc_type IS NOT NULL "
                                                "ORDER BY doc_type")]
            codes = sorted({w["code"] for (ws,) in s.db.execute("SELECT warnings FROM documents")
                            for w in json.loads(ws or "[]")})
        known = set(labels().doc_types) | set(types)
        if f["type"] and _type_code(f["type"]) not in known:
            problems.append(f"loại văn bản không có: {f['type']!r}")
        return html(render("serve_docs.html.j2", nav=nav(request, "docs"), docs=docs[:PAGE_SIZE], total=len(docs),
                           f=f, types=[(t, doc_type_label(t)) for t in types], codes=codes,
                           reviews=("unreviewed", "in_review", "reviewed"), problems=problems,
                           type_label=doc_type_label))

    def document(request: Request) -> Response:
        from pipeline.exports.review import render_review
        from schemas.record import DirectiveRecord

        doc_id = request.path_params["doc_id"]
        with store() as s:
            row = s.db.execute("SELECT record, extracted FROM documents WHERE doc_id = ?", (doc_id,)).fetchone()
            if row is None:  # /doc/2dd379aa, /doc/01%2FCT-UBND: a prefix, số ký hiệu or path names it
                found = s.find(doc_id)
                if len(found) == 1:
                    return RedirectResponse(f"/doc/{quote(found[0][0])}", status_code=302)
                return error_page(request, 404 if not found else 400, f"{doc_id}: " + (
                    "không có văn bản này · no such document" if not found
                    else f"{len(found)} văn bản · names {len(found)} documents"))
            text = s.text(doc_id)
        review = json.loads(row[0]).get("review")
        record = DirectiveRecord.model_validate(json.loads(row[1] or row[0]) | {"review": None})
        base = f"/doc/{quote(doc_id)}"
        page = render_review(None, record, text or "", None, stored_review=review, server={
            "decide": f"/api/doc/{quote(doc_id)}/decisions", "csrf": settings.csrf, "home": "/",
            "deadlines": "/deadlines", "search": "/search", "history": base + "/history"})
        return html(page)

    def history(request: Request) -> Response:
        from pipeline.store.decisions import fillable, reviewable
        from pipeline.store import label
        from pipeline.exports.templating import render

        doc_id = request.path_params["doc_id"]
        with store() as s:
            row = s.db.execute("SELECT number, subject, path, record, extracted FROM documents WHERE doc_id = ?",
                               (doc_id,)).fetchone()
            if row is None:
                return error_page(request, 404, f"{doc_id}: không có văn bản này · no such document")
            rows = s.review_history(doc_id)
        rec = json.loads(row[4] or row[3])
        known = reviewable(rec) | fillable(rec)
        return html(render("serve_history.html.j2", nav=nav(request, ""), doc_id=doc_id,
                           doc_name=label(row[0], row[1], row[2]), rows=rows[::-1], known=known,
                           review=json.loads(row[3]).get("review")))

    def deadlines(request: Request) -> Response:
        from pipeline.exports.timeline import render_timeline

        q = request.query_params
        problems: list[str] = []
        today = _day(q.get("today", ""), "hôm nay · today", problems) or settings.today or date.today().isoformat()
        lo = _day(q.get("from", ""), "từ · from", problems)
        hi = _day(q.get("to", ""), "đến · to", problems)
        unit = (q.get("unit") or "").strip() or None
        with store() as s:
            rows = s.deadlines(lo, hi, unit, today=today)
        return html(render_timeline(rows, today, served={
            "nav": nav(request, "deadlines"), "link": lambda r: f"/doc/{quote(r['doc_id'])}#mark-{r['deadline_id']}",
            "f": {"from": q.get("from", ""), "to": q.get("to", ""), "unit": unit or "", "today": q.get("today", "")},
            "problems": problems}))

    def search(request: Request) -> Response:
        from pipeline.store import KINDS
        from pipeline.exports.templating import render

        q = (request.query_params.get("q") or "").strip()
        kind = request.query_params.get("kind") or None
        hits, total, more, problem = [], 0, False, ""
        if kind not in (None, *KINDS):
            problem, kind = f"loại không có: {kind!r} (có: {', '.join(KINDS)})", None
        if q:
            try:
                with store() as s:
                    hits, total, more = s.search_page(q, kind=kind, limit=SEARCH_LIMIT)
            except ChithiError as e:
                problem = e.one_line()
        return html(render("serve_search.html.j2", nav=nav(request, "search"), q=q, kind=kind or "", kinds=KINDS,
                           hits=hits, total=total, more=more, problem=problem, marked=_marked,
                           marks={"accept": "✓", "correct": "✎"},
                           link=lambda h: f"/doc/{quote(h.doc_id)}" + (f"#mark-{h.item}" if h.item and
                                                                        h.kind != "document" else "")))

    # -- writes -----------------------------------------------------------------------------------------------

    async def decide(request: Request) -> Response:
        refused = _refuse_write(request)
        if refused:
            return JSONResponse({"error": refused[1]}, status_code=refused[0])
        declared = request.headers.get("content-length", "0")
        if not declared.isdigit() or int(declared) > MAX_BODY:
            return JSONResponse({"error": "request too large"}, status_code=413)
        raw = await request.body()
        if len(raw) > MAX_BODY:
            return JSONResponse({"error": "request too large"}, status_code=413)
        try:
            data = json.loads(raw.decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError):
            return JSONResponse({"error": "the body is not JSON"}, status_code=400)
        from starlette.concurrency import run_in_threadpool

        return await run_in_threadpool(_store_decisions, request.path_params["doc_id"], data)

    def _store_decisions(doc_id: str, data: Any) -> Response:
        from pipeline.store.decisions import fillable, reviewable

        if not isinstance(data, dict) or not isinstance(data.get("decisions"), list):
            return JSONResponse({"error": "give {reviewer, decisions: [...]}"}, status_code=400)
        reviewer = " ".join(str(data.get("reviewer") or "").split())[:100]
        if not reviewer:
            return JSONResponse({"error": "give the reviewer's name"}, status_code=400)
        if not 0 < len(data["decisions"]) <= MAX_DECISIONS:
            return JSONResponse({"error": f"give 1 to {MAX_DECISIONS} decisions"}, status_code=400)
        with store() as s:
            row = s.db.execute("SELECT record, extracted FROM documents WHERE doc_id = ?", (doc_id,)).fetchone()
            if row is None:
                return JSONResponse({"error": f"{doc_id}: no such document"}, status_code=404)
            rec = json.loads(row[1] or row[0])
            values, blanks = reviewable(rec), fillable(rec)
            when = datetime.now(timezone.utc).isoformat(timespec="milliseconds")
            clean = []
            for d in data["decisions"]:
                if not isinstance(d, dict):
                    return JSONResponse({"error": "a decision is an object"}, status_code=400)
                item, decision = d.get("item"), d.get("decision")
                if item not in values and item not in blanks:
                    return JSONResponse({"error": f"{item!r}: no such value in {doc_id}"}, status_code=400)
                if decision not in ("accept", "reject", "correct", "clear") or (
                        item in blanks and decision not in ("correct", "clear")):
                    return JSONResponse({"error": f"{item}: decision {decision!r} is not one of "
                                                  + ("correct, clear" if item in blanks
                                                     else "accept, reject, correct, clear")}, status_code=400)
                value = " ".join(str(d.get("value") or "").split())
                if decision == "correct" and not value:
                    return JSONResponse({"error": f"{item}: a correction needs its value"}, status_code=400)
                note = str(d.get("note") or "").strip()
                if len(value) > MAX_TEXT or len(note) > MAX_TEXT:
                    return JSONResponse({"error": f"{item}: value or note longer than {MAX_TEXT}"}, status_code=400)
                clean.append({"item": item, "decision": decision, "value": value or None, "note": note or None,
                              "reviewer": reviewer, "decided_at": when})
            review = s.apply_decisions(doc_id, clean)
            current = s.reviews(doc_id)
        return JSONResponse({"review": {k: v for k, v in review.items() if k != "decisions"},
                             "decisions": [{k: v for k, v in d.items() if k != "applied_at"} for d in current]})

    def _refuse_write(request: Request) -> tuple[int, str] | None:
        """(status, reason) when a write must be refused: a cross-site request, or no token where one is needed."""
        site = request.headers.get("sec-fetch-site")
        if site and site not in ("same-origin", "none"):
            return 403, f"cross-site request refused (Sec-Fetch-Site: {site})"
        origin = request.headers.get("origin")
        if origin is not None and origin != f"{request.url.scheme}://{request.headers.get('host', '')}":
            return 403, f"cross-site request refused (Origin {origin})"
        given = request.headers.get("x-chithi-csrf", "")
        if not given or not hmac.compare_digest(given.encode(), settings.csrf.encode()):
            return 403, "missing or wrong CSRF token: reload the page"
        if not _has_token(request):
            return 401, "this server needs its access token for writes: open /?token=TOKEN first"
        return None

    # -- the application ---------------------------------------------------------------------------------------

    class HostCheck:
        """On 127.0.0.1, refuse requests for another Host than this server's: a page of another site whose name
        was rebound to 127.0.0.1 cannot read or write (DNS rebinding). Bound to a network address, clients name
        the machine as they know it, and the token guards the writes."""

        def __init__(self, app):
            self.app = app
            self.allowed = settings.hosts()

        async def __call__(self, scope, receive, send):
            if scope["type"] == "http":
                host = dict(scope["headers"]).get(b"host", b"").decode("latin-1")
                if host not in self.allowed:
                    await PlainTextResponse(f"unknown host {host!r}", status_code=421)(scope, receive, send)
                    return
            await self.app(scope, receive, send)

    async def failed(request: Request, exc: Exception) -> Response:
        if isinstance(exc, ChithiError):
            return error_page(request, 500, exc.one_line())
        raise exc

    routes = [
        Route("/", documents),
        Route("/doc/{doc_id:str}/history", history),
        Route("/doc/{doc_id:path}", document),
        Route("/deadlines", deadlines),
        Route("/search", search),
        Route("/api/doc/{doc_id:str}/decisions", decide, methods=["POST"]),
    ]
    return Starlette(routes=routes, middleware=[Middleware(HostCheck)] if settings.local else [],
                     exception_handlers={ChithiError: failed})


def _day(s: str, what: str, problems: list[str]) -> str | None:
    from pipeline.core.textutil import day_date

    s = (s or "").strip()
    if not s:
        return None
    d = day_date(s)
    if d is None:
        problems.append(f"{what}: không đọc được ngày {s!r} (YYYY-MM-DD hoặc D/M/YYYY)")
    return d


def _marked(snippet: str):
    """A search snippet as HTML: its «matches» in bold, the rest escaped."""
    import re

    from markupsafe import Markup, escape

    return Markup(re.sub(r"«([^«»]*)»", r"<b>\1</b>", str(escape(snippet))))


def _type_code(s: str) -> str:
    from pipeline.core.textutil import doc_type_code

    return doc_type_code(s)


def url(host: str, port: int) -> str:
    h = f"[{host}]" if ":" in host else host
    return f"http://{h}:{port}/"


def query(**kw: str) -> str:
    return urlencode({k: v for k, v in kw.items() if v})
