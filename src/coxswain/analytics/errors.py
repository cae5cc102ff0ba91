"""Analytics errors, each with a stable ``code`` (see :mod:`coxswain.core.errors`)."""

from __future__ import annotations

from coxswain.core.errors import NotFoundError, ValidationError


class AnalyticsRequestError(ValidationError):
    """A report request that cannot be answered as asked (bad period, KPI, dimension)."""

    code = "analytics_request_error"


class ExtractError(ValidationError):
    """A CSV/Parquet extract folder that is missing a file or a column the engine needs."""

    code = "analytics_extract_error"


class EngineUnavailableError(NotFoundError):
    """An analytics engine (e.g. PySpark without Java) that cannot be started here."""

    code = "analytics_engine_unavailable"
