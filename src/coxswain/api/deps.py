"""Request dependencies as ``Annotated`` aliases: ``SessionDep``, ``CurrentUser``, ``ClockDep``.

A request gets one unit of work that commits when the endpoint returns (before the response is
sent, so a client that reads right after a write sees it) and rolls back on any error.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import Depends, Header, Request
from fastapi.concurrency import run_in_threadpool
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from coxswain.analytics.live import LiveAnalytics
from coxswain.api.data_version import DataVersion
from coxswain.auth.errors import AuthenticationError
from coxswain.auth.principal import Principal
from coxswain.auth.tokens import cached_principal, principal_from_token
from coxswain.core.clock import Clock
from coxswain.db.engine import unit_of_work
from coxswain.forecasting.live import LiveForecasts

# Dependencies that do no I/O are ``async def``: FastAPI runs a plain ``def`` dependency in
# the thread pool, and each such hand-off costs more CPU than these functions themselves.


async def get_engine(request: Request) -> Engine:
    engine: Engine = request.app.state.engine
    return engine


async def get_clock(request: Request) -> Clock:
    clock: Clock = request.app.state.clock
    return clock


READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


async def get_session(
    request: Request, engine: Annotated[Engine, Depends(get_engine)]
) -> AsyncIterator[Session]:
    """One unit of work per request.

    A read opens its session on the event loop (no I/O until the first query, which runs in
    the endpoint's thread) and commits it there (a read's COMMIT never waits for a lock). A
    request that may change data declares it (on SQLite it then takes the write lock up front
    rather than failing on a stale snapshot), begins and commits in the thread pool since
    either may wait for a lock, and once it has committed, the cached reports of this process
    are due for a refresh.
    """
    if request.method in READ_METHODS:
        with unit_of_work(engine) as session:
            yield session
        return
    manager = unit_of_work(engine, write=True)
    session = await run_in_threadpool(manager.__enter__)
    try:
        yield session
    except BaseException as exc:
        await run_in_threadpool(manager.__exit__, type(exc), exc, exc.__traceback__)
        raise
    await run_in_threadpool(manager.__exit__, None, None, None)
    data_version: DataVersion = request.app.state.data_version
    data_version.bump()


async def get_analytics(request: Request) -> LiveAnalytics:
    analytics: LiveAnalytics = request.app.state.analytics
    return analytics


async def get_forecasts(request: Request) -> LiveForecasts:
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


async def get_current_user(
    session: SessionDep,
    clock: ClockDep,
    authorization: Annotated[str | None, Header(include_in_schema=False)] = None,
) -> Principal:
    """The caller behind the bearer token (401 without a valid one); a token resolved a moment
    ago is answered from memory, otherwise the database is asked from the thread pool."""
    secret = bearer_token(authorization)
    now = clock.now()
    known = cached_principal(session, secret, now=now)
    if known is not None:
        return known
    return await run_in_threadpool(principal_from_token, session, secret, now=now)


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
