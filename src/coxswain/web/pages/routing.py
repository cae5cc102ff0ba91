"""The routing page: the published rule set and its versions; an editor (or an uploaded YAML
file) checked line by line, replayed on recent leads against the published rules, published;
the unowned leads waiting, each routed with one click."""

from __future__ import annotations

from typing import Annotated, Any

import yaml
from fastapi import APIRouter, File, Form, Request, UploadFile
from fastapi.responses import Response

from coxswain.api.deps import ClockDep, SessionDep
from coxswain.auth.principal import Permission
from coxswain.core.errors import ValidationError
from coxswain.routing.drafts import (
    check_draft,
    publish_draft,
    rule_set_detail,
    rule_set_versions,
    simulate_draft,
)
from coxswain.routing.errors import NoActiveRulesError, RuleSetNotFoundError
from coxswain.routing.schemas import MAX_RULES_TEXT, RulesDraft, RuleSetDetail
from coxswain.sla.board import QueueQuery, lead_queue
from coxswain.web.deps import CsrfSession, WebSession, render

router = APIRouter(include_in_schema=False)
UNPROCESSABLE = 422
STARTER = """\
version: 1
name: Inbound routing
fallback_queue: Unassigned
pools:
  - name: Inbound reps
    method: round_robin
    members: []          # rep e-mails, e.g. - ann@example.com
rules:
  - name: Everyone
    pool: Inbound reps
"""


def _as_yaml(document: dict[str, Any]) -> str:
    return yaml.safe_dump(document, sort_keys=False, allow_unicode=True, width=100)


def _page(
    request: Request,
    session: SessionDep,
    web: WebSession,
    clock: ClockDep,
    *,
    text: str | None = None,
    status_code: int = 200,
    **context: Any,
) -> Response:
    actor = web.principal
    try:
        current: RuleSetDetail | None = rule_set_detail(session, actor, None)
    except NoActiveRulesError:
        current = None
    shown = current
    wanted = request.query_params.get("version", "")
    if wanted.isdigit() and len(wanted) < 10:
        try:
            shown = rule_set_detail(session, actor, int(wanted))
        except RuleSetNotFoundError:
            context.setdefault("error", f"there is no version {wanted}")
    waiting = None
    if actor.can(Permission.REASSIGN):
        query = QueueQuery(show="open", unassigned=True, sort="received", limit=25)
        waiting = lead_queue(session, actor, query, as_of=clock.now())
    if text is None:
        text = _as_yaml(current.document) if current else STARTER
    return render(
        request, "routing.html", web, status_code=status_code, active="routing",
        current=current, shown=shown, shown_yaml=_as_yaml(shown.document) if shown else None,
        versions=rule_set_versions(session, actor), text=text, waiting=waiting,
        can_route=actor.can(Permission.REASSIGN), **context,
    )  # fmt: skip


@router.get("/routing")
def routing_page(
    request: Request, session: SessionDep, clock: ClockDep, web: WebSession
) -> Response:
    return _page(request, session, web, clock)


async def _draft_text(rules_text: str, rules_file: UploadFile | None) -> tuple[str, str]:
    """The text to check and its name: an uploaded file wins over the editor's text."""
    if rules_file is not None and rules_file.filename:
        content = await rules_file.read(MAX_RULES_TEXT + 1)
        name = rules_file.filename
        if len(content) > MAX_RULES_TEXT:
            raise ValidationError(f"{name}: larger than {MAX_RULES_TEXT // 1000} kB")
        try:
            return content.decode("utf-8-sig"), name
        except UnicodeDecodeError:
            raise ValidationError(f"{name}: not a UTF-8 text file (expected YAML)") from None
    if len(rules_text) > MAX_RULES_TEXT:
        raise ValidationError(f"rules: longer than {MAX_RULES_TEXT} characters")
    return rules_text, "web editor"


@router.post("/routing/rules")
async def rules_action(
    request: Request,
    session: SessionDep,
    clock: ClockDep,
    web: CsrfSession,
    action: Annotated[str, Form(pattern="^(validate|simulate|publish)$")],
    rules_text: Annotated[str, Form()] = "",
    days: Annotated[int, Form(ge=1, le=366)] = 30,
    rules_file: Annotated[UploadFile | None, File()] = None,
) -> Response:
    """Validate, simulate or publish the draft; the page shows the outcome under the editor."""
    web.principal.require(Permission.CONFIGURE, "edit routing rules")
    text, name = await _draft_text(rules_text, rules_file)
    draft = RulesDraft(yaml=text, source_name=name)
    checked = check_draft(session, web.principal, draft)
    if not checked.validation.valid:
        return _page(request, session, web, clock, text=text, status_code=UNPROCESSABLE,
                     validation=checked.validation)  # fmt: skip
    if action == "validate":
        return _page(request, session, web, clock, text=text, validation=checked.validation)
    if action == "simulate":
        report = simulate_draft(session, web.principal, draft, as_of=clock.now(), days=days)
        return _page(request, session, web, clock, text=text, simulation=report, days=days)
    published = publish_draft(session, web.principal, draft, at=clock.now())
    session.flush()
    return _page(request, session, web, clock,
                 message=f"Published version {published.version} ({published.name}).")  # fmt: skip
