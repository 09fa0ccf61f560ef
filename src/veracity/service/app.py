"""The web service: an upload page, a JSON check API, HTML reports, and the resolver API.

``create_app(config)`` builds the FastAPI application; ``veracity serve`` runs it with
uvicorn. Uploads go to a private temporary folder under a fixed name, are size-limited,
and are deleted when the request ends.
"""

from __future__ import annotations

import contextlib
import importlib.resources
import json
import logging
import re
import tempfile
import threading
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

from fastapi import FastAPI, File, HTTPException, Request, UploadFile
from fastapi.responses import HTMLResponse, JSONResponse
from fastapi.staticfiles import StaticFiles

from veracity import __version__
from veracity.check import check_file
from veracity.errors import LimitExceededError, VeracityError
from veracity.report import build_item, render_report
from veracity.results import to_json
from veracity.service.body_limit import BodyLimitMiddleware
from veracity.service.components import component_status, open_resolver
from veracity.service.config import ServiceConfig
from veracity.service.reports import ReportCache
from veracity.service.uploads import display_name, save_upload

__all__ = ["create_app"]

_LOG = logging.getLogger(__name__)


# The page and reports load nothing from elsewhere; reports carry only inline CSS/images.
_PAGE_CSP = "default-src 'self'; img-src 'self' data: blob:; frame-src 'self'; object-src 'none'"
_REPORT_CSP = "default-src 'none'; img-src data:; style-src 'unsafe-inline'; frame-ancestors 'self'"
# Routes that take a media file as their body; every other route gets a small body limit.
_UPLOAD_PATHS = ("/api/check", "/matches/byContent")
_SECURITY_HEADERS = {"X-Content-Type-Options": "nosniff", "Referrer-Policy": "no-referrer"}


def _error(status: int, message: str) -> JSONResponse:
    return JSONResponse({"error": message}, status_code=status, headers=_SECURITY_HEADERS)


def _scrub(message: str, folder: Path, name: str) -> str:
    """Put the client's name in place of the server's temporary path in a message."""
    message = re.sub(re.escape(str(folder)) + r"/upload(\.[a-z0-9]+)?", lambda _: name, message)
    return message.replace(str(folder), "")


def _check_upload(app: FastAPI, upload: UploadFile) -> JSONResponse:
    config: ServiceConfig = app.state.config
    name = display_name(upload.filename)
    with tempfile.TemporaryDirectory(prefix="veracity-upload-") as tmp:
        folder = Path(tmp)
        try:
            path = save_upload(upload.file, folder, upload.filename, config.max_upload_bytes)
            evidence = folder / "evidence"
            with app.state.check_slots:
                result = check_file(path, config.check, evidence_dir=evidence, display_name=name)
                html = render_report([build_item(result, path)], title=f"Veracity report: {name}")
        except LimitExceededError as exc:
            return _error(413, _scrub(str(exc), folder, name))
        except VeracityError as exc:
            return _error(503 if exc.exit_code == 3 else 400, _scrub(str(exc), folder, name))
    token = app.state.reports.add(html)
    # Evidence files lived in the request's temporary folder; do not leak its path.
    body: dict[str, Any] = json.loads(to_json(result).replace(str(folder) + "/", ""))
    body["report_url"] = f"/reports/{token}"
    return JSONResponse(body, headers=_SECURITY_HEADERS)


async def _internal_error(request: Request, exc: Exception) -> JSONResponse:
    """A bug answers JSON like every other API error, not an HTML or text page."""
    _LOG.error("unhandled error on %s", request.url.path, exc_info=exc)
    return _error(500, f"internal error ({type(exc).__name__}); see the server log")


def _add_routes(app: FastAPI) -> None:
    @app.get("/", response_class=HTMLResponse, include_in_schema=False)
    def index() -> HTMLResponse:
        page = importlib.resources.files("veracity.service").joinpath("static/index.html")
        headers = {**_SECURITY_HEADERS, "Content-Security-Policy": _PAGE_CSP}
        return HTMLResponse(page.read_text(encoding="utf-8"), headers=headers)

    @app.get("/api/health")
    def health() -> dict[str, Any]:
        return {"status": "ok", "version": __version__, "components": component_status()}

    @app.post("/api/check")
    def check(file: UploadFile | None = File(None)) -> JSONResponse:  # noqa: B008
        if file is None:
            return _error(400, "no file uploaded: send it as the multipart form field 'file'")
        return _check_upload(app, file)

    @app.get("/reports/{token}", response_class=HTMLResponse)
    def report(token: str) -> HTMLResponse:
        html = app.state.reports.get(token)
        if html is None:
            raise HTTPException(status_code=404, detail="report not found or expired")
        headers = {**_SECURITY_HEADERS, "Content-Security-Policy": _REPORT_CSP}
        return HTMLResponse(html, headers=headers)


def create_app(config: ServiceConfig | None = None) -> FastAPI:
    """Build the web application.

    Args:
        config: Service configuration (defaults when None).

    Returns:
        A FastAPI app serving ``/`` (upload page), ``POST /api/check``, ``/api/health``,
        ``/reports/{token}``, and the Soft Binding Resolution API when available.
    """
    config = config or ServiceConfig()
    resolver = (
        open_resolver(config.check.store, config.max_upload_bytes)
        if config.mount_resolver
        else None
    )

    @contextlib.asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        yield
        if resolver is not None:
            resolver[1].close()

    app = FastAPI(
        title="Veracity",
        version=__version__,
        docs_url="/api/docs",
        redoc_url=None,
        lifespan=lifespan,
    )
    app.state.config = config
    app.state.reports = ReportCache(config.report_cache)
    app.state.check_slots = threading.BoundedSemaphore(max(1, config.max_concurrent_checks))
    _add_routes(app)
    app.add_exception_handler(Exception, _internal_error)
    static = StaticFiles(packages=[("veracity.service", "static")])
    app.mount("/static", static, name="static")
    if resolver is not None:
        app.include_router(resolver[0])
    app.add_middleware(BodyLimitMiddleware, limit=config.max_upload_bytes, paths=_UPLOAD_PATHS)
    return app
