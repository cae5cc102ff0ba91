"""``/leads/{id}/matches``: the account a lead belongs to and the open lead it duplicates."""

from __future__ import annotations

import uuid

from fastapi import APIRouter

from coxswain.api.deps import CurrentUser, SessionDep
from coxswain.api.schemas import ERROR_RESPONSES
from coxswain.matching.schemas import LeadMatchRead
from coxswain.matching.service import match_lead

router = APIRouter(tags=["matching"], responses=ERROR_RESPONSES)


@router.get("/leads/{lead_id}/matches", response_model=LeadMatchRead)
def lead_matches(session: SessionDep, user: CurrentUser, lead_id: uuid.UUID) -> LeadMatchRead:
    """Matched as routing would (the published settings, else the defaults); changes nothing.
    A lead the caller may not see answers 404."""
    return match_lead(session, user, lead_id)
