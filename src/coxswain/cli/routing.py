"""``coxswain route``: batch, simulate, explain, publish, validate, pending, lead.

The adapter reads files and the clock, opens one unit of work and calls the routing services;
a user's mistake (bad rules, unknown lead) is a ``CoxswainError``: one line, exit code 1.
"""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from coxswain.auth.principal import Principal
from coxswain.cli.context import console, err_console, state
from coxswain.cli.main import app
from coxswain.cli.workspace import ready_engine
from coxswain.core.clock import SystemClock
from coxswain.core.errors import ValidationError
from coxswain.db.engine import unit_of_work
from coxswain.routing import bulk, service
from coxswain.routing.bulk_context import BulkLead
from coxswain.routing.enums import RunKind
from coxswain.routing.files import read_leads_file, write_routing_csv
from coxswain.routing.rules_store import (
    LoadedRules,
    active_rules,
    load_rules,
    publish_rule_set,
    read_rules_file,
)
from coxswain.routing.schemas import BatchSummary, DecisionRead, Explanation, SimulationReport
from coxswain.routing.simulation import simulate

route_app = typer.Typer(help="Lead routing: rules as data, explained decisions, what-if.")
app.add_typer(route_app, name="route")

RulesOption = Annotated[Path, typer.Option("--rules", help="Rules file (YAML or JSON).")]
LeadsOption = Annotated[Path, typer.Option("--leads", help="Leads file (CSV, XLSX, Parquet).")]
AsOfOption = Annotated[
    str | None,
    typer.Option("--as-of", help="Route as of this instant (ISO 8601; default: now)."),
]
JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON.")]
ACTOR = Principal.system("cli")


def parse_as_of(text: str | None) -> datetime:
    """``--as-of`` as an aware UTC datetime (no offset means UTC); default: the clock."""
    if text is None:
        return SystemClock().now()
    try:
        value = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        raise ValidationError(
            f"--as-of {text!r}: expected an ISO date-time such as 2025-03-04T15:00:00Z"
        ) from None
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _file_items(path: Path) -> tuple[list[BulkLead], list[str]]:
    leads_file = read_leads_file(path)
    warnings = list(leads_file.warnings)
    if leads_file.bad_values > len(leads_file.warnings):
        warnings.append(f"... {leads_file.bad_values - len(leads_file.warnings)} more")
    return [BulkLead(row.ref, row.fields) for row in leads_file.rows], warnings


@route_app.command("batch")
def batch(
    ctx: typer.Context,
    rules: RulesOption,
    leads: LeadsOption,
    out: Annotated[Path, typer.Option("--out", help="Output CSV: lead_id,owner,rule,method.")],
    as_of: AsOfOption = None,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Write the CSV only; store nothing.")
    ] = False,
    as_json: JsonOption = False,
) -> None:
    """Route a leads file: one output row per input lead, in input order.

    Every decision is stored with its explanation (see ``route explain``), pool rotations move
    on, and leads that exist in the database (same external id) get their new owner. Unroutable
    leads have an empty owner, the queue in ``rule`` and ``fallback`` in ``method``.
    """
    when = parse_as_of(as_of)
    document = read_rules_file(rules)
    items, warnings = _file_items(leads)
    engine = ready_engine(state(ctx))
    with unit_of_work(engine) as session:
        loaded = load_rules(session, document, str(rules))
        if not dry_run:
            items = bulk.attach_database_leads(session, items)
        decisions, summary = bulk.route_bulk(
            session, ACTOR, items, loaded=loaded, as_of=when, dry_run=dry_run,
            file_name=str(leads), warnings=warnings,
        )  # fmt: skip
    write_routing_csv(out, decisions)
    _render_summary(summary, out=out, as_json=as_json)


@route_app.command("pending")
def pending(
    ctx: typer.Context,
    rules: Annotated[
        Path | None, typer.Option("--rules", help="Rules file (default: the published rules).")
    ] = None,
    limit: Annotated[int | None, typer.Option(help="Route at most this many leads.")] = None,
    as_of: AsOfOption = None,
    as_json: JsonOption = False,
) -> None:
    """Route the database's open leads that have no owner (new and MQL, oldest first)."""
    when = parse_as_of(as_of)
    engine = ready_engine(state(ctx))
    with unit_of_work(engine) as session:
        loaded = _rules(session, rules)
        items = bulk.pending_items(session, limit=limit)
        _, summary = bulk.route_bulk(
            session, ACTOR, items, loaded=loaded, as_of=when, kind=RunKind.PENDING
        )
    _render_summary(summary, out=None, as_json=as_json)


