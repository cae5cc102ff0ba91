"""A small sales organisation for API and web tests, built through the ORM and services.

::

    Region (director)            admin, sales_ops, finance: see everything
    ├── Team A (manager_a): rep_a1, rep_a2
    └── Team B (manager_b): rep_b1

One opportunity per rep and one of manager_a's own; one lead per rep plus one unassigned.
Every user gets an all-scope API token (``tokens[name]``) and the password ``PASSWORD``.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from functools import lru_cache

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from coxswain.auth.passwords import hash_password
from coxswain.auth.tokens import issue_token
from coxswain.db.engine import unit_of_work
from coxswain.leads.models import Lead
from coxswain.opportunities.models import Opportunity, Pipeline, Stage
from coxswain.people.models import Team, User

PASSWORD = "test-password-1"
NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
ROLES = {
    "admin": "admin", "ops": "sales_ops", "finance": "finance", "director": "manager",
    "manager_a": "manager", "manager_b": "manager", "rep_a1": "rep", "rep_a2": "rep", "rep_b1": "rep",
}  # fmt: skip


@dataclass
class Org:
    users: dict[str, uuid.UUID] = field(default_factory=dict)
    tokens: dict[str, str] = field(default_factory=dict)
    deals: dict[str, uuid.UUID] = field(default_factory=dict)
    leads: dict[str, uuid.UUID] = field(default_factory=dict)
    stages: dict[str, uuid.UUID] = field(default_factory=dict)
    teams: dict[str, uuid.UUID] = field(default_factory=dict)

    def headers(self, who: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens[who]}"}


@lru_cache(maxsize=1)
def password_hash() -> str:
    """One Argon2 hash of PASSWORD per test process (hashing is slow on purpose)."""
    return hash_password(PASSWORD)


def _users(session: Session, org: Org) -> dict[str, User]:
    users = {}
    for name, role in ROLES.items():
        users[name] = User(
            email=f"{name}@example.com",
            full_name=name.replace("_", " ").title(),
            role=role,
            password_hash=password_hash(),
        )
        session.add(users[name])
        session.flush()
        org.users[name] = users[name].id
    region = Team(name="Region", manager_id=users["director"].id)
    session.add(region)
    session.flush()
    for key in ("a", "b"):
        team = Team(
            name=f"Team {key.upper()}", parent_id=region.id, manager_id=users[f"manager_{key}"].id
        )
        session.add(team)
        session.flush()
        org.teams[key] = team.id
    for name in ("rep_a1", "rep_a2", "manager_a"):
        users[name].team_id = org.teams["a"]
    users["rep_b1"].team_id = org.teams["b"]
    users["manager_b"].team_id = org.teams["b"]
    org.teams["region"] = region.id
    return users


def build_org(engine: Engine) -> Org:
    org = Org()
    with unit_of_work(engine) as session:
        users = _users(session, org)
        pipeline = session.scalar(select(Pipeline).where(Pipeline.is_default.is_(True)))
        assert pipeline is not None
        stages = session.scalars(
            select(Stage).where(Stage.pipeline_id == pipeline.id).order_by(Stage.position)
        ).all()
        org.stages = {s.name: s.id for s in stages}
        first = stages[0]
        for name in ("rep_a1", "rep_a2", "rep_b1", "manager_a"):
            deal = Opportunity(
                name=f"Deal of {name}",
                owner_id=users[name].id,
                pipeline_id=pipeline.id,
                stage_id=first.id,
                status="open",
                amount_minor=1_000_000,
                currency="USD",
                forecast_category=first.forecast_category,
                probability_bp=first.probability_bp,
                opened_on=date(2026, 10, 1),
                expected_close_on=date(2026, 12, 15),
            )
            session.add(deal)
            lead = Lead(
                first_name="Lead",
                last_name=f"of {name}",
                owner_id=users[name].id,
                status="new",
                received_at=NOW,
                company=f"{name} Inc",
            )
            session.add(lead)
            session.flush()
            org.deals[name] = deal.id
            org.leads[name] = lead.id
        queue = Lead(first_name="Queue", last_name="Lead", status="new", received_at=NOW)
        session.add(queue)
        session.flush()
        org.leads["unassigned"] = queue.id
        for name, user in users.items():
            org.tokens[name] = issue_token(
                session, user=user, name="test", scopes=None, now=NOW
            ).secret
    return org
