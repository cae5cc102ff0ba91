"""Matching against the database: the account index (cached), duplicates, links and merges.

The account index is rebuilt when the accounts change (count or latest ``updated_at``), so a
long-running API process matches against fresh data at the cost of one cheap query per lead.
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from coxswain.accounts.models import Account
from coxswain.audit.service import json_safe, record_change
from coxswain.auth.principal import Principal
from coxswain.leads.models import Lead
from coxswain.leads.service import get_lead
from coxswain.matching.engine.accounts import (
    DEFAULT_THRESHOLD,
    AccountIndex,
    AccountMatch,
    AccountRecord,
)
from coxswain.matching.engine.duplicates import (
    DuplicateIndex,
    LeadRecord,
    duplicate_keys,
    merge_updates,
)
from coxswain.matching.schemas import AccountMatchRead, DuplicateRead, LeadMatchRead
from coxswain.people.models import User
from coxswain.routing.engine.document import DEFAULT_DUPLICATE_KEYS
from coxswain.routing.engine.fields import LEAD_FIELDS
from coxswain.routing.enums import DuplicateAction
from coxswain.routing.errors import NoActiveRulesError
from coxswain.routing.models import LeadDuplicate
from coxswain.routing.rules_store import active_rules

DUPLICATE_STATUSES = ("new", "mql", "accepted", "qualified")

_cache_lock = threading.Lock()
_index_cache: dict[tuple[str, int], tuple[tuple[Any, ...], AccountIndex]] = {}


def lead_fields(lead: Lead) -> dict[str, Any]:
    """The lead's routable fields as a plain dict (what the engines read)."""
    return {name: getattr(lead, name) for name in LEAD_FIELDS}


def account_index(session: Session, threshold: int) -> AccountIndex:
    """Every live account, indexed; cached per database and threshold until accounts change."""
    fingerprint = tuple(
        session.execute(
            select(func.count(Account.id), func.max(Account.updated_at)).where(
                Account.deleted_at.is_(None)
            )
        ).one()
    )
    key = (str(session.get_bind().engine.url), threshold)
    with _cache_lock:
        cached = _index_cache.get(key)
        if cached is not None and cached[0] == fingerprint:
            return cached[1]
    owner = select(User.id, User.email).subquery()
    rows = session.execute(
        select(Account.id, Account.name, Account.domain, Account.website, owner.c.email)
        .outerjoin(owner, owner.c.id == Account.owner_id)
        .where(Account.deleted_at.is_(None))
        .order_by(Account.created_at, Account.id)
    ).all()
    records = [
        AccountRecord(str(r[0]), r[1], r[2], r[3], r[4].casefold() if r[4] else None) for r in rows
    ]
    index = AccountIndex(records, threshold)
    with _cache_lock:
        _index_cache[key] = (fingerprint, index)
    return index


def find_duplicate(
    session: Session, lead: Mapping[str, Any], lead_id: uuid.UUID | None, match_on: Sequence[str]
) -> tuple[Lead, str] | None:
    """The oldest open lead ``lead`` duplicates (by ``match_on`` keys), with the key kind."""
    keys = duplicate_keys(lead, match_on)
    if not keys:
        return None
    clauses: list[Any] = []
    for kind, key in keys:
        if kind == "email":
            clauses.append(Lead.email.in_({key, str(lead.get("email") or "").strip()}))
        elif kind == "phone":
            clauses.append(Lead.phone.like(f"%{key[-4:]}"))
        else:
            clauses.append(func.lower(Lead.last_name) == key.split("|")[1])
    query = (
        select(Lead)
        .where(or_(*clauses), Lead.deleted_at.is_(None), Lead.status.in_(DUPLICATE_STATUSES))
        .order_by(Lead.created_at, Lead.id)
        .limit(200)
    )
    if lead_id is not None:
        query = query.where(Lead.id != lead_id)
    candidates = list(session.scalars(query))
    index = DuplicateIndex(
        match_on, [LeadRecord(str(c.id), None, lead_fields(c)) for c in candidates]
    )
    found = index.find(lead)
    if found is None:
        return None
    original = next(c for c in candidates if str(c.id) == found[0].lead_ref)
    return original, found[1]


