"""SLA clocks: one lead's (``/leads/{id}/sla``), a queue's waiting leads (``/sla/queues/{q}``),
the leads queue with breach filters (``/sla/leads``), and the two steps that stop the clocks
(``/leads/{id}/accept``, ``/leads/{id}/first-touch``).

Minutes are business minutes on the policy's calendar. A lead the caller may not see answers
404; a queue lists only the leads the caller may see (unowned leads: sales ops, finance,
admins).
"""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import BaseModel

from coxswain.api.deps import ClockDep, CurrentUser, SessionDep
from coxswain.api.schemas import ERROR_RESPONSES
from coxswain.auth.visibility import visibility_for
from coxswain.leads.schemas import LeadRead
from coxswain.leads.service import get_lead
from coxswain.sla import handoff
from coxswain.sla.board import QueueQuery, lead_queue
from coxswain.sla.schemas import LeadSla, MilestoneRead, QueueStatus
from coxswain.sla.service import lead_sla, queue_status

router = APIRouter(tags=["sla"], responses=ERROR_RESPONSES)


class QueueRowOut(BaseModel):
    lead: LeadRead
    policy: str | None
    breach: str
    queue: str | None
    accept: MilestoneRead | None
    first_touch: MilestoneRead | None


class LeadQueueOut(BaseModel):
    items: list[QueueRowOut]
    matching: int
    counts: dict[str, int]
    queues: list[str]
    truncated: bool


@router.get("/leads/{lead_id}/sla", response_model=LeadSla)
def lead_clocks(
    session: SessionDep, clock: ClockDep, user: CurrentUser, lead_id: uuid.UUID
) -> LeadSla:
    """The lead's accept and first-touch milestones now: state, due, elapsed and remaining."""
    get_lead(session, user, lead_id)
    return lead_sla(session, user, [lead_id], as_of=clock.now())[0]


@router.get("/sla/queues/{queue}", response_model=QueueStatus)
def queue_clocks(
    session: SessionDep, clock: ClockDep, user: CurrentUser, queue: str
) -> QueueStatus:
    """Unowned leads waiting in ``queue``, oldest first, with their first-touch clock."""
    status = queue_status(session, user, queue, as_of=clock.now())
    visible = visibility_for(session, user)
    if visible.everything:
        return status
    return status.model_copy(update={"leads": []})  # queued leads have no owner


@router.get("/sla/leads", response_model=LeadQueueOut)
def leads_queue(
    session: SessionDep, clock: ClockDep, user: CurrentUser, query: Annotated[QueueQuery, Query()]
) -> LeadQueueOut:
    """The open leads the caller may see with their clocks; filter by ``breach`` state
    (breached, due, done, none), ``queue``, ``owner_id``; sort by next ``due``, ``received``
    or ``owner``."""
    board = lead_queue(session, user, query, as_of=clock.now())
    items = [
        QueueRowOut(lead=r.lead, policy=r.policy, breach=r.breach, queue=r.queue,
                    accept=r.accept, first_touch=r.first_touch)
        for r in board.rows
    ]  # fmt: skip
    return LeadQueueOut(
        items=items, matching=board.matching, counts=board.counts, queues=board.queues,
        truncated=board.truncated,
    )  # fmt: skip


@router.post("/leads/{lead_id}/accept", response_model=LeadRead)
def accept(session: SessionDep, clock: ClockDep, user: CurrentUser, lead_id: uuid.UUID) -> LeadRead:
    """The owner takes the lead (stops the accept clock); only from new or MQL."""
    return handoff.accept_lead(session, user, lead_id, at=clock.now())


@router.post("/leads/{lead_id}/first-touch", response_model=LeadRead)
def first_touch(
    session: SessionDep, clock: ClockDep, user: CurrentUser, lead_id: uuid.UUID
) -> LeadRead:
    """The first call or e-mail (stops the first-touch clock; accepts the lead if needed)."""
    return handoff.record_first_touch(session, user, lead_id, at=clock.now())
