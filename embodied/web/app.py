"""`embodied serve`: the local web page (Starlette). Pages are jinja2 templates from templates/web/,
the JavaScript is the package's own (templates/web/static/, three.js vendored), nothing is loaded from
the internet. Every route reads the report model through a `ModelSession`; the files it writes are the
folder's embodied.toml and a model's mapping file, through `Workspace`.

Safety: bound to 127.0.0.1 by default; a request for another host is refused (DNS rebinding), and so
is a POST from a page of another origin; an error is one line on the page (the CLI's message), its
traceback only on the server's console.
"""

from __future__ import annotations

import logging
import tempfile
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import asdict
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.middleware import Middleware
from starlette.middleware.base import BaseHTTPMiddleware
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp

from embodied import factors
from embodied.compare import VariantSpec, compare_calculations
from embodied.compare.render import html as compare_html
from embodied.errors import EmbodiedError, InputError
from embodied.pipeline import ReportModel
from embodied.project import form_fields
from embodied.report import DEFAULT_FORMATS, write_reports
from embodied.report.files import Document, write
from embodied.report.render_html import chart_markup
from embodied.report.render_html import html as report_html
from embodied.report.tables import takeoff_document
from embodied.web import pages
from embodied.web.session import ModelSession, Sessions, one_line
from embodied.web.workspace import Workspace

log = logging.getLogger("embodied.serve")
STATIC = pages.WEB / "static"
DOWNLOADS = (*DEFAULT_FORMATS, "lcax")
LOCAL = ("127.0.0.1", "localhost", "::1")
MEDIA = {
    "json": "application/json",
    "lcax": "application/json",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "html": "text/html; charset=utf-8",
    "pdf": "application/pdf",
    "csv": "text/csv; charset=utf-8",
}


class Server:
    """The state of one `embodied serve`: its folder, open models and caches."""

    def __init__(self, workspace: Workspace, cache_dir: Path | None) -> None:
        self.workspace = workspace
        self.sessions = Sessions(workspace, cache_dir)
        self.scene_dir = cache_dir
        self.database = factors.load()

    def session(self, name: str) -> ModelSession:
        """The open model `name`; an InputError for a name that is not a model of the folder."""
        return self.sessions.get(name)


def error_json(error: BaseException, status: int = 400) -> JSONResponse:
    return JSONResponse({"error": one_line(error)}, status_code=status)


def _lang(request: Request) -> str:
    return pages.language(request.query_params.get("lang") or request.cookies.get("lang"))


def _page(request: Request, template: str, **context: Any) -> HTMLResponse:
    lang = _lang(request)
    body = pages.render(template, lang, **context)
    response = HTMLResponse(body)
    if request.query_params.get("lang") in pages.LANGS:
        response.set_cookie("lang", lang, samesite="strict")
    return response


