"""A small, hand-checkable sales org for the forecasting integration tests.

Teams: Americas (root) → East (managed by Maria) and West. Reps: Ann and Bob in East, Cy in
West. Exchange rate: 1 EUR = 1.10 USD from 2024-01-01. Deals in the default pipeline
("Sales": Prospecting 10 %, Qualification 20 %, Discovery 35 %, Proposal 55 % best case,
Negotiation 80 % commit, Closed Won, Closed Lost):

====  =====  ============  ===========  ==========  ==========  ======================
deal  owner  amount        stage        opened      closed      notes
====  =====  ============  ===========  ==========  ==========  ======================
w1    Ann    1,000 USD     Closed Won   2024-01-05  2024-02-10
w2    Bob    2,000 EUR     Closed Won   2024-01-10  2024-02-20  = 2,200 USD
w3    Cy     500 USD       Closed Won   2024-02-01  2024-03-05
l1    Ann    700 USD       Closed Lost  2024-01-02  2024-02-15
o1    Ann    3,000 USD     Negotiation  2024-02-01              expected 2024-03-20
o2    Bob    1,000 USD     Proposal     2024-02-10              expected 2024-03-25
o3    Cy     4,000 USD     Negotiation  2024-02-15              forecast category
                                                                overridden to pipeline
o4    Cy     9,000 USD     Discovery    2024-02-20              expected 2024-06-30
====  =====  ============  ===========  ==========  ==========  ======================
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from coxswain.currencies.models import ExchangeRate
from coxswain.opportunities.models import Opportunity, OpportunityStageChange, Stage
from coxswain.opportunities.pipelines import default_pipeline
from coxswain.people.models import Team, User


@dataclass
class Org:
    teams: dict[str, Team]
    users: dict[str, User]
    deals: dict[str, Opportunity]


def _at(value: date) -> datetime:
    return datetime(value.year, value.month, value.day, 12, tzinfo=UTC)


def build_org(session: Session) -> Org:
    pipeline = default_pipeline(session)
    stages = {
        s.name: s for s in session.scalars(select(Stage).where(Stage.pipeline_id == pipeline.id))
    }
    session.add(
        ExchangeRate(
            currency="EUR",
            quote_currency="USD",
            effective_on=date(2024, 1, 1),
            rate=Decimal("1.10"),
        )
    )
    maria = User(email="maria@example.com", full_name="Maria", role="manager")
    session.add(maria)
    session.flush()
    root = Team(name="Americas")
    session.add(root)
    session.flush()
    east = Team(name="East", parent_id=root.id, manager_id=maria.id)
    west = Team(name="West", parent_id=root.id)
    session.add_all([east, west])
    session.flush()
    maria.team_id = root.id
    users = {
        "ann": User(email="ann@example.com", full_name="Ann", team_id=east.id, segment="smb"),
        "bob": User(email="bob@example.com", full_name="Bob", team_id=east.id, segment="smb"),
        "cy": User(email="cy@example.com", full_name="Cy", team_id=west.id, segment="enterprise"),
    }
    session.add_all(users.values())
    session.flush()
    users["maria"] = maria
    rows = [
        ("w1", "ann", 100_000, "USD", "Closed Won", date(2024, 1, 5), date(2024, 2, 10), None),
        ("w2", "bob", 200_000, "EUR", "Closed Won", date(2024, 1, 10), date(2024, 2, 20), None),
        ("w3", "cy", 50_000, "USD", "Closed Won", date(2024, 2, 1), date(2024, 3, 5), None),
        ("l1", "ann", 70_000, "USD", "Closed Lost", date(2024, 1, 2), date(2024, 2, 15), None),
        ("o1", "ann", 300_000, "USD", "Negotiation", date(2024, 2, 1), None, date(2024, 3, 20)),
        ("o2", "bob", 100_000, "USD", "Proposal", date(2024, 2, 10), None, date(2024, 3, 25)),
        ("o3", "cy", 400_000, "USD", "Negotiation", date(2024, 2, 15), None, None),
        ("o4", "cy", 900_000, "USD", "Discovery", date(2024, 2, 20), None, date(2024, 6, 30)),
    ]
    deals: dict[str, Opportunity] = {}
    for key, owner, amount, currency, stage_name, opened, closed, expected in rows:
        stage = stages[stage_name]
        category = "pipeline" if key == "o3" else stage.forecast_category
        deal = Opportunity(
            id=uuid.uuid4(),
            name=key,
            owner_id=users[owner].id,
            pipeline_id=pipeline.id,
            stage_id=stage.id,
            status=stage.category,
            amount_minor=amount,
            currency=currency,
            forecast_category=category,
            forecast_category_overridden=key == "o3",
            opened_on=opened,
            closed_on=closed,
            expected_close_on=expected,
            external_source="test",
            external_id=key,
        )
        session.add(deal)
        deals[key] = deal
    session.flush()
    for key, _owner, amount, _c, stage_name, opened, closed, _e in rows:
        first = stages["Prospecting"]
        session.add(
            OpportunityStageChange(
                opportunity_id=deals[key].id,
                to_stage_id=first.id,
                changed_at=_at(opened),
                amount_minor=amount,
            )
        )
        if stage_name != "Prospecting":
            when = _at(closed) if closed else _at(opened).replace(day=min(opened.day + 3, 28))
            session.add(
                OpportunityStageChange(
                    opportunity_id=deals[key].id,
                    from_stage_id=first.id,
                    to_stage_id=stages[stage_name].id,
                    changed_at=when,
                    amount_minor=amount,
                )
            )
    session.flush()
    return Org(teams={"root": root, "east": east, "west": west}, users=users, deals=deals)


@pytest.fixture
def org(session: Session) -> Org:
    return build_org(session)
