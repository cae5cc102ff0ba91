"""The ``teams`` and ``users`` entities: leaders, managers and reps with names and e-mails.

User numbering: U00001 VP of Sales, U00002-U00003 sales operations, U00004 finance, then one
regional VP per region, one manager per leaf team, then the reps (see :mod:`.org`). The tables
are small (hundreds of rows), so they are built row by row in Python.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa

from coxswain.generator.engine.columns import Bools, Dates, Entity, Ids, Ints, Strings, entity
from coxswain.generator.engine.config import GeneratorConfig
from coxswain.generator.engine.geography import REGIONS, TIME_ZONES
from coxswain.generator.engine.org import (
    NEVER,
    SEGMENTS,
    USER_PREFIX,
    USER_WIDTH,
    Layout,
    Reps,
    build_reps,
    layout_reps,
    working_hours_json,
)
from coxswain.generator.engine.vocabulary import FIRST_NAMES, LAST_NAMES, slug

EMAIL_DOMAIN = "bowline.example"
TEAM_PREFIX, TEAM_WIDTH = "T", 3
ZONE_LOCALE = {
    "America/Sao_Paulo": "pt", "America/Mexico_City": "es", "Europe/Berlin": "de",
    "Europe/Paris": "fr", "Europe/Amsterdam": "nl", "Europe/Madrid": "es", "Asia/Tokyo": "ja",
}  # fmt: skip
SDR_TITLE = "Sales Development Representative"
AE_TITLES = ("Account Executive", "Mid-Market Account Executive", "Enterprise Account Executive")
DAILY_CAPACITY = np.array([8, 5, 3])  # new records an AE can take per day, by segment


@dataclass
class UserRow:
    """One row of the users table, before it becomes columns."""

    title: str
    role: str
    team: int
    manager: int | None = None
    manages: int | None = None
    segment: int | None = None
    region: int | None = None
    zone: str = "America/New_York"
    hire_day: int = 0
    start: int = 9 * 60
    end: int = 17 * 60
    capacity: int | None = None
    active: bool = True
    away: bool = False


@dataclass(frozen=True)
class Org:
    layout: Layout
    reps: Reps
    teams: Entity
    users: Entity


def _leaders(config: GeneratorConfig, layout: Layout) -> list[UserRow]:
    """Company leadership, regional VPs and one manager per leaf team."""
    early = config.first_day - 900
    rows = [
        UserRow("VP of Sales", "manager", 0, manages=0, hire_day=early),
        UserRow("Director of Sales Operations", "sales_ops", 0, manager=1, hire_day=early),
        UserRow("Sales Operations Analyst", "sales_ops", 0, manager=2, hire_day=early + 400),
        UserRow("Revenue Accountant", "finance", 0, hire_day=early + 200),
    ]
    for r, region in enumerate(REGIONS):
        title = f"Regional Vice President, {region.name}"
        zone = region.time_zones[0][0]
        rows.append(UserRow(title, "manager", 1 + r, 1, 1 + r, None, r, zone, early + 30 * r))
    for t, team in enumerate(layout.teams):
        if team.segment is None or team.region is None:
            continue
        zone = REGIONS[team.region].time_zones[0][0]
        rows.append(
            UserRow(f"Sales Manager, {team.name}", "manager", t, 5 + team.region, t,
                    team.segment, team.region, zone, early + 11 * t)
        )  # fmt: skip
    return rows


def _rep_rows(reps: Reps, managers: dict[int, int], rng: np.random.Generator) -> list[UserRow]:
    rows = []
    for k in range(len(reps)):
        segment = int(reps.segment[k])
        sdr = bool(reps.is_sdr[k])
        daily = (
            int(rng.integers(22, 40))
            if sdr
            else int(DAILY_CAPACITY[segment]) + int(rng.integers(-1, 3))
        )
        rows.append(
            UserRow(
                SDR_TITLE if sdr else AE_TITLES[segment], "rep", int(reps.team[k]),
                managers[int(reps.team[k])], None, segment, int(reps.region[k]),
                TIME_ZONES[int(reps.zone[k])], int(reps.hire_day[k]), int(reps.work_start[k]),
                int(reps.work_end[k]), daily, bool(reps.leave_day[k] == NEVER),
                bool(reps.out_of_office[k]),
            )
        )  # fmt: skip
    return rows


def _names(rows: list[UserRow], rng: np.random.Generator) -> tuple[list[str], list[str]]:
    """Full names from the locale of each user's time zone, and unique e-mail addresses."""
    names: list[str] = []
    emails: list[str] = []
    taken: set[str] = set()
    for row in rows:
        locale = ZONE_LOCALE.get(row.zone, "en")
        first = FIRST_NAMES[locale][int(rng.integers(len(FIRST_NAMES[locale])))]
        last = LAST_NAMES[locale][int(rng.integers(len(LAST_NAMES[locale])))]
        local, k = f"{slug(first)}.{slug(last)}", 1
        while f"{local}{k if k > 1 else ''}" in taken:
            k += 1
        taken.add(f"{local}{k if k > 1 else ''}")
        names.append(f"{first} {last}")
        emails.append(f"{local}{k if k > 1 else ''}@{EMAIL_DOMAIN}")
    return names, emails