def create_app(
    folder: Path, *, max_upload_mb: int = 512, cache_dir: Path | None = None, hosts: Sequence[str] = ()
) -> Starlette:
    """The web app serving `folder`. `cache_dir`: where take-offs and 3D scenes are kept between
    runs (None: in memory only); `hosts`: names it answers to besides this computer's own."""
    server = Server(Workspace(folder, max_upload_mb * 1024 * 1024), cache_dir)
    ws = server.workspace

    async def respond(
        action: Callable[[], Any], ok: Callable[[Any], Response] = JSONResponse, *, page: str | None = None
    ) -> Response:
        """Run `action` off the event loop and answer `ok(result)`. An error is its one line (a 400 for
        ours, a 500 for any other, whose traceback goes to the console only): JSON, or with `page` (a
        language) the error page."""
        try:
            result = await run_in_threadpool(action)
        except Exception as error:
            code = 400 if isinstance(error, EmbodiedError) else 500
            if page is not None:
                return HTMLResponse(pages.render("error.html", page, message=one_line(error)), code)
            return error_json(error, code)
        return ok(result)

    # --- pages ----------------------------------------------------------------------------------
    async def index(request: Request) -> Response:
        models = await run_in_threadpool(ws.models)
        states = {m.name: server.sessions.state(m.name) for m in models}
        return _page(
            request,
            "index.html",
            folder=ws.root.name,
            models=models,
            states=states,
            max_upload_mb=max_upload_mb,
            settings_exists=ws.settings_path.is_file(),
        )

    async def model_page(request: Request) -> Response:
        name = request.path_params["name"]
        try:
            session = server.session(name)
        except InputError as error:
            return HTMLResponse(pages.render("error.html", _lang(request), message=error.one_line()), 404)
        session.start()
        return _page(
            request, "model.html", name=name, formats=DOWNLOADS, models=[m.name for m in ws.models()]
        )

    async def full_report(request: Request) -> Response:
        def build() -> str:
            report = server.session(request.path_params["name"]).report(_lang(request))
            return report_html(report)

        return await respond(build, HTMLResponse)

    async def fragment(request: Request) -> Response:
        name, part = request.path_params["name"], request.path_params["part"]
        if part not in ("summary", "mapping", "charts"):
            return error_json(InputError(f"no part {part!r}"), 404)

        def build() -> str:
            lang = _lang(request)
            session = server.session(name)
            report = session.report(lang)
            context: dict[str, Any] = {"name": name, "status": session.status()}
            if part == "mapping":
                context["rows"] = pages.editor_rows(report)
            if part == "charts":
                context["charts"] = chart_markup(report)
            return pages.render(f"_{part}.html", lang, report, **context)

        return await respond(build, HTMLResponse)

    async def settings_part(request: Request) -> Response:
        return HTMLResponse(pages.render("_settings.html", _lang(request), **_settings_context(ws)))

    async def element(request: Request) -> Response:
        name, gid = request.path_params["name"], request.path_params["gid"]

        def build() -> str:
            session = server.session(name)
            report = session.report(_lang(request))
            rows = [e for e in report.elements if e.global_id == gid]
            if not rows:
                raise InputError(f"{gid}: no element with this GlobalId in {name}")
            carbon = session.elements().get(gid)
            lines = pages.element_lines(report, session.element_parts(gid))
            return pages.render(
                "_element.html", _lang(request), report, rows=rows, carbon=carbon, lines=lines
            )

        return await respond(build, HTMLResponse)

    # --- API ------------------------------------------------------------------------------------
    async def status(request: Request) -> Response:
        return await respond(lambda: asdict(server.session(request.path_params["name"]).status()))

    async def totals(request: Request) -> Response:
        def build() -> dict[str, Any]:
            return _totals(server.session(request.path_params["name"]).report(_lang(request)))

        return await respond(build)

    async def factor_search(request: Request) -> Response:
        text = request.query_params.get("q", "").strip()[:100]
        found = await run_in_threadpool(pages.search_factors, server.database, text)
        return JSONResponse({"factors": pages.factor_rows(found, _lang(request)), "count": len(found)})

    async def set_mapping(request: Request) -> Response:
        name = request.path_params["name"]
        body = await _json(request)
        if isinstance(body, Response):
            return body

        def save() -> dict[str, Any]:
            session = server.session(name)
            material = str(body.get("material") or "").strip()
            factor_id = str(body.get("factor_id") or "").strip() or None
            if not material:
                raise InputError("mapping: no material given")
            if factor_id is not None and factor_id not in server.database.factors:
                raise InputError(f"mapping: unknown factor id {factor_id!r}", hint="choose one from the list")
            note = f"set in embodied serve {time.strftime('%Y-%m-%d')}"
            path = ws.set_factor(name, material, factor_id, note)
            took = session.recalculate()
            return {"saved": path.name, "recalc_ms": took, **_totals(session.report(_lang(request)))}

        return await respond(save)

    async def save_settings(request: Request) -> Response:
        body = await _json(request)
        if isinstance(body, Response):
            return body

        def save() -> dict[str, Any]:
            if "text" in body:
                ws.save_settings_text(str(body["text"]))
            else:
                fields = body.get("fields")
                if not isinstance(fields, dict):
                    raise InputError("settings: no fields given")
                changes: dict[tuple[str, str], str] = {}
                for key, value in fields.items():
                    section, _, name = str(key).partition(".")
                    if name:
                        changes[(section, name)] = str(value)
                ws.save_settings_fields(changes)
            server.sessions.recalculate_all()
            return {"saved": ws.settings_path.name}

        return await respond(save)

    async def carbon(request: Request) -> Response:
        per = request.query_params.get("per", "total")

        def build() -> dict[str, Any]:
            session = server.session(request.path_params["name"])
            report = session.report(_lang(request))
            values = {gid: c.total_kgco2e for gid, c in session.elements().items()}
            unit = "kgCO2e"
            if per == "m3":
                volumes: dict[str, float] = {}
                for e in report.elements:
                    volumes[e.global_id] = volumes.get(e.global_id, 0.0) + (e.volume_m3 or 0.0)
                values = {g: v / volumes[g] for g, v in values.items() if volumes.get(g)}
                unit = "kgCO2e/m³"
            return {"unit": unit, "values": values}

        return await respond(build)

    async def material_ids(request: Request) -> Response:
        def build() -> dict[str, Any]:
            report = server.session(request.path_params["name"]).report(_lang(request))
            index = int(request.path_params["index"])
            if not 0 <= index < len(report.materials):
                raise InputError(f"no material {index}")
            material = report.materials[index].material
            return {"material": material, "ids": pages.material_elements(report, material)}

        return await respond(build)

    async def scene(request: Request) -> Response:
        def build() -> bytes:
            model = ws.model(request.path_params["name"])
            from embodied.web.scene import scene_bytes  # ifcopenshell.geom: loaded when the 3D view opens

            return scene_bytes(model, server.scene_dir)

        def binary(data: bytes) -> Response:
            return Response(
                data, media_type="application/octet-stream", headers={"Cache-Control": "no-store"}
            )

        return await respond(build, binary)

    async def upload(request: Request) -> Response:
        declared = request.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > ws.max_upload_bytes + 64 * 1024:  # refused unread
            error = InputError(
                f"upload: larger than the upload limit of {max_upload_mb:,} MB",
                hint="serve with a higher --max-upload-mb, or copy the file into the folder",
            )
            return error_json(error, 413)
        try:
            form = await request.form(max_files=1, max_fields=4, max_part_size=1024 * 1024)
        except Exception as error:
            return error_json(InputError(f"upload: not a file upload ({error})"))
        item = form.get("model")
        if item is None or isinstance(item, str):
            return error_json(InputError("upload: no file chosen", hint="choose a .ifc or .ifczip file"))
        filename = item.filename or ""
        try:
            return await respond(
                lambda: ws.upload(filename, item.file),
                lambda name: JSONResponse({"name": name, "url": f"/m/{quote(name)}"}),
            )
        finally:
            await form.close()

    async def download(request: Request) -> Response:
        name, what = request.path_params["name"], request.path_params["what"]

        def build() -> tuple[bytes, str, str]:
            session = server.session(name)
            stem = ws.model(name).stem
            if what == "mapping":
                path = ws.existing_mapping(name)
                if path is None:
                    raise InputError(f"{name}: no mapping file yet", hint="map a material first")
                return path.read_bytes(), path.name, MEDIA["csv"]
            if what == "takeoff":
                return (
                    _document_bytes(takeoff_document(session.ready().match.takeoff), ".xlsx"),
                    (f"{stem}_takeoff.xlsx"),
                    MEDIA["xlsx"],
                )
            if what not in DOWNLOADS:
                raise InputError(
                    f"no download {what!r}", hint="one of " + ", ".join((*DOWNLOADS, "mapping", "takeoff"))
                )
            return _report_bytes(session.report(_lang(request)), stem, what)

        def attachment(file: tuple[bytes, str, str]) -> Response:
            data, filename, media = file
            disposition = f"attachment; filename*=UTF-8''{quote(filename)}"
            return Response(data, media_type=media, headers={"Content-Disposition": disposition})

        return await respond(build, attachment)

    async def reload(request: Request) -> Response:
        def again() -> dict[str, Any]:
            server.session(request.path_params["name"]).start(again=True)
            return {"started": True}

        return await respond(again)

    async def compare_page(request: Request) -> Response:
        names = request.query_params.getlist("m")

        def build() -> str:
            if len(names) < 2:
                raise InputError("compare: choose two or more models")
            specs = [VariantSpec(ws.model(n).stem, ws.model(n), None, ws.existing_mapping(n)) for n in names]
            sessions = [server.session(n) for n in names]
            for session in sessions:
                session.start()
            for session in sessions:
                state = session.wait().state
                if state == "error":
                    raise InputError(session.status().error or f"{session.name}: cannot be calculated")
            return compare_html(compare_calculations(specs, [s.ready() for s in sessions]))

        return await respond(build, HTMLResponse, page=_lang(request))

    routes = [
        Route("/", index),
        Route("/m/{name}", model_page),
        Route("/m/{name}/report.html", full_report),
        Route("/m/{name}/part/{part}", fragment),
        Route("/part/settings", settings_part),
        Route("/m/{name}/element/{gid}", element),
        Route("/m/{name}/download/{what}", download),
        Route("/compare", compare_page),
        Route("/api/m/{name}/status", status),
        Route("/api/m/{name}/totals", totals),
        Route("/api/m/{name}/reload", reload, methods=["POST"]),
        Route("/api/m/{name}/mapping", set_mapping, methods=["POST"]),
        Route("/api/m/{name}/carbon", carbon),
        Route("/api/m/{name}/material/{index:int}", material_ids),
        Route("/api/m/{name}/scene.bin", scene),
        Route("/api/factors", factor_search),
        Route("/api/settings", save_settings, methods=["POST"]),
        Route("/api/upload", upload, methods=["POST"]),
        Route("/favicon.ico", lambda _r: Response(status_code=204)),
        Mount("/static", app=StaticFiles(directory=STATIC), name="static"),
    ]
    app = Starlette(routes=routes, middleware=[Middleware(LocalOnly, hosts=(*LOCAL, *hosts))])
    app.state.server = server
    return app


