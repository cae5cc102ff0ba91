"""``coxswain leads``: SLA compliance, escalations, queues and the lifecycle steps after routing."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from coxswain.auth.principal import Principal
from coxswain.cli.context import console, state
from coxswain.cli.main import app
from coxswain.cli.routing import parse_as_of
from coxswain.cli.workspace import ready_engine
from coxswain.core.errors import ValidationError
from coxswain.db.engine import unit_of_work
from coxswain.routing.errors import LeadNotFoundError
from coxswain.routing.repository import find_lead
from coxswain.routing.rules_store import load_rules, read_rules_file
from coxswain.sla import handoff
from coxswain.sla.escalation import run_escalations
from coxswain.sla.schemas import LeadSla, SlaGroupRow, SlaReport
from coxswain.sla.service import lead_sla, queue_status, sla_report

leads_app = typer.Typer(help="Leads after routing: SLA, escalations, queues, lifecycle.")
app.add_typer(leads_app, name="leads")

ACTOR = Principal.system("cli")
JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON.")]
AsOfOption = Annotated[
    str | None, typer.Option("--as-of", help="Evaluate as of this instant (default: now).")
]
RulesOption = Annotated[
    Path | None,
    typer.Option("--rules", help="Rules file whose sla: section to use (default: published)."),
]


def _date(text: str | None, option: str) -> datetime | None:
    if text is None:
        return None
    try:
        value = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        raise ValidationError(f"{option} {text!r}: expected a date such as 2025-01-31") from None
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value


@leads_app.command("sla")
def sla(
    ctx: typer.Context,
    lead_id: Annotated[
        str | None, typer.Argument(help="One lead's clocks instead of the report.")
    ] = None,
    since: Annotated[str | None, typer.Option(help="MQL on or after this date.")] = None,
    until: Annotated[str | None, typer.Option(help="MQL before this date (default: now).")] = None,
    as_of: AsOfOption = None,
    rules: RulesOption = None,
    as_json: JsonOption = False,
) -> None:
    """SLA compliance and lead response time per rep, team and source (or one lead's clocks).

    Compliance = met on time / (on time + late + missed); response time is business minutes
    from MQL to first touch (median and 90th percentile), plus the median in clock minutes.
    """
    when = parse_as_of(as_of)
    engine = ready_engine(state(ctx))
    with unit_of_work(engine) as session:
        if lead_id is not None:
            lead = find_lead(session, lead_id)
            if lead is None:
                raise LeadNotFoundError(f"lead {lead_id!r}: not found")
            clocks = lead_sla(session, ACTOR, [lead.id], as_of=when)
            _print_lead(clocks[0], as_json)
            return
        loaded = load_rules(session, read_rules_file(rules), str(rules)) if rules else None
        report = sla_report(
            session, ACTOR, as_of=when, since=_date(since, "--since"),
            until=_date(until, "--until"), rules=loaded,
        )  # fmt: skip
    if as_json:
        typer.echo(report.model_dump_json(indent=2))
    else:
        _render_report(report)


def _print_lead(clock: LeadSla, as_json: bool) -> None:
    if as_json:
        typer.echo(clock.model_dump_json(indent=2))
        return
    console.print(
        f"lead {clock.lead_ref}: owner {clock.owner_email or '-'}, policy {clock.policy or '-'}",
        highlight=False,
    )
    for m in clock.milestones:
        due = f"{m.due_at:%Y-%m-%d %H:%M} UTC" if m.due_at else "-"
        elapsed = f"{m.elapsed_minutes:.0f} business min" if m.elapsed_minutes is not None else ""
        console.print(f"  {m.milestone:<12} {m.state:<11} due {due}  {elapsed}", highlight=False)


def _render_report(report: SlaReport) -> None:
    console.print(
        f"SLA as of {report.as_of:%Y-%m-%d %H:%M} UTC — {report.leads:,} leads "
        f"({report.not_covered:,} not covered); policies: {report.policies_source}",
        highlight=False,
    )
    for title, rows in (
        ("Overall", [report.overall]),
        ("By rep", report.by_rep),
        ("By team", report.by_team),
        ("By source", report.by_source),
    ):
        console.print(_table(title, rows))


def _share(on_time: int, decided: int) -> str:
    return f"{on_time / decided:.0%} of {decided:,}" if decided else "-"


def _table(title: str, rows: list[SlaGroupRow]) -> Table:
    table = Table(title=title, title_justify="left")
    for column in ("", "leads", "accepted in SLA", "missed", "touched in SLA", "missed",
                   "median", "p90"):  # fmt: skip
        table.add_column(column, justify="left" if not column else "right")
    for row in rows:
        a, t = row.accept, row.first_touch
        table.add_row(
            row.group, f"{row.leads:,}", _share(a.on_time, a.on_time + a.late + a.missed),
            f"{a.missed:,}", _share(t.on_time, t.on_time + t.late + t.missed), f"{t.missed:,}",
            _hours(row.median_response_minutes), _hours(row.p90_response_minutes),
        )  # fmt: skip
    table.caption = "median / p90: business hours from MQL to first touch"
    return table


def _hours(minutes: float | None) -> str:
    return "-" if minutes is None else f"{minutes / 60:,.1f} h"


@leads_app.command("escalate")
def escalate(
    ctx: typer.Context,
    as_of: AsOfOption = None,
    rules: RulesOption = None,
    as_json: JsonOption = False,
) -> None:
    """Detect SLA breaches and run due escalation steps (notify, reassign, return to queue).

    Safe to run as often as you like (a cron job): each step runs once per breach.
    """
    when = parse_as_of(as_of)
    engine = ready_engine(state(ctx))
    with unit_of_work(engine) as session:
        loaded = load_rules(session, read_rules_file(rules), str(rules)) if rules else None
        report = run_escalations(session, ACTOR, as_of=when, rules=loaded)
    if as_json:
        typer.echo(report.model_dump_json(indent=2))
        return
    console.print(
        f"checked {report.leads_checked:,} open leads: {report.breaches_open:,} breached "
        f"milestones ({report.new_breaches:,} new), {len(report.actions):,} actions",
        highlight=False,
    )
    for action in report.actions[:50]:
        console.print(
            f"  {action.lead_ref} {action.milestone} step {action.step} {action.action}: "
            f"{action.outcome}",
            highlight=False,
        )


@leads_app.command("queue")
def queue(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="Queue name (from the rules).")],
    as_of: AsOfOption = None,
    as_json: JsonOption = False,
) -> None:
    """Leads waiting in a queue, oldest first, with their first-touch SLA clock."""
    when = parse_as_of(as_of)
    engine = ready_engine(state(ctx))
    with unit_of_work(engine) as session:
        status = queue_status(session, ACTOR, name, as_of=when)
    if as_json:
        typer.echo(status.model_dump_json(indent=2))
        return
    table = Table(title=f"queue {name!r}: {len(status.leads)} leads", title_justify="left")
    for column in ("lead", "queued at", "waiting (h)", "first touch", "why"):
        table.add_column(column)
    for lead in status.leads:
        touch = lead.first_touch.state if lead.first_touch else "-"
        table.add_row(
            lead.lead_ref, f"{lead.queued_at:%Y-%m-%d %H:%M}", f"{lead.waiting_minutes / 60:.1f}",
            touch, lead.reason,
        )  # fmt: skip
    console.print(table)


def _step(
    ctx: typer.Context, lead_id: str, at: str | None, action: Callable[..., Any], **extra: Any
) -> None:
    when = parse_as_of(at)
    engine = ready_engine(state(ctx))
    with unit_of_work(engine) as session:
        lead = find_lead(session, lead_id)
        if lead is None:
            raise LeadNotFoundError(f"lead {lead_id!r}: not found")
        read = action(session, ACTOR, lead.id, at=when, **extra)
    typer.echo(json.dumps({"lead": lead_id, "status": read.status.value}))


AtOption = Annotated[str | None, typer.Option("--at", help="When it happened (default: now).")]
LeadArgument = Annotated[str, typer.Argument(help="The lead's id or external id.")]


@leads_app.command("accept")
def accept(ctx: typer.Context, lead_id: LeadArgument, at: AtOption = None) -> None:
    """The owner accepts the lead (stops the accept SLA clock)."""
    _step(ctx, lead_id, at, handoff.accept_lead)


@leads_app.command("touch")
def touch(ctx: typer.Context, lead_id: LeadArgument, at: AtOption = None) -> None:
    """Record the first touch (stops the first-touch clock; accepts the lead if needed)."""
    _step(ctx, lead_id, at, handoff.record_first_touch)


@leads_app.command("qualify")
def qualify(ctx: typer.Context, lead_id: LeadArgument, at: AtOption = None) -> None:
    """Mark the lead qualified."""
    _step(ctx, lead_id, at, handoff.qualify_lead)


@leads_app.command("disqualify")
def disqualify(
    ctx: typer.Context,
    lead_id: LeadArgument,
    reason: Annotated[str, typer.Option("--reason", help="Why the lead is not a fit.")],
    at: AtOption = None,
) -> None:
    """Close the lead as not a fit (a reason is required)."""
    _step(ctx, lead_id, at, handoff.disqualify_lead, reason=reason)


@leads_app.command("recycle")
def recycle(ctx: typer.Context, lead_id: LeadArgument, at: AtOption = None) -> None:
    """Send the lead back to marketing nurture (clears its owner)."""
    _step(ctx, lead_id, at, handoff.recycle_lead)
