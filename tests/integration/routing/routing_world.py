"""A small org builder for routing and SLA tests (real rows, no mocks)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from coxswain.accounts.models import Account
from coxswain.auth.principal import Principal
from coxswain.leads.models import Lead
from coxswain.people.models import Team, User
from coxswain.routing.rules_store import LoadedRules, active_rules, publish_rule_set

T0 = datetime(2025, 3, 4, 15, 0, tzinfo=UTC)  # Tue 10:00 New York, 16:00 Berlin
SYSTEM = Principal.system("test")
NINE_TO_FIVE = {day: [["09:00", "17:00"]] for day in ("mon", "tue", "wed", "thu", "fri")}


@dataclass
class World:
    session: Session

    def team(self, name: str, manager: User | None = None) -> Team:
        team = Team(name=name, manager_id=manager.id if manager else None)
        self.session.add(team)
        self.session.flush()
        return team

    def user(self, email: str, **values: Any) -> User:
        fields: dict[str, Any] = {
            "full_name": email.split("@", maxsplit=1)[0].title(),
            "role": "rep",
            "time_zone": "America/New_York",
            "working_hours": NINE_TO_FIVE,
        }
        fields.update(values)
        user = User(email=email, **fields)
        self.session.add(user)
        self.session.flush()
        return user

    def lead(self, external_id: str, **values: Any) -> Lead:
        fields: dict[str, Any] = {"status": "mql", "received_at": T0, "mql_at": T0}
        fields.update(values)
        lead = Lead(external_id=external_id, external_source="test", **fields)
        self.session.add(lead)
        self.session.flush()
        return lead

    def account(self, name: str, **values: Any) -> Account:
        account = Account(name=name, **values)
        self.session.add(account)
        self.session.flush()
        return account

    def publish(self, document: dict[str, Any], at: datetime = T0) -> LoadedRules:
        publish_rule_set(self.session, SYSTEM, document, source_name="test.yaml", at=at)
        self.session.flush()
        return active_rules(self.session)

    def count(self, model: Any, *where: Any) -> int:
        return int(self.session.scalar(select(func.count()).select_from(model).where(*where)) or 0)


def round_robin(*emails: str, **extra: Any) -> dict[str, Any]:
    """A one-pool document: every lead to ``emails`` in turn."""
    pool = {"name": "Pool", "method": "round_robin", "members": list(emails)}
    pool.update(extra.pop("pool", {}))
    document = {
        "fallback_queue": "Unassigned",
        "pools": [pool],
        "rules": [{"name": "Everyone", "pool": "Pool"}],
    }
    document.update(extra)
    return document
