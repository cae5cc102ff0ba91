"""The composition root: one ASGI app serving the web pages, the REST API and static files.

``serve`` is what ``coxswain serve`` and ``coxswain demo`` call.
"""

from __future__ import annotations

import threading
import webbrowser
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from sqlalchemy import Engine
from starlette.exceptions import HTTPException as StarletteHTTPException

from coxswain.api.app import API_PREFIX, create_api
from coxswain.api.errors import NOT_FOUND, SEE_OTHER, coxswain_error_handler, status_for
from coxswain.core.clock import Clock
from coxswain.core.errors import CoxswainError
from coxswain.db.engine import make_engine
from coxswain.web import filters
from coxswain.web.deps import TEMPLATES, LoginRequired, login_url, render
from coxswain.web.headers import SecurityHeaders
from coxswain.web.pages import (
    admin,
    analytics,
    auth,
    dashboard,
    forecast,
    imports,
    leads,
    pipeline,
    routing,
)

STATIC_DIR = Path(__file__).parent / "static"
PAGE_ROUTERS = (auth, dashboard, analytics, forecast, pipeline, leads, routing, imports, admin)


def _is_api(request: Request) -> bool:
    return request.url.path.startswith((API_PREFIX, "/openapi.json", "/docs", "/health"))


async def _login_redirect(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, LoginRequired)
    target = login_url(exc.next_path)
    if request.headers.get("hx-request"):
        return Response(status_code=204, headers={"HX-Redirect": target})
    return RedirectResponse(target, status_code=SEE_OTHER)


async def _error_page(request: Request, exc: Exception) -> Response:
    if _is_api(request):
        return await coxswain_error_handler(request, exc)
    assert isinstance(exc, CoxswainError)
    code = status_for(exc, request)
    response: Response = render(
        request, "error.html", None, status_code=code, message=str(exc), code=code
    )
    return response


async def _not_found_page(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, StarletteHTTPException)
    if _is_api(request) or exc.status_code != NOT_FOUND:
        return JSONResponse(
            {"detail": exc.detail}, status_code=exc.status_code, headers=exc.headers
        )
    response: Response = render(
        request,
        "error.html",
        None,
        status_code=NOT_FOUND,
        message="There is no such page.",
        code=NOT_FOUND,
    )
    return response


async def _invalid_form(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, RequestValidationError)
    errors = [{k: v for k, v in e.items() if k != "ctx"} for e in exc.errors()]
    if _is_api(request):
        return JSONResponse({"detail": errors}, status_code=422)
    first = errors[0] if errors else {"loc": ["form"], "msg": "invalid"}
    message = f"{first['loc'][-1]}: {first['msg']}"
    response: Response = render(
        request, "error.html", None, status_code=422, message=message, code=422
    )
    return response


def create_app(
    engine: Engine, *, clock: Clock | None = None, upload_dir: Path | None = None
) -> FastAPI:
    """The whole application on ``engine``: API under /api/v1 (docs at /docs) and the pages."""
    app = create_api(engine, clock=clock, upload_dir=upload_dir)
    filters.register(TEMPLATES.env)
    for module in PAGE_ROUTERS:
        app.include_router(module.router)
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    app.add_exception_handler(LoginRequired, _login_redirect)
    app.add_exception_handler(CoxswainError, _error_page)
    app.add_exception_handler(StarletteHTTPException, _not_found_page)
    app.add_exception_handler(RequestValidationError, _invalid_form)

    app.add_middleware(SecurityHeaders)
    return app


def serve(
    database_url: str,
    host: str = "127.0.0.1",
    port: int = 8000,
    open_browser: bool = False,
    workers: int = 1,
) -> None:
    """Serve the app with uvicorn until interrupted; optionally open the dashboard.

    ``workers`` > 1 runs that many processes (each with its own connection pool).
    """
    import os

    import uvicorn

    if open_browser:
        url = f"http://{'127.0.0.1' if host in ('0.0.0.0', '::') else host}:{port}/"
        threading.Timer(1.5, webbrowser.open, args=(url,)).start()
    if workers > 1:
        os.environ["COXSWAIN_DATABASE_URL"] = database_url
        uvicorn.run(
            "coxswain.web.server:app_from_env",
            host=host,
            port=port,
            workers=workers,
            factory=True,
            log_level="warning",
            access_log=False,
        )
        return
    app = create_app(
        make_engine(database_url, pool_size=10, max_overflow=10)
        if not database_url.startswith("sqlite")
        else make_engine(database_url)
    )
    uvicorn.run(app, host=host, port=port, log_level="warning", access_log=False)


def app_from_env() -> FastAPI:
    """App factory for multi-worker uvicorn (reads ``COXSWAIN_DATABASE_URL``)."""
    from coxswain.core.settings import get_settings

    url = get_settings().database_url
    engine = (
        make_engine(url)
        if url.startswith("sqlite")
        else make_engine(url, pool_size=10, max_overflow=10)
    )
    return create_app(engine)
