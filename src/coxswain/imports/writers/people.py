"""Writers for teams and users."""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

from coxswain.db.models import Base
from coxswain.imports.writers.base import EntityWriter, Pending, Record, reject
from coxswain.people.working_hours import validate_time_zone, validate_working_hours


class TeamWriter(EntityWriter):
    table_name = "teams"
    entity = "teams"
    deferred: ClassVar[dict[str, tuple[str, str]]] = {"parent": ("parent_id", "teams")}

    def build(self, item: Pending) -> Record:
        record: Record = {}
        self.copy_fields(item, record, ("name", "region", "segment"))
        return record

    def after_insert(self, items: Sequence[Pending]) -> None:
        for item in items:
            assert item.record is not None
            self.ctx.resolver.remember(
                "teams",
                str(item.values["external_id"]),
                item.record["id"],
                natural=[str(item.values.get("name") or "")],
            )


class UserWriter(EntityWriter):
    table_name = "users"
    entity = "users"
    deferred: ClassVar[dict[str, tuple[str, str]]] = {"manager": ("manager_id", "users")}

    def build(self, item: Pending) -> Record:
        record: Record = {}
        self.copy_fields(
            item,
            record,
            (
                "email",
                "full_name",
                "title",
                "role",
                "segment",
                "region",
                "capacity_per_day",
                "capacity_per_week",
                "is_active",
                "out_of_office",
                "hire_date",
            ),
        )
        values = item.values
        if self.mapped("team"):
            record["team_id"] = self.ref(item, "team", "teams")
        if self.mapped("time_zone") and values.get("time_zone") is not None:
            try:
                record["time_zone"] = validate_time_zone(str(values["time_zone"]))
            except ValueError as exc:
                raise reject(
                    item.line, "time_zone", values["time_zone"], f"expected {exc}"
                ) from None
        if self.mapped("working_hours") and values.get("working_hours") is not None:
            try:
                record["working_hours"] = validate_working_hours(values["working_hours"])
            except ValueError as exc:
                raise reject(
                    item.line, "working_hours", values["working_hours"], f"expected {exc}"
                ) from None
        for name in ("capacity_per_day", "capacity_per_week"):
            if (values.get(name) or 0) < 0:
                raise reject(item.line, name, values[name], "expected a number of leads, 0 or more")
        if self.mapped("manages") and values.get("manages") is not None:
            self.ref(item, "manages", "teams")
        return record

    def after_insert(self, items: Sequence[Pending]) -> None:
        for item in items:
            assert item.record is not None
            self.ctx.resolver.remember(
                "users",
                str(item.values["external_id"]),
                item.record["id"],
                natural=[
                    str(item.values.get("email") or ""),
                    str(item.values.get("full_name") or ""),
                ],
            )

    def write_batch(self, batch: Sequence[Pending]) -> None:
        super().write_batch(batch)
        # `manages` may change without any user column changing: apply it for unchanged rows too.
        self._set_managed_teams([item for item in batch if item.record is not None])

    def _set_managed_teams(self, items: Sequence[Pending]) -> None:
        teams = Base.metadata.tables["teams"]
        for item in items:
            value = item.values.get("manages")
            if value is None or item.record is None:
                continue
            team_id = self.ctx.resolver.get("teams", str(value))
            if team_id is not None:
                self.ctx.session.execute(
                    teams.update().where(teams.c.id == team_id).values(manager_id=item.record["id"])
                )