def _rules(session: Any, path: Path | None) -> LoadedRules:
    if path is None:
        return active_rules(session)
    return load_rules(session, read_rules_file(path), str(path))


@route_app.command("lead")
def route_one(
    ctx: typer.Context,
    lead_id: Annotated[str, typer.Argument(help="The lead's id or external id.")],
    as_of: AsOfOption = None,
    as_json: JsonOption = False,
) -> None:
    """Route one database lead through the published rules (as a new lead would be)."""
    when = parse_as_of(as_of)
    engine = ready_engine(state(ctx))
    with unit_of_work(engine) as session:
        from coxswain.routing.repository import find_lead

        lead = find_lead(session, lead_id)
        lead_uuid = lead.id if lead is not None else _uuid_or_fail(lead_id)
        result = service.route_lead(session, ACTOR, lead_uuid, as_of=when)
    if as_json:
        typer.echo(result.model_dump_json(indent=2))
        return
    console.print(result.message, highlight=False)
    if result.decision is not None:
        _render_decision(result.decision)


def _uuid_or_fail(text: str) -> uuid.UUID:
    from coxswain.routing.errors import LeadNotFoundError

    try:
        return uuid.UUID(text)
    except ValueError:
        raise LeadNotFoundError(f"lead {text!r}: not found (give its id or external id)") from None


@route_app.command("simulate")
def simulate_command(
    ctx: typer.Context,
    rules: RulesOption,
    leads: LeadsOption,
    current: Annotated[
        Path | None,
        typer.Option("--current", help="Rules to compare with (default: the published rules)."),
    ] = None,
    as_of: AsOfOption = None,
    no_replay: Annotated[
        bool, typer.Option("--no-replay", help="Route every lead at --as-of, in file order.")
    ] = False,
    as_json: JsonOption = False,
) -> None:
    """Replay leads under proposed rules; compare each rep's share and load. Changes nothing."""
    when = parse_as_of(as_of)
    document = read_rules_file(rules)
    items, warnings = _file_items(leads)
    engine = ready_engine(state(ctx))
    with unit_of_work(engine) as session:
        proposed = load_rules(session, document, str(rules))
        baseline = _baseline(session, current)
        report = simulate(
            session, ACTOR, items, proposed=proposed, current=baseline, as_of=when,
            replay=not no_replay,
        )  # fmt: skip
        session.rollback()
    for warning in warnings:
        err_console.print(f"warning: {warning}", highlight=False, soft_wrap=True)
    if as_json:
        typer.echo(report.model_dump_json(indent=2))
    else:
        _render_simulation(report)


def _baseline(session: Any, current: Path | None) -> LoadedRules | None:
    if current is not None:
        return load_rules(session, read_rules_file(current), str(current))
    from coxswain.routing.errors import NoActiveRulesError

    try:
        return active_rules(session)
    except NoActiveRulesError:
        return None


@route_app.command("explain")
def explain(
    ctx: typer.Context,
    lead_id: Annotated[str, typer.Argument(help="Lead id, external id, or a batch file's id.")],
    as_json: JsonOption = False,
) -> None:
    """Why a lead went where it went: rule, candidates, the winner and every skip."""
    engine = ready_engine(state(ctx))
    with unit_of_work(engine) as session:
        explanation = service.explain_lead(session, ACTOR, lead_id)
    if as_json:
        typer.echo(explanation.model_dump_json(indent=2))
    else:
        _render_explanation(explanation)


@route_app.command("publish")
def publish(
    ctx: typer.Context,
    rules: Annotated[Path, typer.Argument(help="Rules file (YAML or JSON).")],
    as_json: JsonOption = False,
) -> None:
    """Validate a rules file and make it the active rule set (a new version)."""
    document = read_rules_file(rules)
    engine = ready_engine(state(ctx))
    with unit_of_work(engine) as session:
        row = publish_rule_set(
            session, ACTOR, document, source_name=str(rules), at=SystemClock().now()
        )
        payload = {"version": row.version, "name": row.name, "sha256": row.sha256}
    if as_json:
        typer.echo(json.dumps(payload))
    else:
        console.print(
            f"published {payload['name']!r} as version {payload['version']} (active)",
            highlight=False,
        )


