"""The rules editor's use cases: read the published versions, check a draft (with the line at
fault), replay a draft on recent leads against the published rules, publish it.

A draft is not stored: it travels with each request (the editor's text, an uploaded file or
an API body) until it is published as the next version (see :mod:`rules_store`). Reading rules
needs read access; checking, simulating and publishing need the right to configure routing
(sales ops, admins): reps and managers cannot edit rules.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from coxswain.auth.principal import Permission, Principal
from coxswain.leads.models import Lead
from coxswain.matching.service import lead_fields
from coxswain.routing.bulk_context import BulkLead
from coxswain.routing.errors import NoActiveRulesError, RulesError, RuleSetNotFoundError
from coxswain.routing.models import RoutingRuleSet
from coxswain.routing.rules_store import (
    LoadedRules,
    active_rules,
    load_rules,
    parse_rules_text,
    publish_rule_set,
    validate_rules,
)
from coxswain.routing.schemas import (
    RulesDraft,
    RuleSetDetail,
    RuleSetRead,
    RulesValidation,
    SimulationReport,
)
from coxswain.routing.simulation import simulate

DRAFT_SOURCE = "draft"
_QUOTED = re.compile(r"'([^']+)'")
_LINE = re.compile(r"line (\d+)")


@dataclass(frozen=True, slots=True)
class CheckedDraft:
    """A draft's validation and, when it parsed, its document."""

    validation: RulesValidation
    document: dict[str, Any] | None


def rule_set_versions(session: Session, actor: Principal) -> list[RuleSetRead]:
    """Every published version, newest first (the active one is flagged)."""
    actor.require(Permission.READ, "read routing rules")
    rows = session.scalars(select(RoutingRuleSet).order_by(RoutingRuleSet.version.desc()))
    return [RuleSetRead.model_validate(row) for row in rows]


def rule_set_detail(session: Session, actor: Principal, version: int | None) -> RuleSetDetail:
    """One published version with its document; ``None`` is the active version.

    Raises:
        NoActiveRulesError: ``version`` is None and nothing is published.
        RuleSetNotFoundError: no version with that number.
    """
    actor.require(Permission.READ, "read routing rules")
    query = select(RoutingRuleSet)
    if version is None:
        row = session.scalar(query.where(RoutingRuleSet.is_active.is_(True)))
        if row is None:
            raise NoActiveRulesError("no routing rules are published yet")
    else:
        row = session.scalar(query.where(RoutingRuleSet.version == version))
        if row is None:
            raise RuleSetNotFoundError(f"routing rule set version {version}: not found")
    return RuleSetDetail.model_validate(row)


def locate_line(text: str, where: str, problem: str) -> int | None:
    """The 1-based line of ``text`` an error points at, best effort.

    A YAML syntax error names its line. Otherwise the item named in ``where`` (``pool 'SMB'``)
    is found by its ``name:`` line, then the first quoted value of ``problem`` (an unknown key,
    an unknown rep) at or after it; a bare key (``fallback_queue``) by its ``key:`` line.
    """
    found = _LINE.match(where)
    if found:
        return int(found.group(1))
    lines = text.splitlines()
    start, anchored = 0, False
    for name in _QUOTED.findall(where):
        pattern = rf"^\s*(-\s*)?name:\s*['\"]?{re.escape(name)}['\"]?\s*(#.*)?$"
        line = _find(lines, pattern, start)
        if line is not None:
            start, anchored = line, True
    if not anchored and where:
        key = re.split(r"[.\[ (]", where, maxsplit=1)[0]
        line = _find(lines, rf"^\s*{re.escape(key)}\s*:", 0) if key else None
        if line is not None:
            start, anchored = line, True
    for token in _QUOTED.findall(problem):
        line = _find(lines, re.escape(token), start)
        if line is not None:
            return line + 1
    return start + 1 if anchored else None


def _find(lines: list[str], pattern: str, start: int) -> int | None:
    regex = re.compile(pattern)
    return next((n for n in range(start, len(lines)) if regex.search(lines[n])), None)


def check_draft(session: Session, actor: Principal, draft: RulesDraft) -> CheckedDraft:
    """Parse and validate ``draft`` without storing it; a problem is returned, not raised."""
    actor.require(Permission.CONFIGURE, "edit routing rules")
    source = draft.source_name or DRAFT_SOURCE
    document = draft.document
    if draft.yaml is not None:
        try:
            document = parse_rules_text(draft.yaml, source)
        except RulesError as exc:
            return CheckedDraft(_invalid(exc, draft.yaml), None)
    assert document is not None  # RulesDraft guarantees one of the two
    validation = validate_rules(session, actor, document, source=source)
    if not validation.valid and draft.yaml is not None and validation.where is not None:
        problem = (validation.error or "").removeprefix(f"{source}: {validation.where}: ")
        line = locate_line(draft.yaml, validation.where, problem)
        validation = validation.model_copy(update={"line": line})
    return CheckedDraft(validation, document)


def _invalid(exc: RulesError, text: str) -> RulesValidation:
    return RulesValidation(
        valid=False, error=str(exc), error_code=exc.code, where=exc.where or None,
        line=locate_line(text, exc.where, exc.problem),
    )  # fmt: skip


def _usable(
    session: Session, actor: Principal, draft: RulesDraft
) -> tuple[LoadedRules, dict[str, Any]]:
    """The draft compiled and parsed, or the :class:`RulesError` that stops it."""
    actor.require(Permission.CONFIGURE, "edit routing rules")
    source = draft.source_name or DRAFT_SOURCE
    document = parse_rules_text(draft.yaml, source) if draft.yaml is not None else draft.document
    assert document is not None  # RulesDraft guarantees one of the two
    return load_rules(session, document, source), document


def recent_leads(session: Session, *, as_of: datetime, days: int, limit: int) -> list[BulkLead]:
    """Live leads received in the ``days`` before ``as_of``: the newest ``limit``, oldest first."""
    received = func.coalesce(Lead.received_at, Lead.mql_at, Lead.created_at)
    rows = session.scalars(
        select(Lead)
        .where(
            Lead.deleted_at.is_(None),
            received >= as_of - timedelta(days=days),
            received <= as_of,
        )
        .order_by(received.desc(), Lead.id.desc())
        .limit(limit)
    ).all()
    return [BulkLead(lead.external_id or str(lead.id), lead_fields(lead), lead) for lead in rows][
        ::-1
    ]


def simulate_draft(
    session: Session,
    actor: Principal,
    draft: RulesDraft,
    *,
    as_of: datetime,
    days: int = 30,
    limit: int = 2000,
) -> SimulationReport:
    """Replay the recent leads under ``draft`` and under the published rules (if any).

    Raises:
        RulesError: the draft is invalid (nothing is simulated).
    """
    proposed, _ = _usable(session, actor, draft)
    try:
        current: LoadedRules | None = active_rules(session)
    except NoActiveRulesError:
        current = None
    items = recent_leads(session, as_of=as_of, days=days, limit=limit)
    return simulate(session, actor, items, proposed=proposed, current=current, as_of=as_of)


def publish_draft(
    session: Session, actor: Principal, draft: RulesDraft, *, at: datetime
) -> RuleSetRead:
    """Validate ``draft`` and publish it as the next, active version.

    Raises:
        RulesError: the draft is invalid (nothing is published).
        PermissionDeniedError: ``actor`` may not configure routing.
    """
    actor.require(Permission.CONFIGURE, "publish routing rules")
    _, document = _usable(session, actor, draft)
    row = publish_rule_set(session, actor, document, source_name=draft.source_name, at=at)
    return RuleSetRead.model_validate(row)
