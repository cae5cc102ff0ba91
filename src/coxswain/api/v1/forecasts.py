"""``/forecasts``: the period forecast (every method, category roll-up, P10/P50/P90), the
backtest, forecast calls and their roll-up through the team tree, for what the caller sees.

A rep's forecast covers their own deals, a manager's their subtree; sales ops, finance and
admins see everything. Finance is read-only: it may not submit or adjust calls. Forecasts
and backtests are cached for 5 minutes per visibility and query
(``coxswain.forecasting.live``); calls never are.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from fastapi import APIRouter, Query
from pydantic import BaseModel, ConfigDict, Field

from coxswain.api.deps import ClockDep, CurrentUser, ForecastsDep, SessionDep
from coxswain.api.errors import CREATED
from coxswain.api.schemas import ERROR_RESPONSES
from coxswain.auth.principal import Permission
from coxswain.auth.visibility import visible_owner_ids
from coxswain.core.errors import ValidationError
from coxswain.forecasting import calls, rollup
from coxswain.forecasting.engine.forecaster import METHODS
from coxswain.forecasting.schemas import (
    BacktestReport,
    CallAdjust,
    CallRead,
    CallSubmit,
    ForecastReport,
    RollupRow,
)

router = APIRouter(prefix="/forecasts", tags=["forecasts"], responses=ERROR_RESPONSES)

Period = Annotated[str, Query(description="2026-Q4, 2026-11 or 2026", examples=["2026-Q4"])]
Kind = Literal["month", "quarter", "year"]


@router.get("", response_model=ForecastReport)
def forecast(
    session: SessionDep,
    user: CurrentUser,
    forecasts: ForecastsDep,
    period: Annotated[str | None, Query(description="Default: the one containing as-of.")] = None,
    method: Annotated[
        str | None, Query(description=f"Headline method, one of: {', '.join(METHODS)}.")
    ] = None,
    as_of: date | None = None,
    period_kind: Kind = "month",
) -> ForecastReport:
    """Every method's forecast (point, P10/P50/P90) and the category roll-up (closed →
    commit → best case → pipeline, cumulative); ``method`` picks the headline and its deals."""
    user.require(Permission.READ, "read the forecast")
    if method is not None and method not in METHODS:
        raise ValidationError(f"method {method!r}: expected one of {', '.join(METHODS)}")
    return forecasts.forecast(
        visible_owner_ids(session, user),
        period=period,
        method=method,
        as_of=as_of,
        period_kind=period_kind,
    )


@router.get("/backtest", response_model=BacktestReport)
def backtest(
    session: SessionDep,
    user: CurrentUser,
    forecasts: ForecastsDep,
    periods: Annotated[int, Query(ge=1, le=24)] = 6,
    kind: Kind = "month",
) -> BacktestReport:
    """Replay the last ``periods`` complete periods with every method: WAPE, bias and how
    often the actual fell inside P10–P90, per method (the method comparison)."""
    user.require(Permission.READ, "read the forecast backtest")
    return forecasts.backtest(visible_owner_ids(session, user), periods=periods, kind=kind)


class CallIn(BaseModel):
    """The caller's own call for ``period``: amounts in the reporting currency, not
    cumulative; ``team`` (name) when a manager calls for a team they manage."""

    model_config = ConfigDict(extra="forbid")

    period: str
    commit: float = Field(ge=0)
    best_case: float = Field(default=0, ge=0)
    pipeline: float = Field(default=0, ge=0)
    team: str | None = None
    note: str | None = Field(default=None, max_length=500)


class AdjustIn(BaseModel):
    """A manager's adjustment of the latest call of ``user_email`` for ``period``."""

    model_config = ConfigDict(extra="forbid")

    user_email: str
    period: str
    commit: float = Field(ge=0)
    best_case: float = Field(default=0, ge=0)
    pipeline: float = Field(default=0, ge=0)
    reason: str | None = Field(default=None, max_length=500)


@router.get("/calls", response_model=list[CallRead])
def list_calls(session: SessionDep, user: CurrentUser, period: Period) -> list[CallRead]:
    """The effective (latest, adjusted) calls for the period of the people the caller sees."""
    user.require(Permission.READ, "read forecast calls")
    return calls.list_calls(session, period, visible_owner_ids(session, user))


@router.post("/calls", response_model=CallRead, status_code=CREATED)
def submit_call(session: SessionDep, user: CurrentUser, clock: ClockDep, data: CallIn) -> CallRead:
    """Submit the caller's call (a resubmission appends; the latest counts)."""
    user.require(Permission.WRITE_RECORDS, "submit a forecast call")
    submit = CallSubmit(user_email=user.email, **data.model_dump())
    return calls.submit_call(session, submit, clock=clock)


@router.post("/calls/adjust", response_model=CallRead)
def adjust_call(
    session: SessionDep, user: CurrentUser, clock: ClockDep, data: AdjustIn
) -> CallRead:
    """Adjust the latest call of someone in a team the caller manages (422 otherwise)."""
    user.require(Permission.WRITE_RECORDS, "adjust a forecast call")
    adjust = CallAdjust(manager_email=user.email, **data.model_dump())
    return calls.adjust_call(session, adjust, clock=clock)


@router.get("/rollup", response_model=list[RollupRow])
def call_rollup(
    session: SessionDep, user: CurrentUser, clock: ClockDep, period: Period
) -> list[RollupRow]:
    """Per team (parents first): deals by forecast category and the calls, summed over its
    subtree, for the deals and calls the caller sees."""
    user.require(Permission.READ, "read the forecast roll-up")
    return rollup.rollup(
        session,
        period=period,
        today=clock.now().date(),
        owner_ids=visible_owner_ids(session, user),
    )
