"""Olist marketing funnel import, checked against the CSV files read independently."""

from __future__ import annotations

import csv
from collections import Counter
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from coxswain.db.models import Account, Lead, LeadStatusChange, User
from coxswain.imports.datasets import import_dataset


def rows(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def test_olist_leads_owners_and_segments(session: Session, shared_data: Path) -> None:
    folder = shared_data / "olist_marketing_funnel"
    reports = {r.entity: r for r in import_dataset(session, "olist", folder)}
    mqls = rows(folder / "olist_marketing_qualified_leads_dataset.csv")
    deals = rows(folder / "olist_closed_deals_dataset.csv")
    assert reports["leads"].inserted == len(mqls) == 8000
    assert reports["leads"].rejected == 0
    # The one deal won two days before its first contact is kept, with a warning.
    assert reports["leads"].warnings == 1

    status = dict(session.execute(select(Lead.status, func.count()).group_by(Lead.status)).all())
    assert status == {"converted": 842, "mql": 8000 - 842}
    people = {d["sdr_id"] for d in deals} | {d["sr_id"] for d in deals}
    assert session.scalar(select(func.count()).select_from(User)) == len(people)
    assert session.scalar(select(func.count()).select_from(Account)) == len(
        {d["seller_id"] for d in deals}
    )

    sources = dict(session.execute(select(Lead.source, func.count()).group_by(Lead.source)).all())
    expected_sources = Counter(r["origin"] or None for r in mqls)
    assert sources == dict(expected_sources)

    deal = deals[0]
    lead = session.scalars(select(Lead).where(Lead.external_id == deal["mql_id"])).one()
    owner = session.get(User, lead.owner_id)
    sdr = session.get(User, lead.sdr_id)
    assert owner is not None
    assert sdr is not None
    assert (owner.external_id, sdr.external_id) == (deal["sr_id"], deal["sdr_id"])
    assert lead.segment == deal["business_segment"]
    assert lead.converted_at is not None
    # won_date is São Paulo time (UTC-3 in 2018 outside summer time): 19:58:54 local = 22:58:54 UTC.
    assert deal["won_date"] == "2018-02-26 19:58:54"
    assert lead.converted_at.strftime("%Y-%m-%d %H:%M:%S") == "2018-02-26 22:58:54"
    assert lead.attributes is not None
    assert lead.attributes["lead_type"] == deal["lead_type"]

    path = session.execute(
        select(LeadStatusChange.from_status, LeadStatusChange.to_status)
        .where(LeadStatusChange.lead_id == lead.id)
        .order_by(LeadStatusChange.changed_at, LeadStatusChange.to_status.desc())
    ).all()
    assert [tuple(p) for p in path] == [(None, "new"), ("new", "mql"), ("mql", "converted")]