def _optional(values: list[int | None]) -> tuple[np.ndarray, np.ndarray]:
    """Integers with None → (values, valid mask)."""
    valid = np.array([v is not None for v in values], dtype=bool)
    return np.array([v or 0 for v in values], dtype=np.int64), valid


def _text(values: list[str | None]) -> Strings:
    return Strings(pa.array(values, type=pa.string()))


def _users_entity(rows: list[UserRow], rng: np.random.Generator) -> Entity:
    names, emails = _names(rows, rng)
    manager, has_manager = _optional([r.manager for r in rows])
    manages, has_manages = _optional([r.manages for r in rows])
    capacity, has_capacity = _optional([r.capacity for r in rows])
    segment = [None if r.segment is None else SEGMENTS[r.segment] for r in rows]
    return entity(
        "users",
        len(rows),
        external_id=Ids(USER_PREFIX, USER_WIDTH, np.arange(1, len(rows) + 1)),
        email=_text(list(emails)),
        full_name=_text(list(names)),
        title=_text([r.title for r in rows]),
        role=_text([r.role for r in rows]),
        manager=Ids(USER_PREFIX, USER_WIDTH, manager, has_manager),
        team=Ids(TEAM_PREFIX, TEAM_WIDTH, np.array([r.team + 1 for r in rows])),
        manages=Ids(TEAM_PREFIX, TEAM_WIDTH, manages + 1, has_manages),
        segment=_text(segment),
        region=_text([None if r.region is None else REGIONS[r.region].name for r in rows]),
        capacity_per_day=Ints(capacity, has_capacity),
        capacity_per_week=Ints(np.round(capacity * 4.6).astype(np.int64), has_capacity),
        time_zone=_text([r.zone for r in rows]),
        working_hours=_text([working_hours_json(r.start, r.end) for r in rows]),
        is_active=Bools(np.array([r.active for r in rows])),
        out_of_office=Bools(np.array([r.away for r in rows])),
        hire_date=Dates(np.array([r.hire_day for r in rows])),
    )


def _teams_entity(layout: Layout) -> Entity:
    teams = layout.teams
    parent, has_parent = _optional([t.parent for t in teams])
    return entity(
        "teams",
        len(teams),
        external_id=Ids(TEAM_PREFIX, TEAM_WIDTH, np.arange(1, len(teams) + 1)),
        name=_text([t.name for t in teams]),
        parent=Ids(TEAM_PREFIX, TEAM_WIDTH, parent + 1, has_parent),
        region=_text([None if t.region is None else REGIONS[t.region].name for t in teams]),
        segment=_text([None if t.segment is None else SEGMENTS[t.segment] for t in teams]),
    )


def build_org(config: GeneratorConfig) -> Org:
    """Teams, leaders and reps for ``config.reps`` reps, as entities plus the rep arrays."""
    layout = layout_reps(config.reps)
    leaders = _leaders(config, layout)
    reps = build_reps(config, layout, first_user_number=len(leaders) + 1)
    managers = {row.manages: k + 1 for k, row in enumerate(leaders) if row.manages is not None}
    rows = leaders + _rep_rows(reps, managers, config.rng("staff"))
    return Org(layout, reps, _teams_entity(layout), _users_entity(rows, config.rng("names")))
