"""Forecasting errors (each with a stable ``code``)."""

from __future__ import annotations

from coxswain.core.errors import NotFoundError, ValidationError


class NoHistoryError(ValidationError):
    """There is nothing dated to forecast or backtest from."""

    code = "forecast_no_history"


class CallNotFoundError(NotFoundError):
    code = "forecast_call_not_found"
