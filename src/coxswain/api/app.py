"""The FastAPI application factory: OpenAPI at ``/docs``, routers under ``/api/v1``."""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter, FastAPI
from sqlalchemy import Engine, text

from coxswain import __version__
from coxswain.api.data_version import DataVersion
from coxswain.api.errors import install_error_handlers
from coxswain.api.report_cache import VersionedAnalytics
from coxswain.api.v1 import (
    accounts,
    activities,
    analytics,
    auth,
    forecasts,
    imports,
    leads,
    matching,
    opportunities,
    people,
    routing,
    setup,
    sla,
)
from coxswain.audit.import_jobs import ImportJobs
from coxswain.core.clock import Clock, SystemClock
from coxswain.core.settings import get_settings
from coxswain.forecasting.live import LiveForecasts

API_PREFIX = "/api/v1"
ROUTERS = (
    auth,
    opportunities,
    leads,
    accounts,
    activities,
    people,
    setup,
    analytics,
    forecasts,
    imports,
    routing,
    sla,
    matching,
)
DESCRIPTION = """
Coxswain's REST API. Get a token with `POST /api/v1/auth/token` (form fields `username`,
`password`) and send it as `Authorization: Bearer <token>`.

Every list answers what the caller may see (reps: their own records; managers: their teams'
subtree; sales ops, finance and admins: everything) with `limit`/`offset` paging, filters and
`sort=field,-other`. A record the caller may not see answers 404. Reads of opportunities and
leads carry an `ETag`; send it back as `If-Match` (or the body's `version`): a stale change is
refused (412/409), never silently applied. Errors: `{"error": {"code", "message"}}`.
"""


def create_api(
    engine: Engine, *, clock: Clock | None = None, upload_dir: Path | None = None
) -> FastAPI:
    """A FastAPI app serving the API on ``engine``; adapters add their own routes to it."""
    app = FastAPI(
        title="Coxswain API",
        version=__version__,
        description=DESCRIPTION,
        docs_url="/docs",
        openapi_url="/openapi.json",
        redoc_url=None,
    )
    app.state.engine = engine
    app.state.clock = clock or SystemClock()
    app.state.data_version = DataVersion(engine)
    app.state.analytics = VersionedAnalytics(
        engine.url.render_as_string(hide_password=False),
        version=app.state.data_version,
        clock=app.state.clock,
    )
    app.state.forecasts = LiveForecasts(engine, clock=app.state.clock)
    app.state.import_jobs = ImportJobs(upload_dir or get_settings().data_dir / "uploads")
    install_error_handlers(app)
    v1 = APIRouter(prefix=API_PREFIX)
    for module in ROUTERS:
        v1.include_router(module.router)
    app.include_router(v1)

    @app.get("/health", tags=["health"])
    def health() -> dict[str, str]:
        """Liveness and database reachability."""
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
        return {"status": "ok", "version": __version__}

    return app
