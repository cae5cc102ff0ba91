"""The forecast page: the period forecast (every method, P10/P50/P90, category roll-up), the
roll-up of deals and calls through the team tree, and the forms to submit and adjust calls.

The page draws without waiting for the 6-month backtest (about half a minute cold on 8,000
deals): its method-comparison panel loads as an HTMX fragment from ``/forecast/backtest``
once the page is shown. Calls go through the same services as ``POST /api/v1/forecasts/calls``
and ``/calls/adjust`` (finance is read-only; a manager adjusts only their teams' calls); with
HTMX the calls section is re-rendered in place, with the roll-up, a confirmation or the one-
line error; without JavaScript the form posts and redirects back to the page.
"""

from __future__ import annotations

import re
import uuid
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import ValidationError as PydanticValidationError
from sqlalchemy.orm import Session

from coxswain.api.deps import ClockDep, ForecastsDep, SessionDep
from coxswain.api.errors import SEE_OTHER
from coxswain.auth.principal import Permission
from coxswain.auth.sessions import ActiveSession
from coxswain.auth.visibility import visible_owner_ids
from coxswain.core.clock import Clock
from coxswain.core.errors import CoxswainError, ValidationError
from coxswain.currencies.service import reporting_currency
from coxswain.forecasting import calls, rollup
from coxswain.forecasting.engine.forecaster import METHODS
from coxswain.forecasting.errors import NoHistoryError
from coxswain.forecasting.schemas import BacktestReport, CallAdjust, CallSubmit, ForecastReport
from coxswain.people.models import User
from coxswain.web.deps import CsrfSession, WebSession, render
from coxswain.web.pages.dashboard import script_json

router = APIRouter(include_in_schema=False)

PERIOD_KINDS = ("month", "quarter", "year")
BACKTEST_PERIODS = 6
# 12000, 12,000 or 12000.50: at most 13 digits before the point (fits minor units in BIGINT).
AMOUNT = re.compile(r"(?:\d{1,3}(?:,\d{3}){1,4}|\d{1,13})(?:\.\d{1,4})?")


def forecast_chart(report: ForecastReport) -> dict[str, Any]:
    """The P10/P50/P90 band per method and the cumulative category roll-up."""
    banded = [m for m in report.methods if m.p10 is not None and m.p90 is not None]
    return {
        "currency": report.currency,
        "methods": [m.method for m in banded],
        "p10": [m.p10 for m in banded],
        "p50": [m.p50 if m.p50 is not None else m.point for m in banded],
        "p90": [m.p90 for m in banded],
        "points": {m.method: m.point for m in report.methods},
        "categories": [c.category for c in report.categories if c.category != "omitted"],
        "cumulative": [c.cumulative for c in report.categories if c.category != "omitted"],
    }


def _choice(request: Request, name: str, allowed: tuple[str, ...], default: str) -> str:
    value = request.query_params.get(name) or default
    if value not in allowed:
        raise ValidationError(f"filter {name}: expected one of {', '.join(allowed)}")
    return value


def _options(request: Request) -> tuple[str, str]:
    """The period kind and headline method of the page's query string."""
    return (
        _choice(request, "period_kind", PERIOD_KINDS, "quarter"),
        _choice(request, "method", METHODS, "ensemble"),
    )


def _here(kind: str | None, method: str | None) -> str:
    """The page's query string (``?period_kind=…&method=…``), defaults for unknown values."""
    return "?" + urlencode(
        {
            "period_kind": kind if kind in PERIOD_KINDS else "quarter",
            "method": method if method in METHODS else "ensemble",
        }
    )


def calls_context(
    session: Session, web: ActiveSession, clock: Clock, period: str, here: str
) -> dict[str, Any]:
    """What the calls section shows: the roll-up for what the user sees, their own calls,
    and whether they may call (not finance), call for teams or adjust (managers); ``here``
    is the page's query string, kept by the forms."""
    principal = web.principal
    owners = visible_owner_ids(session, principal)
    can_call = principal.can(Permission.WRITE_RECORDS) and principal.user_id is not None
    teams = calls.callable_teams(session, principal.email) if can_call else []
    adjusting = bool(teams) and principal.role in calls.MANAGING_ROLES
    mine = {principal.user_id} if principal.user_id is not None else set()
    return {
        "period": period,
        "here": here,
        "currency": reporting_currency(session),
        "rollup": rollup.rollup(session, period=period, today=clock.now().date(), owner_ids=owners),
        "can_call": can_call,
        "my_calls": calls.list_calls(session, period, mine) if can_call else [],
        "teams": teams,
        "adjustable": calls.adjustable_calls(session, principal.email, period)
        if adjusting
        else None,
    }


# The page forecasts with every method (the chart and the comparison show them all) and
# takes the chosen method's figures as the headline; the fragment reuses the cached run.
@router.get("/forecast")
def forecast_page(
    request: Request,
    session: SessionDep,
    forecasts: ForecastsDep,
    clock: ClockDep,
    web: WebSession,
) -> Response:
    """The forecast, charts and calls; the backtest panel follows as a fragment."""
    web.principal.require(Permission.READ, "view the forecast")
    kind, method = _options(request)
    owners = visible_owner_ids(session, web.principal)
    try:
        report = forecasts.forecast(owners, period_kind=kind)
    except NoHistoryError as exc:
        return render(request, "forecast.html", web, active="forecast", empty=str(exc))
    headline = next(m for m in report.methods if m.method == method)
    here = _here(kind, method)
    return render(
        request, "forecast.html", web, active="forecast", report=report, headline=headline,
        kind=kind, kinds=PERIOD_KINDS, methods=METHODS, pending=True,
        backtest_url="/forecast/backtest" + here, chart_json=script_json(forecast_chart(report)),
        message=request.query_params.get("message"), error=request.query_params.get("error"),
        **calls_context(session, web, clock, report.period, here),
    )  # fmt: skip


