"""The filter bar's choices (teams, and the active reps the user may see) for the dashboard,
analytics and pipeline pages, kept until the data changes.

Loading 200 users and every team, then validating them, cost more than the rest of a cached
dashboard request. The choices depend only on what the user may see and on the data, so they
are cached per (database, visible owners) in a :class:`~coxswain.api.report_cache.VersionedCache`
at the app's :class:`~coxswain.api.data_version.DataVersion`: a new user or team shows on the
next refresh, and a user never gets the list of a wider scope than their own.
"""

from __future__ import annotations

import threading
from typing import Any

from fastapi import Request
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from coxswain.api.data_version import DataVersion
from coxswain.api.report_cache import VersionedCache
from coxswain.auth.listing import PageParams
from coxswain.auth.principal import Permission, Principal
from coxswain.auth.sessions import ActiveSession
from coxswain.auth.visibility import visibility_for, visible_owner_ids
from coxswain.db.engine import unit_of_work
from coxswain.people.schemas import UserFilters
from coxswain.people.service import list_teams, list_users

CHOICES = VersionedCache()


def _load(session: Session, principal: Principal) -> dict[str, Any]:
    visible = visibility_for(session, principal)
    users = list_users(session, principal, UserFilters(is_active=True), PageParams(limit=200)).items
    reps = [u for u in users if visible.allows(u.id)]
    return {"teams": list_teams(session, principal), "reps": reps}


def filter_choices(request: Request, session: Session, web: ActiveSession) -> dict[str, Any]:
    """``teams`` and ``reps`` for the filter bar (reps limited to what the user may see)."""
    principal = web.principal
    principal.require(Permission.READ, "list users")
    engine: Engine = request.app.state.engine
    version: DataVersion = request.app.state.data_version
    owners = visible_owner_ids(session, principal)
    caller = threading.get_ident()

    def compute() -> dict[str, Any]:
        if threading.get_ident() == caller:  # the caller waits: its own unit of work serves
            return _load(session, principal)
        with unit_of_work(engine) as own:  # a background refresh opens its own
            return _load(own, principal)

    return CHOICES.get((engine, owners), version.current(), compute)