@route_app.command("validate")
def validate(
    ctx: typer.Context,
    rules: Annotated[Path, typer.Argument(help="Rules file (YAML or JSON).")],
) -> None:
    """Check a rules file (structure, fields, operators, pools, reachability, reps)."""
    document = read_rules_file(rules)
    engine = ready_engine(state(ctx))
    with unit_of_work(engine) as session:
        loaded = load_rules(session, document, str(rules))
    compiled = loaded.compiled
    console.print(
        f"{rules}: valid — {len(compiled.rules)} rules, {len(compiled.pools)} pools, "
        f"{len(compiled.territories)} territories, fallback queue {compiled.fallback_queue!r}",
        highlight=False,
    )
    for warning in compiled.warnings:
        err_console.print(f"warning: {warning}", highlight=False, soft_wrap=True)


def _render_summary(summary: BatchSummary, *, out: Path | None, as_json: bool) -> None:
    if as_json:
        typer.echo(summary.model_dump_json(indent=2))
        return
    for warning in summary.warnings:
        err_console.print(f"warning: {warning}", highlight=False, soft_wrap=True)
    stored = "dry run: nothing stored" if summary.dry_run else f"run {summary.run_id}"
    written = f", wrote {out}" if out else ""
    console.print(
        f"routed {summary.leads:,} leads: {summary.assigned:,} assigned, {summary.queued:,} "
        f"queued in {summary.seconds:.2f} s ({stored}{written})",
        highlight=False,
    )
    table = Table(title="By rule", title_justify="left")
    table.add_column("rule / queue")
    table.add_column("leads", justify="right")
    for rule, count in list(summary.by_rule.items())[:20]:
        table.add_row(rule, f"{count:,}")
    console.print(table)


def _render_simulation(report: SimulationReport) -> None:
    mode = "replayed at each lead's time" if report.replay else "all at --as-of"
    console.print(
        f"{report.leads:,} leads ({mode}); current: {report.current_source}; "
        f"proposed: {report.proposed_source}; {report.owner_changes:,} would change owner",
        highlight=False,
    )
    table = Table(title="Reps: share and load", title_justify="left")
    for column in ("rep", "current", "share", "proposed", "share ", "Δ", "peak/day", "days at cap"):
        table.add_column(column, justify="left" if column == "rep" else "right")
    for row in report.reps:
        table.add_row(
            row.rep, f"{row.current_leads:,}", f"{row.current_share:.1%}",
            f"{row.proposed_leads:,}", f"{row.proposed_share:.1%}", f"{row.delta:+,}",
            f"{row.current_peak_day} → {row.proposed_peak_day}", str(row.proposed_days_at_cap),
        )  # fmt: skip
    console.print(table)
    for title, pairs in (("Queues", report.queues), ("Rules", report.rules)):
        table = Table(title=title, title_justify="left")
        for column in ("name", "current", "proposed"):
            table.add_column(column, justify="left" if column == "name" else "right")
        for name, (old, new) in pairs.items():
            table.add_row(name, f"{old:,}", f"{new:,}")
        console.print(table)


def _render_explanation(explanation: Explanation) -> None:
    _render_decision(explanation.current)
    if explanation.note:
        console.print(f"[yellow]note:[/] {explanation.note}", highlight=False)
    if len(explanation.history) > 1:
        console.print("history (newest first):", highlight=False)
        for row in explanation.history:
            who = row.owner_email or f"queue {row.queue}"
            console.print(
                f"  {row.decided_at:%Y-%m-%d %H:%M} {row.trigger:<15} → {who} ({row.method})",
                highlight=False,
            )


def _render_decision(decision: DecisionRead) -> None:
    target = decision.owner_email or f"queue {decision.queue!r}"
    console.print(
        f"[bold]lead {decision.lead_ref}[/] → [bold]{target}[/] ({decision.method})",
        highlight=False,
    )
    console.print(
        f"rule: {decision.rule or '-'}   pool: {decision.pool or '-'}   decided "
        f"{decision.decided_at:%Y-%m-%d %H:%M %Z} by {decision.actor_label} "
        f"({decision.trigger}, rules {decision.rules_sha256[:12]})",
        highlight=False,
    )
    console.print(f"why: {decision.reason}", highlight=False)
    for number, step in enumerate(decision.steps, start=1):
        console.print(f"  {number}. {step}", highlight=False)
    marks = {"chosen": "[green]✓[/]", "eligible": "·", "skipped": "[red]✗[/]"}
    for attempt in decision.attempts:
        table = Table(title=f"pool {attempt.pool} ({attempt.method})", title_justify="left")
        for column in ("", "rep", "verdict", "reason"):
            table.add_column(column)
        for candidate in attempt.candidates:
            table.add_row(
                marks[candidate.verdict], candidate.rep, candidate.verdict, candidate.reason
            )
        console.print(table)
