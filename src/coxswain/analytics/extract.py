"""``coxswain analytics extract``: the application database as a folder DuckDB or Spark read.

Each entity the analytics sources need is written with the native exporter (the same files
``coxswain export`` makes, so they import back too), plus ``targets`` — sales targets with
teams and reps referenced the way the other files reference them (external id, else id).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.csv as pa_csv
import pyarrow.parquet as pq
from sqlalchemy import String, cast, func, select
from sqlalchemy.orm import Session, aliased

from coxswain.analytics.errors import AnalyticsRequestError
from coxswain.analytics.models import SalesTarget
from coxswain.analytics.sources.extracts import ENTITY_OF
from coxswain.core.money import to_major
from coxswain.imports.export import export_entity
from coxswain.people.models import Team, User

FORMATS = ("parquet", "csv")


def _target_rows(session: Session) -> list[dict[str, Any]]:
    team, user = aliased(Team), aliased(User)
    rows = session.execute(
        select(
            SalesTarget,
            func.coalesce(team.external_id, cast(team.id, String)),
            func.coalesce(user.external_id, cast(user.id, String)),
        )
        .outerjoin(team, team.id == SalesTarget.team_id)
        .outerjoin(user, user.id == SalesTarget.user_id)
        .order_by(SalesTarget.period_start)
    ).all()
    return [
        {
            "period_start": t.period_start,
            "period_end": t.period_end,
            "scope": t.scope,
            "team": team_key,
            "rep": user_key,
            "amount": float(to_major(t.amount_minor, t.currency)),
            "currency": t.currency,
        }
        for t, team_key, user_key in rows
    ]


TARGET_FIELDS: list[pa.Field[Any]] = [
    pa.field("period_start", pa.date32()),
    pa.field("period_end", pa.date32()),
    pa.field("scope", pa.string()),
    pa.field("team", pa.string()),
    pa.field("rep", pa.string()),
    pa.field("amount", pa.float64()),
    pa.field("currency", pa.string()),
]
TARGET_SCHEMA = pa.schema(TARGET_FIELDS)


def write_extract(session: Session, out: Path, fmt: str) -> dict[str, int]:
    """Write every entity analytics reads into ``out``; returns rows written per entity."""
    if fmt not in FORMATS:
        raise AnalyticsRequestError(f"--format {fmt!r}: expected one of {', '.join(FORMATS)}")
    out.mkdir(parents=True, exist_ok=True)
    written: dict[str, int] = {}
    for entity in sorted(set(ENTITY_OF.values()) - {"targets"}):
        report = export_entity(session, entity=entity, out=out / f"{entity}.{fmt}", fmt=fmt)
        written[entity] = report.rows
    table = pa.Table.from_pylist(_target_rows(session), schema=TARGET_SCHEMA)
    if fmt == "parquet":
        pq.write_table(table, out / "targets.parquet")
    else:
        pa_csv.write_csv(table, out / "targets.csv")
    written["targets"] = table.num_rows
    return written
