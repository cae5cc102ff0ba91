"""A transparent default assignment rule, used until routing rules are configured.

For a lead, the candidates are active, in-office reps whose segment matches the lead's size
segment (every rep when the lead has none or nobody matches); the pick is the candidate with
the fewest open leads (status new, mql, accepted or qualified), ties broken by name. The
decision lists every candidate with their load, so the choice can be explained. Nothing is
assigned: this is a simulation.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from coxswain.auth.principal import Permission, Principal
from coxswain.core.enums import Role
from coxswain.leads.models import Lead
from coxswain.leads.service import get_lead
from coxswain.people.models import User

FIRST_TOUCH_SLA = timedelta(hours=24)
OPEN_STATUSES = ("new", "mql", "accepted", "qualified")


@dataclass
class Candidate:
    user_id: uuid.UUID
    name: str
    segment: str | None
    open_leads: int


@dataclass
class AssignmentDecision:
    lead_id: uuid.UUID
    lead_label: str
    chosen: Candidate | None
    reasons: list[str] = field(default_factory=list)
    candidates: list[Candidate] = field(default_factory=list)


def suggest_owner(session: Session, actor: Principal, lead_id: uuid.UUID) -> AssignmentDecision:
    """Simulate the default rule for ``lead_id`` (which ``actor`` must be able to see)."""
    actor.require(Permission.READ, "simulate routing")
    lead = get_lead(session, actor, lead_id)
    label = " ".join(p for p in (lead.first_name, lead.last_name) if p) or (
        lead.company or str(lead.id)
    )
    load = (select(Lead.owner_id, func.count().label("n")).where(Lead.status.in_(OPEN_STATUSES),
            Lead.deleted_at.is_(None)).group_by(Lead.owner_id).subquery())  # fmt: skip
    rows = session.execute(
        select(User.id, User.full_name, User.segment, func.coalesce(load.c.n, 0))
        .outerjoin(load, load.c.owner_id == User.id)
        .where(User.role == Role.REP.value, User.is_active.is_(True), User.out_of_office.is_(False),
               User.deleted_at.is_(None))
    ).all()  # fmt: skip
    everyone = [Candidate(r[0], r[1], r[2], int(r[3])) for r in rows]
    reasons = [f"{len(everyone)} active, in-office reps"]
    wanted = lead.size_segment.value if lead.size_segment else None
    matching = [c for c in everyone if wanted and c.segment == wanted]
    if wanted and matching:
        reasons.append(f"{len(matching)} of them cover the {wanted} segment")
    elif wanted:
        reasons.append(f"nobody covers the {wanted} segment: every rep is a candidate")
    pool = sorted(matching or everyone, key=lambda c: (c.open_leads, c.name))
    chosen = pool[0] if pool else None
    if chosen:
        reasons.append(f"{chosen.name} has the fewest open leads ({chosen.open_leads})")
    else:
        reasons.append("no rep can take the lead: it stays in the queue")
    return AssignmentDecision(lead_id=lead.id, lead_label=label, chosen=chosen, reasons=reasons,
                              candidates=pool[:10])  # fmt: skip
