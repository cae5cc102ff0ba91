"""Writer for opportunities: stage by name, status from the stage's category, history on change."""

from __future__ import annotations

import re
import uuid
from collections.abc import Sequence
from datetime import UTC, date, datetime, time
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select

from coxswain.core.enums import StageCategory
from coxswain.core.ids import new_id
from coxswain.db.models import Base
from coxswain.imports.writers.base import INSERT_ONLY, EntityWriter, Pending, Record, reject
from coxswain.imports.writers.leads import ownership_row
from coxswain.imports.writers.stages import StageBook, StageInfo
from coxswain.opportunities.models import LostReason

OPPORTUNITY_FIELDS = (
    "name",
    "type",
    "lead_source",
    "opened_on",
    "engaged_on",
    "expected_close_on",
    "closed_on",
    "next_step",
    "description",
)


def day_start(day: date) -> datetime:
    return datetime.combine(day, time(0), tzinfo=UTC)


def stage_change(
    opportunity_id: uuid.UUID,
    old: uuid.UUID | None,
    new: uuid.UUID,
    at: datetime,
    by: uuid.UUID | None,
    amount: int | None,
    source: str | None,
) -> Record:
    return {
        "id": new_id(),
        "opportunity_id": opportunity_id,
        "from_stage_id": old,
        "to_stage_id": new,
        "changed_at": at,
        "changed_by_id": by,
        "amount_minor": amount,
        "external_source": source,
    }