def link_duplicate(
    session: Session,
    *,
    lead: Lead,
    original: Lead,
    matched_on: str,
    at: datetime,
    actor_label: str,
) -> LeadDuplicate:
    """Record that ``lead`` duplicates ``original`` (both stay); idempotent."""
    existing = session.scalars(
        select(LeadDuplicate).where(
            LeadDuplicate.lead_id == lead.id, LeadDuplicate.duplicate_of_id == original.id
        )
    ).one_or_none()
    if existing is not None:
        return existing
    link = LeadDuplicate(
        lead_id=lead.id,
        duplicate_of_id=original.id,
        matched_on=matched_on,
        action=DuplicateAction.LINKED.value,
        detected_at=at,
        actor_label=actor_label,
    )
    session.add(link)
    return link


def merge_duplicate(
    session: Session,
    *,
    lead: Lead,
    original: Lead,
    matched_on: str,
    at: datetime,
    actor_label: str,
    actor_id: uuid.UUID | None = None,
) -> LeadDuplicate:
    """Fill ``original``'s blanks from ``lead``, soft-delete ``lead``, record both changes."""
    updates = merge_updates(lead_fields(original), lead_fields(lead))
    before = {name: json_safe(getattr(original, name)) for name in updates}
    for name, value in updates.items():
        setattr(original, name, value)
    lead.deleted_at = at
    link = LeadDuplicate(
        lead_id=lead.id,
        duplicate_of_id=original.id,
        matched_on=matched_on,
        action=DuplicateAction.MERGED.value,
        detected_at=at,
        actor_label=actor_label,
    )
    session.add(link)
    if updates:
        after = {name: json_safe(value) for name, value in updates.items()}
        record_change(
            session, actor_id=actor_id, actor_label=actor_label, action="merge",
            entity_type="lead", entity_id=original.id, before=before, after=after, occurred_at=at,
        )  # fmt: skip
    record_change(
        session, actor_id=actor_id, actor_label=actor_label, action="merged_into",
        entity_type="lead", entity_id=lead.id, before=None,
        after={"merged_into": str(original.id), "matched_on": matched_on}, occurred_at=at,
    )  # fmt: skip
    return link


def describe_match(match: AccountMatch) -> str:
    return f"{match.account.name} ({match.description})"


def match_lead(session: Session, actor: Principal, lead_id: uuid.UUID) -> LeadMatchRead:
    """The account ``lead_id`` belongs to and the open lead it duplicates, as routing sees them:
    the published rules' ``account_match`` threshold and ``duplicates`` keys, else the defaults
    (threshold 90, e-mail). Changes nothing.

    Raises:
        NotFoundError: no such lead, or ``actor`` may not see it.
    """
    get_lead(session, actor, lead_id)
    lead = session.get(Lead, lead_id)
    assert lead is not None  # get_lead found it
    threshold, keys, source = DEFAULT_THRESHOLD, list(DEFAULT_DUPLICATE_KEYS), "built-in defaults"
    try:
        compiled = active_rules(session).compiled
        threshold, keys = compiled.account_match.name_threshold, list(compiled.duplicates.match_on)
        source = "published rules"
    except NoActiveRulesError:
        pass
    fields = lead_fields(lead)
    found = account_index(session, threshold).match(fields)
    duplicate = find_duplicate(session, fields, lead.id, keys)
    return LeadMatchRead(
        lead_id=lead.id, account=_account_read(found) if found else None,
        duplicate_of=_duplicate_read(session, *duplicate) if duplicate else None,
        name_threshold=threshold, duplicate_keys=keys, settings_source=source,
    )  # fmt: skip


def _account_read(match: AccountMatch) -> AccountMatchRead:
    record = match.account
    return AccountMatchRead(
        account_id=uuid.UUID(record.account_id), name=record.name, domain=record.domain,
        owner_email=record.owner, matched_on=match.matched_on, score=match.score,
        others=match.others, description=match.description,
    )  # fmt: skip


def _duplicate_read(session: Session, original: Lead, matched_on: str) -> DuplicateRead:
    owner = session.get(User, original.owner_id) if original.owner_id else None
    return DuplicateRead(
        lead_id=original.id, lead_ref=original.external_id or str(original.id),
        matched_on=matched_on, owner_email=owner.email if owner else None,
    )  # fmt: skip
