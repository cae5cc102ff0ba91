"""The leads queue: the open leads a user may see, each with its SLA clocks and queue.

Each lead's accept and first-touch milestones come from :func:`coxswain.sla.service.lead_sla`
(the published policies on business calendars). A lead is *breached* when one milestone is
breached, else *due* when one is running, else *done*. The queue is the one its current
routing decision left it in (unowned leads only). Filtering by breach state needs the clocks,
so the newest ``MAX_LEADS`` open leads are evaluated, then filtered, sorted and paged here.
"""

from __future__ import annotations

import uuid
from collections import Counter
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import select
from sqlalchemy.orm import Session

from coxswain.auth.listing import PageParams
from coxswain.auth.principal import Principal
from coxswain.leads import service as leads_service
from coxswain.leads.schemas import LeadFilters, LeadRead
from coxswain.routing.models import RoutingDecision
from coxswain.sla.schemas import LeadSla, MilestoneRead
from coxswain.sla.service import lead_sla

MAX_LEADS = 1000
BATCH = 200
OPEN = ("new", "mql", "accepted", "qualified")
BreachState = Literal["breached", "due", "done", "none"]


class QueueQuery(BaseModel):
    """What the queue shows: untouched or every open lead, filtered, sorted and paged."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    show: Literal["unworked", "open"] = "unworked"
    breach: Literal["all", "breached", "due", "done", "none"] = "all"
    queue: str | None = Field(None, max_length=200)
    owner_id: uuid.UUID | None = None
    unassigned: bool = False
    sort: Literal["due", "received", "owner"] = "due"
    offset: int = Field(0, ge=0, le=MAX_LEADS)
    limit: int = Field(50, ge=1, le=200)


@dataclass(frozen=True, slots=True)
class QueueRow:
    lead: LeadRead
    policy: str | None
    accept: MilestoneRead | None
    first_touch: MilestoneRead | None
    breach: BreachState
    queue: str | None

    @property
    def next_due(self) -> datetime | None:
        """The earliest due instant of a running or breached milestone."""
        running = [m.due_at for m in self.milestones if m.state in ("due", "breached")]
        return min((d for d in running if d is not None), default=None)

    @property
    def milestones(self) -> list[MilestoneRead]:
        return [m for m in (self.accept, self.first_touch) if m is not None]


@dataclass(frozen=True, slots=True)
class LeadQueue:
    rows: list[QueueRow]
    matching: int
    counts: dict[str, int]
    queues: list[str]
    owners: list[tuple[uuid.UUID, str]]
    truncated: bool


def breach_state(sla: LeadSla | None) -> BreachState:
    if sla is None or sla.policy is None:
        return "none"
    states = {m.state for m in sla.milestones}
    if "breached" in states:
        return "breached"
    return "due" if "due" in states else "done"


def _visible_open_leads(
    session: Session, actor: Principal, query: QueueQuery
) -> tuple[list[LeadRead], bool]:
    filters = LeadFilters(
        unworked=True if query.show == "unworked" else None, owner_id=query.owner_id
    )
    leads: list[LeadRead] = []
    offset = 0
    while len(leads) < MAX_LEADS:
        page = leads_service.list_leads(
            session, actor, filters, PageParams(limit=BATCH, offset=offset, sort="-received_at")
        )
        leads.extend(lead for lead in page.items if lead.status.value in OPEN)
        if not page.has_more:
            return leads, False
        offset += BATCH
    return leads[:MAX_LEADS], True


def _queues(session: Session, lead_ids: list[uuid.UUID]) -> dict[uuid.UUID, str]:
    found: dict[uuid.UUID, str] = {}
    for start in range(0, len(lead_ids), BATCH):
        rows = session.execute(
            select(RoutingDecision.lead_id, RoutingDecision.queue_name).where(
                RoutingDecision.lead_id.in_(lead_ids[start : start + BATCH]),
                RoutingDecision.is_current.is_(True),
                RoutingDecision.queue_name.is_not(None),
            )
        )
        found.update({i: name for i, name in rows if i is not None and name is not None})
    return found


def _sort_key(sort: str, row: QueueRow) -> tuple[object, ...]:
    received = row.lead.received_at or row.lead.created_at
    if sort == "received":
        return (received, str(row.lead.id))
    if sort == "owner":
        return (row.lead.owner_name is None, row.lead.owner_name or "", received)
    due = row.next_due
    return (due is None, due or received, received, str(row.lead.id))


def lead_queue(
    session: Session, actor: Principal, query: QueueQuery, *, as_of: datetime
) -> LeadQueue:
    """The queue page's rows (one page of them) and the figures for its filters."""
    leads, truncated = _visible_open_leads(session, actor, query)
    ids = [lead.id for lead in leads]
    clocks = {item.lead_id: item for item in lead_sla(session, actor, ids, as_of=as_of)}
    queues = _queues(session, ids)
    rows = []
    for lead in leads:
        sla = clocks.get(lead.id)
        by_name = {m.milestone: m for m in sla.milestones} if sla else {}
        queue = queues.get(lead.id) if lead.owner_id is None else None
        rows.append(
            QueueRow(
                lead, sla.policy if sla else None, by_name.get("accept"),
                by_name.get("first_touch"), breach_state(sla), queue,
            )
        )  # fmt: skip
    owners = sorted(
        {(r.lead.owner_id, r.lead.owner_name or "") for r in rows if r.lead.owner_id},
        key=lambda pair: pair[1],
    )
    kept = [
        row
        for row in rows
        if (query.queue is None or row.queue == query.queue)
        and (not query.unassigned or row.lead.owner_id is None)
    ]
    counts = Counter(row.breach for row in kept)
    if query.breach != "all":
        kept = [row for row in kept if row.breach == query.breach]
    kept.sort(key=lambda row: _sort_key(query.sort, row))
    return LeadQueue(
        rows=kept[query.offset : query.offset + query.limit], matching=len(kept),
        counts={state: counts.get(state, 0) for state in ("breached", "due", "done", "none")},
        queues=sorted(set(queues.values())), owners=[(i, n) for i, n in owners if i],
        truncated=truncated,
    )  # fmt: skip