class OpportunityWriter(EntityWriter):
    table_name = "opportunities"
    entity = "opportunities"
    versioned = True

    def __init__(self, ctx: Any) -> None:
        super().__init__(ctx)
        self.stages = StageBook(ctx.session)
        reasons = ctx.session.scalars(select(LostReason))
        self.lost_reasons: dict[str, uuid.UUID] = {r.name.lower(): r.id for r in reasons}

    def prefetch(self, batch: Sequence[Pending]) -> None:
        self.prefetch_refs(batch, {"account": "accounts", "lead": "leads"})

    def build(self, item: Pending) -> Record:
        values = item.values
        record: Record = {}
        self.copy_fields(item, record, OPPORTUNITY_FIELDS)
        stage = self._stage(item)
        record.update(pipeline_id=stage.pipeline_id, stage_id=stage.id, status=stage.category)
        self._closing(item, record, stage)
        if self.mapped("account"):
            record["account_id"] = self._account(item)
        if self.mapped("owner"):
            record["owner_id"] = self._owner(item)
        if self.mapped("lead"):
            record["lead_id"] = self.ref(item, "lead", "leads")
        if self.mapped("amount") or self.mapped("currency"):
            currency = self.currency(item, "currency", "amount")
            amount = self.minor(item, "amount", currency)
            if amount is not None and amount < 0:
                raise reject(
                    item.line, "amount", values["amount"][0], "expected an amount of 0 or more"
                )
            record.update(currency=currency, amount_minor=amount or 0)
        else:
            record[INSERT_ONLY] = {"currency": self.currency(item, "currency")}
        if self.mapped("probability"):
            probability = values.get("probability")
            record["probability_bp"] = (
                None if probability is None else int(Decimal(probability) * 100)
            )
        given = values.get("forecast_category")
        record["forecast_category"] = given or stage.forecast_category
        record["forecast_category_overridden"] = (
            given is not None and given != stage.forecast_category
        )
        if self.mapped("lost_reason"):
            record["lost_reason_id"] = self._lost_reason(values.get("lost_reason"))
        return record

    def _stage(self, item: Pending) -> StageInfo:
        values = item.values
        create = self.ctx.has("create_missing_stages")
        pipeline_id = self.stages.pipeline_id(values.get("pipeline"), create=create)
        if pipeline_id is None:
            raise reject(
                item.line, "pipeline", values.get("pipeline"), "no pipeline with this name"
            )
        stage = self.stages.stage(pipeline_id, str(values["stage"]), create=create)
        if stage is None:
            names = ", ".join(self.stages.names(pipeline_id))
            raise reject(
                item.line, "stage", values["stage"], f"expected a stage of the pipeline: {names}"
            )
        return stage

    def _closing(self, item: Pending, record: Record, stage: StageInfo) -> None:
        values = item.values
        closed = stage.category != StageCategory.OPEN.value
        closed_on = values.get("closed_on")
        if closed and closed_on is None:
            closed_on = values.get("expected_close_on")
            if closed_on is None:
                raise reject(
                    item.line,
                    "closed_on",
                    None,
                    f"a close date is required: stage {stage.name!r} is closed",
                )
        if not closed and closed_on is not None:
            raise reject(
                item.line,
                "closed_on",
                closed_on,
                f"no close date for an open stage ({stage.name!r})",
            )
        record["closed_on"] = closed_on
        opened_on = values.get("opened_on")
        if opened_on is not None and closed_on is not None and closed_on < opened_on:
            raise reject(
                item.line, "closed_on", closed_on, f"a close date on or after opened_on {opened_on}"
            )

    def _owner(self, item: Pending) -> uuid.UUID | None:
        value = item.values.get("owner")
        if value is None:
            return None
        found: uuid.UUID | None = self.ctx.resolver.get("users", str(value))
        if found is None and self.ctx.has("create_missing_owners"):
            found = create_user(self.ctx, str(value))
        if found is None:
            raise reject(item.line, "owner", value, "no user with this external id, e-mail or name")
        return found

    def _account(self, item: Pending) -> uuid.UUID | None:
        value = item.values.get("account")
        if value is None:
            return None
        found = self.ctx.resolver.get("accounts", str(value))
        if found is None and self.ctx.has("create_missing_accounts"):
            found = create_account(self.ctx, str(value))
        if found is None:
            raise reject(
                item.line, "account", value, "no account with this external id, id or name"
            )
        return found

    def _lost_reason(self, name: str | None) -> uuid.UUID | None:
        if name is None:
            return None
        key = name.strip().lower()
        if key not in self.lost_reasons:
            reason = LostReason(name=name.strip())
            self.ctx.session.add(reason)
            self.ctx.session.flush()
            self.lost_reasons[key] = reason.id
        return self.lost_reasons[key]

    def after_insert(self, items: Sequence[Pending]) -> None:
        if not self.ctx.has("synthesize_history"):
            return
        rows = []
        for item in items:
            record = item.record
            assert record is not None
            day = record.get("closed_on") or record.get("opened_on")
            at = day_start(day) if day else self.ctx.now
            rows.append(
                stage_change(
                    record["id"],
                    None,
                    record["stage_id"],
                    at,
                    record.get("owner_id"),
                    record.get("amount_minor"),
                    self.ctx.source,
                )
            )
        self.insert_into(Base.metadata.tables["opportunity_stage_changes"], rows)

    def after_update(self, item: Pending, before: Record, changes: dict[str, Any]) -> None:
        record = item.record
        assert record is not None
        if "stage_id" in changes:
            closed_on = record.get("closed_on")
            at = day_start(closed_on) if closed_on and "closed_on" in changes else self.ctx.now
            row = stage_change(
                record["id"],
                before.get("stage_id"),
                changes["stage_id"],
                at,
                None,
                record.get("amount_minor"),
                self.ctx.source,
            )
            self.insert_into(Base.metadata.tables["opportunity_stage_changes"], [row])
        if "owner_id" in changes:
            row = ownership_row(
                self.ctx,
                "opportunities",
                record["id"],
                before.get("owner_id"),
                changes["owner_id"],
                self.ctx.now,
            )
            self.insert_into(Base.metadata.tables["ownership_changes"], [row])


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", ".", text.lower()).strip(".") or "user"


def create_user(ctx: Any, name: str) -> uuid.UUID:
    """A rep named only by a file (e.g. a Salesforce report's owner column)."""
    users = Base.metadata.tables["users"]
    record_id = new_id()
    email = f"{_slug(name)}@{_slug(ctx.source)}.import.invalid"
    taken = ctx.session.scalar(
        select(func.count()).select_from(users).where(users.c.email == email)
    )
    if taken:
        email = f"{_slug(name)}.{record_id.hex[:6]}@{_slug(ctx.source)}.import.invalid"
    ctx.session.execute(
        users.insert().values(
            id=record_id,
            email=email,
            full_name=name,
            role="rep",
            time_zone="UTC",
            is_active=True,
            out_of_office=False,
            external_source=ctx.source,
            external_id=name,
            created_at=ctx.now,
            updated_at=ctx.now,
        )
    )
    ctx.resolver.remember("users", name, record_id, natural=[name, email])
    return record_id


def create_account(ctx: Any, name: str) -> uuid.UUID:
    accounts = Base.metadata.tables["accounts"]
    record_id = new_id()
    ctx.session.execute(
        accounts.insert().values(
            id=record_id,
            name=name,
            external_source=ctx.source,
            external_id=name,
            created_at=ctx.now,
            updated_at=ctx.now,
        )
    )
    ctx.resolver.remember("accounts", name, record_id)
    return record_id
