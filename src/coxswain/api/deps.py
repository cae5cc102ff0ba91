"""Request dependencies as ``Annotated`` aliases: ``SessionDep``, ``CurrentUser``, ``ClockDep``.

A request gets one unit of work that commits when the endpoint returns (before the response is
sent, so a client that reads right after a write sees it) and rolls back on any error.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Header, Request
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from coxswain.analytics.live import LiveAnalytics
from coxswain.api.data_version import DataVersion
from coxswain.auth.errors import AuthenticationError
from coxswain.auth.principal import Principal
from coxswain.auth.tokens import principal_from_token
from coxswain.core.clock import Clock
from coxswain.db.engine import unit_of_work
from coxswain.forecasting.live import LiveForecasts


def get_engine(request: Request) -> Engine:
    engine: Engine = request.app.state.engine
    return engine


def get_clock(request: Request) -> Clock:
    clock: Clock = request.app.state.clock
    return clock


READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def get_session(
    request: Request, engine: Annotated[Engine, Depends(get_engine)]
) -> Iterator[Session]:
    """One unit of work per request; a request that may change data declares it (on SQLite
    it then takes the write lock up front rather than failing on a stale snapshot), and once
    it has committed, the cached reports of this process are due for a refresh."""
    write = request.method not in READ_METHODS
    with unit_of_work(engine, write=write) as session:
        yield session
    if write:
        data_version: DataVersion = request.app.state.data_version
        data_version.bump()


def get_analytics(request: Request) -> LiveAnalytics:
    analytics: LiveAnalytics = request.app.state.analytics
    return analytics


def get_forecasts(request: Request) -> LiveForecasts:
    forecasts: LiveForecasts = request.app.state.forecasts
    return forecasts


EngineDep = Annotated[Engine, Depends(get_engine)]
AnalyticsDep = Annotated[LiveAnalytics, Depends(get_analytics)]
ForecastsDep = Annotated[LiveForecasts, Depends(get_forecasts)]
SessionDep = Annotated[Session, Depends(get_session, scope="function")]
ClockDep = Annotated[Clock, Depends(get_clock)]


def bearer_token(authorization: str | None) -> str:
    if not authorization:
        raise AuthenticationError("missing credentials: send 'Authorization: Bearer <token>'")
    scheme, _, token = authorization.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise AuthenticationError("expected 'Authorization: Bearer <token>'")
    return token.strip()


def get_current_user(
    session: SessionDep,
    clock: ClockDep,
    authorization: Annotated[str | None, Header(include_in_schema=False)] = None,
) -> Principal:
    """The caller behind the bearer token (401 without a valid one)."""
    return principal_from_token(session, bearer_token(authorization), now=clock.now())


CurrentUser = Annotated[Principal, Depends(get_current_user)]


def version_from(if_match: str | None, body_version: int | None) -> int | None:
    """The version a change is based on: the ``If-Match`` ETag (``"3"`` or ``W/"3"``) or the
    body's ``version``. A malformed header counts as absent."""
    if if_match:
        raw = if_match.strip().removeprefix("W/").strip('"')
        if raw.isdigit():
            return int(raw)
    return body_version


IfMatch = Annotated[
    str | None,
    Header(description='The ETag you read (e.g. "3"): the change is refused if it is stale.'),
]