class LocalOnly(BaseHTTPMiddleware):
    """Requests for this server's own host only (a page of another site that resolves its name to
    127.0.0.1 is refused), and a POST only from this server's own pages."""

    def __init__(self, app: ASGIApp, hosts: Sequence[str]) -> None:
        super().__init__(app)
        self.hosts = frozenset(hosts)

    async def dispatch(
        self, request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        host = (request.headers.get("host") or "").rsplit(":", 1)[0].strip("[]")
        if host not in self.hosts:
            return JSONResponse({"error": f"host {host!r} is not served here"}, status_code=403)
        origin = request.headers.get("origin")
        foreign = origin is not None and urlsplit(origin).netloc != request.headers.get("host")
        if request.method not in ("GET", "HEAD") and foreign:
            return JSONResponse({"error": "a request from another site is refused"}, status_code=403)
        return await call_next(request)


async def _json(request: Request) -> dict[str, Any] | Response:
    try:
        body = await request.json()
    except Exception:
        return error_json(InputError("request: not JSON"))
    return body if isinstance(body, dict) else error_json(InputError("request: not a JSON object"))


def _totals(report: ReportModel) -> dict[str, Any]:
    """The headline figures the page shows after an edit (those of the report's conclusion table)."""
    return {
        "total_kgco2e": report.total_kgco2e,
        "embodied_kgco2e": report.embodied_kgco2e,
        "intensity_kgco2e_per_m2": report.intensity_kgco2e_per_m2,
        "stages": {a.key: a.kgco2e for a in report.stages},
        "mass_fraction_matched": report.coverage.mass_fraction_matched,
        "unmatched": len(report.unmatched),
        "run_id": report.fingerprint.run_id,
    }


def _settings_context(ws: Workspace) -> dict[str, Any]:
    text = ws.settings_text()
    try:
        sections = form_fields(text)
        problem = None
    except EmbodiedError as error:
        sections, problem = form_fields(None), error.one_line()
    return {"sections": sections, "text": text, "problem": problem, "file": ws.settings_path.name}


def _report_bytes(report: ReportModel, stem: str, fmt: str) -> tuple[bytes, str, str]:
    with tempfile.TemporaryDirectory(prefix="embodied-serve-") as tmp:
        (path,) = write_reports(report, Path(tmp), stem, [fmt])
        return path.read_bytes(), path.name, MEDIA[fmt]


def _document_bytes(doc: Document, suffix: str) -> bytes:
    with tempfile.TemporaryDirectory(prefix="embodied-serve-") as tmp:
        path = Path(tmp) / f"table{suffix}"
        write(doc, path)
        return path.read_bytes()


__all__ = ["create_app"]