@router.get("/forecast/backtest")
def backtest_fragment(
    request: Request, session: SessionDep, forecasts: ForecastsDep, web: WebSession
) -> Response:
    """The method-comparison panel with the 6-month backtest (an HTMX fragment)."""
    web.principal.require(Permission.READ, "view the forecast backtest")
    kind, _method = _options(request)
    owners = visible_owner_ids(session, web.principal)
    report = forecasts.forecast(owners, period_kind=kind)  # the page's, cached
    backtest: BacktestReport | None
    try:
        backtest = forecasts.backtest(owners, periods=BACKTEST_PERIODS, kind="month")
    except ValidationError as exc:  # too little dated history: show the forecast alone
        backtest, note = None, str(exc)
    else:
        note = ""
    return render(
        request, "forecast_methods.html", web, report=report, backtest=backtest,
        backtest_note=note, pending=False,
    )  # fmt: skip


def _amount(label: str, raw: str, *, required: bool) -> float:
    """A non-negative amount typed in a form (``12000``, ``12,000`` or ``12000.50``)."""
    text = raw.strip().replace(" ", "")
    if not text and not required:
        return 0.0
    if not AMOUNT.fullmatch(text):
        shown = f"got {raw.strip()!r}" if text else "it is empty"
        raise ValidationError(f"{label}: expected an amount such as 12000 or 12,000.50; {shown}")
    return float(text.replace(",", ""))


def _one_line(exc: PydanticValidationError) -> str:
    first = exc.errors()[0]
    return f"{'.'.join(str(p) for p in first['loc'])}: {first['msg']}"


def _answer(
    request: Request,
    session: Session,
    web: ActiveSession,
    clock: Clock,
    period: str,
    outcome: dict[str, str],
) -> Response:
    """HTMX: the calls section again (roll-up, forms, outcome); otherwise back to the page."""
    here = _here(request.query_params.get("period_kind"), request.query_params.get("method"))
    if request.headers.get("hx-request"):
        context = calls_context(session, web, clock, period, here)
        return render(
            request, "forecast_calls.html", web, **context,
            message=outcome.get("message"), error=outcome.get("error"),
        )  # fmt: skip
    return RedirectResponse(f"/forecast{here}&{urlencode(outcome)}", status_code=SEE_OTHER)


@router.post("/forecast/calls")
def submit_call(
    request: Request,
    session: SessionDep,
    clock: ClockDep,
    web: CsrfSession,
    period: Annotated[str, Form()],
    commit: Annotated[str, Form()] = "",
    best_case: Annotated[str, Form()] = "",
    note: Annotated[str, Form()] = "",
    team: Annotated[str, Form()] = "",
) -> Response:
    """The user's own call (or a team call of a manager), as ``POST /api/v1/forecasts/calls``."""
    web.principal.require(Permission.WRITE_RECORDS, "submit a forecast call")
    try:
        data = CallSubmit(
            user_email=web.principal.email, period=period,
            commit=_amount("Commit", commit, required=True),
            best_case=_amount("Best case", best_case, required=False),
            team=team or None, note=note.strip() or None,
        )  # fmt: skip
        call = calls.submit_call(session, data, clock=clock)
    except CoxswainError as exc:
        return _answer(request, session, web, clock, period, {"error": str(exc)})
    except PydanticValidationError as exc:
        return _answer(request, session, web, clock, period, {"error": _one_line(exc)})
    whose = f"for {team}" if team else "for your deals"
    done = f"Call {whose} for {call.period} submitted."
    return _answer(request, session, web, clock, period, {"message": done})


def _person(session: Session, user_id: str) -> User:
    try:
        person = session.get(User, uuid.UUID(user_id))
    except ValueError:
        person = None
    if person is None:
        raise ValidationError("Person: choose someone whose call you may adjust")
    return person


@router.post("/forecast/calls/adjust")
def adjust_call(
    request: Request,
    session: SessionDep,
    clock: ClockDep,
    web: CsrfSession,
    period: Annotated[str, Form()],
    user_id: Annotated[str, Form()] = "",
    commit: Annotated[str, Form()] = "",
    best_case: Annotated[str, Form()] = "",
    reason: Annotated[str, Form()] = "",
) -> Response:
    """A manager's adjustment of a call in their teams, as ``POST .../calls/adjust``."""
    web.principal.require(Permission.WRITE_RECORDS, "adjust a forecast call")
    try:
        person = _person(session, user_id)
        data = CallAdjust(
            manager_email=web.principal.email, user_email=person.email, period=period,
            commit=_amount("Commit", commit, required=True),
            best_case=_amount("Best case", best_case, required=False),
            reason=reason.strip() or None,
        )  # fmt: skip
        call = calls.adjust_call(session, data, clock=clock)
    except CoxswainError as exc:
        return _answer(request, session, web, clock, period, {"error": str(exc)})
    except PydanticValidationError as exc:
        return _answer(request, session, web, clock, period, {"error": _one_line(exc)})
    done = f"Call of {call.user_name} for {call.period} adjusted."
    return _answer(request, session, web, clock, period, {"message": done})
