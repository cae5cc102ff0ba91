"""Queries that load leads for the lead-scoring model (never commits)."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from coxswain.leads.models import Lead
from coxswain.scoring.engine.leads import LeadHistory, LeadRecord, build_lead_history

CATEGORICAL_FIELDS = (
    "source",
    "landing_page",
    "campaign",
    "industry",
    "country",
    "size_segment",
    "segment",
    "title",
)


def load_lead_history(session: Session) -> LeadHistory | None:
    """Every live lead with an arrival time; None when there is none.

    Features: the categorical fields above, ``employees`` and the source system's ``score``
    (taken as known at arrival: a score that a tool keeps updating through the lead's life
    would leak, so imports of such scores should leave the column empty). Anything set during
    the lead's life (status, owner, later timestamps) is not a feature.
    """
    columns = [getattr(Lead, name) for name in CATEGORICAL_FIELDS]
    rows = session.execute(
        select(
            Lead.id, Lead.received_at, Lead.converted_at, Lead.employees, Lead.score, *columns
        ).where(Lead.deleted_at.is_(None), Lead.received_at.is_not(None))
    ).all()
    if not rows:
        return None
    last = session.scalar(select(func.max(Lead.converted_at)))
    latest = max(r[1] for r in rows)
    known = max(latest, last) if last is not None else latest
    records = [
        LeadRecord(
            key=str(row[0]),
            received_on=row[1].date(),
            converted_on=None if row[2] is None else row[2].date(),
            categorical=dict(zip(CATEGORICAL_FIELDS, row[5:], strict=True)),
            numeric={"employees": row[3], "score": row[4]},
        )
        for row in rows
    ]
    return build_lead_history(records, known.date())
