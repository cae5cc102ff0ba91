"""Account and duplicate matching for many leads at once: indexes built once per run."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from coxswain.leads.models import Lead
from coxswain.matching.engine.accounts import AccountIndex
from coxswain.matching.engine.duplicates import DuplicateIndex, LeadRecord
from coxswain.matching.service import DUPLICATE_STATUSES, account_index
from coxswain.people.models import User
from coxswain.routing.engine.decision import AccountContext, Decision, DuplicateContext
from coxswain.routing.engine.model import CompiledRules
from coxswain.routing.engine.router import NO_CONTEXT, LeadContext


@dataclass(frozen=True, slots=True)
class BulkLead:
    """One lead to route in a batch: its reference, fields, database row (if any) and the
    instant it is routed at (``None``: the run's ``as_of``)."""

    ref: str
    fields: Mapping[str, Any]
    lead: Lead | None = None
    as_of: datetime | None = None


class BulkMatcher:
    """Matches each lead of a run to an account and to earlier leads (database and run)."""

    def __init__(self, session: Session, rules: CompiledRules) -> None:
        self.rules = rules
        self.accounts: AccountIndex | None = None
        self.duplicates: DuplicateIndex | None = None
        if rules.account_match.enabled:
            self.accounts = account_index(session, rules.account_match.name_threshold)
        if rules.duplicates.enabled:
            self.duplicates = DuplicateIndex(
                rules.duplicates.match_on, _open_leads(session, rules.duplicates.match_on)
            )

    def owners(self) -> set[str]:
        """Every account owner (they may be chosen before the rules)."""
        if self.accounts is None:
            return set()
        return {
            record.owner
            for group in self.accounts.by_name.values()
            for record in group
            if record.owner
        } | {
            record.owner
            for group in self.accounts.by_domain.values()
            for record in group
            if record.owner
        }

    def duplicate_owners(self) -> set[str]:
        if self.duplicates is None:
            return set()
        return {record.owner for record in self.duplicates.records() if record.owner}

    def context(self, item: BulkLead) -> LeadContext:
        account = None
        if self.accounts is not None:
            match = self.accounts.match(item.fields)
            if match is not None:
                record = match.account
                account = AccountContext(
                    record.account_id, record.name, record.owner, match.description, match.score
                )
        duplicate = None
        if self.duplicates is not None:
            found = self.duplicates.find(item.fields, exclude_ref=item.ref)
            if found is not None:
                duplicate = DuplicateContext(found[0].lead_ref, found[0].owner, found[1])
        if account is None and duplicate is None:
            return NO_CONTEXT
        return LeadContext(account=account, duplicate=duplicate)

    def remember(self, item: BulkLead, decision: Decision) -> None:
        """Later leads of the run that duplicate this one find it (and its new owner)."""
        if self.duplicates is not None:
            self.duplicates.add(LeadRecord(item.ref, decision.owner, item.fields))


def _open_leads(session: Session, match_on: Any) -> list[LeadRecord]:
    columns = (Lead.email, Lead.phone, Lead.first_name, Lead.last_name, Lead.company)
    wanted = {"email": [0], "phone": [1], "name_and_company": [2, 3, 4]}
    if not any(kind in wanted for kind in match_on):
        return []
    rows = session.execute(
        select(Lead.id, Lead.external_id, User.email, *columns)
        .outerjoin(User, User.id == Lead.owner_id)
        .where(Lead.deleted_at.is_(None), Lead.status.in_(DUPLICATE_STATUSES))
        .order_by(Lead.created_at, Lead.id)
    ).all()
    names = ("email", "phone", "first_name", "last_name", "company")
    return [
        LeadRecord(
            row[1] or str(row[0]),
            row[2].casefold() if row[2] else None,
            dict(zip(names, row[3:], strict=True)),
        )
        for row in rows
    ]
