"""Rules documents: read a YAML/JSON file, compile once (cached by content), publish, activate.

Publishing stores the parsed document as a new version and makes it the active one; the
previous versions stay for audit and can be re-activated. Pool rotations are keyed by pool
name, so a new version keeps the turn of every pool it keeps.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from sqlalchemy import update
from sqlalchemy.orm import Session

from coxswain.audit.service import record_change
from coxswain.auth.principal import Permission, Principal
from coxswain.core.errors import CoxswainError
from coxswain.routing import pool_rows, repository
from coxswain.routing.engine.compiler import check_reps, compile_rules, document_sha256
from coxswain.routing.engine.model import CompiledRules
from coxswain.routing.errors import NoActiveRulesError, RulesError
from coxswain.routing.models import RoutingRuleSet
from coxswain.routing.rep_queries import known_emails
from coxswain.routing.schemas import RulesValidation

_compiled: dict[str, CompiledRules] = {}
_compiled_lock = threading.Lock()


@dataclass(frozen=True, slots=True)
class LoadedRules:
    """Compiled rules and where they came from (a published version or a file)."""

    compiled: CompiledRules
    source: str
    rule_set_id: Any = None
    version: int | None = None


def read_rules_file(path: Path) -> dict[str, Any]:
    """Parse a YAML or JSON rules file (JSON is YAML, so one parser reads both).

    Raises:
        RulesError: the file is missing, unreadable, not YAML/JSON, or not a mapping.
    """
    source = str(path)
    if not path.is_file():
        raise RulesError(source, "", "file not found")
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise RulesError(source, "", f"cannot read the file ({exc})") from None
    return parse_rules_text(text, source, as_json=path.suffix.lower() == ".json")


def parse_rules_text(text: str, source: str, *, as_json: bool = False) -> dict[str, Any]:
    """Parse a rules document given as YAML (or, with ``as_json``, strict JSON) text.

    Raises:
        RulesError: not YAML/JSON (``where`` names the line and column), or not a mapping.
    """
    try:
        data = json.loads(text) if as_json else yaml.safe_load(text)
    except json.JSONDecodeError as exc:
        raise RulesError(source, f"line {exc.lineno}", f"not valid JSON: {exc.msg}") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = getattr(exc, "problem", None) or str(exc)
        raise RulesError(source, where, f"not valid YAML: {problem}") from None
    if not isinstance(data, dict):
        raise RulesError(source, "", "expected a mapping at the top level (version, pools, ...)")
    return data


def compile_cached(document: Mapping[str, Any], source: str) -> CompiledRules:
    """Compile ``document`` once per content; later calls return the same compiled rules."""
    key = document_sha256(document)
    with _compiled_lock:
        cached = _compiled.get(key)
    if cached is not None:
        return cached
    compiled = compile_rules(document, source)
    with _compiled_lock:
        _compiled[key] = compiled
    return compiled


def load_rules(session: Session, document: Mapping[str, Any], source: str) -> LoadedRules:
    """Compile ``document`` and check that every rep it names is a user."""
    compiled = compile_cached(document, source)
    check_reps(compiled, known_emails(session), source)
    if compiled.sla is not None:
        _check_notify_targets(session, compiled, source)
    return LoadedRules(compiled, source)


def _check_notify_targets(session: Session, compiled: CompiledRules, source: str) -> None:
    known = known_emails(session)
    for email in sorted(compiled.sla.notify_emails()):
        if email not in known:
            raise RulesError(source, "sla", f"notify {email!r}: no user with that e-mail")


def validate_rules(
    session: Session, actor: Principal, document: Mapping[str, Any], *, source: str = "rules"
) -> RulesValidation:
    """Check a document without storing it (for an editor's "validate" button).

    Returns ``valid=False`` with the one-line error instead of raising.
    """
    actor.require(Permission.READ, "validate routing rules")
    try:
        loaded = load_rules(session, document, source)
    except CoxswainError as exc:
        where = exc.where if isinstance(exc, RulesError) else None
        return RulesValidation(valid=False, error=str(exc), error_code=exc.code, where=where)
    compiled = loaded.compiled
    return RulesValidation(
        valid=True, rules=len(compiled.rules), pools=len(compiled.pools),
        warnings=list(compiled.warnings),
    )  # fmt: skip


def active_rules(session: Session, head: tuple[Any, int, str] | None = None) -> LoadedRules:
    """The published, active rule set, compiled (cached across calls by content).

    One small query per call (id, version, fingerprint) unless the caller read ``head``
    already; the document is read and compiled only the first time a process sees it.
    """
    head = head or repository.active_rule_set_head(session)
    if head is None:
        raise NoActiveRulesError(
            "no routing rules are published: run `coxswain route publish RULES.yaml` first"
        )
    rule_set_id, version, sha256 = head
    source = f"rule set v{version}"
    with _compiled_lock:
        compiled = _compiled.get(sha256)
    if compiled is None:
        row = repository.active_rule_set(session)
        assert row is not None
        compiled = compile_cached(row.document, source)
        with _compiled_lock:
            _compiled[sha256] = compiled
    return LoadedRules(compiled, source, rule_set_id, version)


def publish_rule_set(
    session: Session,
    actor: Principal,
    document: Mapping[str, Any],
    *,
    source_name: str | None,
    at: Any,
) -> RoutingRuleSet:
    """Validate, store as the next version and activate ``document``.

    Raises:
        RulesError: the document is invalid or names unknown reps.
        PermissionDeniedError: ``actor`` may not configure routing.
    """
    actor.require(Permission.CONFIGURE, "publish routing rules")
    loaded = load_rules(session, document, source_name or "rules")
    repository.take_write_lock(session)
    session.execute(
        update(RoutingRuleSet).where(RoutingRuleSet.is_active.is_(True)).values(is_active=False)
    )
    row = RoutingRuleSet(
        version=repository.next_rule_set_version(session),
        name=loaded.compiled.name,
        document=dict(document),
        sha256=loaded.compiled.sha256,
        is_active=True,
        published_at=at,
        published_by_id=actor.user_id,
        actor_label=actor.label,
        source_name=source_name,
    )
    session.add(row)
    session.flush()
    pool_rows.ensure_pools(session, loaded.compiled.pools)
    record_change(
        session, actor_id=actor.user_id, actor_label=actor.label, action="publish",
        entity_type="routing_rule_set", entity_id=row.id, before=None,
        after={"version": row.version, "sha256": row.sha256, "name": row.name}, occurred_at=at,
    )  # fmt: skip
    return row
