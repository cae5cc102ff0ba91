"""Writers for small reference entities keyed by a natural key: stages, lost reasons, rates.

They are upserted one row at a time through the ORM (a few hundred rows at most), each inside
a savepoint so a refused row is rejected alone.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import DBAPIError, IntegrityError

from coxswain.core.enums import ForecastCategory, StageCategory
from coxswain.currencies.models import ExchangeRate
from coxswain.currencies.service import ensure_currency
from coxswain.imports.engine.rows import RowProblem, RowRejected
from coxswain.imports.writers.base import EntityWriter, Pending, json_safe, reject
from coxswain.opportunities.models import LostReason, Pipeline, Stage

DEFAULT_FORECAST = {
    StageCategory.WON.value: ForecastCategory.CLOSED.value,
    StageCategory.LOST.value: ForecastCategory.OMITTED.value,
    StageCategory.OPEN.value: ForecastCategory.PIPELINE.value,
}


class KeyedWriter(EntityWriter):
    """Row-at-a-time upsert by natural key; subclasses implement :meth:`upsert`."""

    def upsert(self, item: Pending) -> tuple[str, uuid.UUID, dict[str, Any], dict[str, Any]]:
        """Store the row; return (``inserted``/``updated``/``unchanged``, id, before, after)."""
        raise NotImplementedError

    def write_batch(self, batch: Sequence[Pending]) -> None:
        for item in batch:
            try:
                with self.ctx.session.begin_nested():
                    outcome, record_id, before, after = self.upsert(item)
                    self.ctx.session.flush()
                    if outcome == "updated":
                        self._audit_update(record_id, before, after)
            except RowRejected as exc:
                self._reject(item, exc.problem)
                continue
            except (IntegrityError, DBAPIError) as exc:
                reason = str(getattr(exc, "orig", exc)).splitlines()[0][:200]
                self._reject(
                    item, RowProblem(item.line, "(row)", "", f"refused by the database: {reason}")
                )
                continue
            setattr(self.ctx.counters, outcome, getattr(self.ctx.counters, outcome) + 1)

    @staticmethod
    def apply(obj: Any, values: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
        before, after = {}, {}
        for name, value in values.items():
            old = getattr(obj, name)
            if old != value:
                before[name], after[name] = json_safe(old), json_safe(value)
                setattr(obj, name, value)
        return before, after


class StageWriter(KeyedWriter):
    table_name = "stages"
    entity = "stages"

    def upsert(self, item: Pending) -> tuple[str, uuid.UUID, dict[str, Any], dict[str, Any]]:
        session, values = self.ctx.session, item.values
        pipeline = session.scalar(
            select(Pipeline).where(func.lower(Pipeline.name) == str(values["pipeline"]).lower())
        )
        if pipeline is None:
            has_default = session.scalar(select(Pipeline.id).where(Pipeline.is_default.is_(True)))
            pipeline = Pipeline(name=values["pipeline"], is_default=has_default is None)
            session.add(pipeline)
            session.flush()
        category = values["category"]
        wanted = {
            "position": values["position"],
            "probability_bp": int(Decimal(values["probability"]) * 100),
            "category": category,
            "forecast_category": values.get("forecast_category") or DEFAULT_FORECAST[category],
        }
        if category == StageCategory.WON.value and wanted["probability_bp"] != 10000:
            raise reject(
                item.line, "probability", values["probability"], "expected 100 for a won stage"
            )
        if category == StageCategory.LOST.value and wanted["probability_bp"] != 0:
            raise reject(
                item.line, "probability", values["probability"], "expected 0 for a lost stage"
            )
        stage = session.scalar(
            select(Stage).where(
                Stage.pipeline_id == pipeline.id,
                func.lower(Stage.name) == str(values["name"]).lower(),
            )
        )
        if stage is None:
            stage = Stage(pipeline_id=pipeline.id, name=values["name"], **wanted)
            session.add(stage)
            session.flush()
            return "inserted", stage.id, {}, {}
        before, after = self.apply(stage, wanted)
        return ("updated" if after else "unchanged"), stage.id, before, after


class LostReasonWriter(KeyedWriter):
    table_name = "lost_reasons"
    entity = "lost_reasons"

    def upsert(self, item: Pending) -> tuple[str, uuid.UUID, dict[str, Any], dict[str, Any]]:
        session, name = self.ctx.session, str(item.values["name"])
        reason = session.scalar(
            select(LostReason).where(func.lower(LostReason.name) == name.lower())
        )
        if reason is None:
            reason = LostReason(name=name)
            session.add(reason)
            session.flush()
            return "inserted", reason.id, {}, {}
        return "unchanged", reason.id, {}, {}


class ExchangeRateWriter(KeyedWriter):
    table_name = "exchange_rates"
    entity = "exchange_rates"

    def upsert(self, item: Pending) -> tuple[str, uuid.UUID, dict[str, Any], dict[str, Any]]:
        session, values = self.ctx.session, item.values
        currency = values["currency"]
        quote = values.get("quote_currency") or self.ctx.reporting_currency
        rate = Decimal(values["rate"])
        if rate <= 0:
            raise reject(item.line, "rate", rate, "expected a positive rate")
        if currency == quote:
            raise reject(
                item.line, "quote_currency", quote, "expected a currency other than `currency`"
            )
        ensure_currency(session, currency)
        ensure_currency(session, quote)
        existing = session.scalar(
            select(ExchangeRate).where(
                ExchangeRate.currency == currency,
                ExchangeRate.quote_currency == quote,
                ExchangeRate.effective_on == values["effective_on"],
            )
        )
        if existing is None:
            existing = ExchangeRate(
                currency=currency,
                quote_currency=quote,
                effective_on=values["effective_on"],
                rate=rate,
            )
            session.add(existing)
            session.flush()
            return "inserted", existing.id, {}, {}
        if Decimal(str(existing.rate)) == rate:
            return "unchanged", existing.id, {}, {}
        before, after = {"rate": str(existing.rate)}, {"rate": str(rate)}
        existing.rate = rate
        return "updated", existing.id, before, after
