"""``coxswain demo``: build a realistic company, load it, show it (and serve the web app)."""

from __future__ import annotations

import importlib
import tempfile
import time
from datetime import date
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.panel import Panel
from rich.table import Table

from coxswain.cli.context import CliState, console, err_console, state
from coxswain.cli.imports import progress_bar
from coxswain.cli.main import app
from coxswain.core.clock import utcnow
from coxswain.core.errors import ConfigurationError
from coxswain.core.settings import get_settings
from coxswain.db import migrate
from coxswain.db.engine import make_engine, unit_of_work
from coxswain.imports.service import bundle_files, import_file
from coxswain.opportunities.summary import PipelineSummary, pipeline_summary
from coxswain.setup.service import seed_reference_data

DEMO_PASSWORD = "coxswain-demo"
DEMO_LOGINS = (
    ("admin@demo.coxswain.dev", "Demo Admin", "admin"),
    ("ops@demo.coxswain.dev", "Demo Sales Ops", "sales_ops"),
    ("finance@demo.coxswain.dev", "Demo Finance", "finance"),
)


def _demo_url(cli: CliState) -> str:
    if cli.database_url:
        return cli.database_url
    path = get_settings().data_dir / "demo.db"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    return f"sqlite:///{path}"


def build_demo(url: str, *, opportunities: int, seed: int, as_of: date) -> float:
    """Generate the demo company and import it into ``url``; returns the seconds it took."""
    from coxswain.generator.engine.company import iter_entities
    from coxswain.generator.engine.config import GeneratorConfig
    from coxswain.generator.file_format import FileFormat
    from coxswain.generator.writer import write_entities

    started = time.perf_counter()
    engine = make_engine(url)
    migrate.upgrade(engine)
    with unit_of_work(engine) as session:
        seed_reference_data(session)
        from sqlalchemy import func, select

        from coxswain.db.models import Opportunity

        if session.scalar(select(func.count()).select_from(Opportunity)):
            raise ConfigurationError(
                f"{url}: the demo needs an empty database (it has opportunities)"
            )
    config = GeneratorConfig(seed=seed, opportunities=opportunities, as_of=as_of)
    with tempfile.TemporaryDirectory(prefix="coxswain-demo-") as folder:
        write_entities(iter_entities(config), Path(folder), FileFormat.CSV)
        with unit_of_work(engine) as session, progress_bar("loading the demo company") as bar:
            for entity, file in bundle_files(Path(folder)):
                bar.update(
                    bar.task_ids[0], description=f"loading {entity}", completed=0, total=None
                )
                import_file(
                    session,
                    entity=entity,
                    path=file,
                    source="demo",
                    progress=lambda done, total: bar.update(
                        bar.task_ids[0], completed=done, total=total
                    ),
                )
            logins = _demo_logins(session)
    engine.dispose()
    if logins:
        lines = ", ".join(f"{email} ({role})" for email, role in logins)
        console.print(f"web logins (password {DEMO_PASSWORD}): {lines}", highlight=False)
    return time.perf_counter() - started


def _demo_logins(session: Any) -> list[tuple[str, str]]:
    """Web logins for the demo (when the auth domain is installed): ``[(email, role), ...]``.

    Besides an admin, a sales-ops and a finance login, one generated manager and one rep of
    that manager's team get the demo password, so the demo shows row-level visibility.
    """
    try:
        auth = importlib.import_module("coxswain.auth.service")
    except ModuleNotFoundError:
        return []
    from sqlalchemy import select

    from coxswain.db.models import Team, User

    logins = list(DEMO_LOGINS)
    has_reps = select(User.id).where(User.team_id == Team.id, User.role == "rep").exists()
    team = session.scalars(
        select(Team).where(Team.manager_id.is_not(None), has_reps).order_by(Team.name)
    ).first()
    if team is not None:
        manager = session.get(User, team.manager_id)
        rep = session.scalars(
            select(User).where(User.team_id == team.id, User.role == "rep").order_by(User.email)
        ).first()
        logins += [(u.email, u.full_name, u.role) for u in (manager, rep) if u is not None]
    for email, name, role in logins:
        auth.ensure_user(session, email=email, full_name=name, role=role, password=DEMO_PASSWORD)
    return [(email, role) for email, _, role in logins]


def render_summary(summary: PipelineSummary) -> None:
    money = summary.currency
    cards = Table.grid(padding=(0, 4))
    win_rate = f"{summary.win_rate:.1%}" if summary.win_rate is not None else "—"
    counts, values = summary.counts, summary.values
    cards.add_row(
        f"[bold]{counts.get('open', 0):,}[/] open deals\n{values.get('open', 0):,.0f} {money}",
        f"[bold]{counts.get('won', 0):,}[/] won\n{values.get('won', 0):,.0f} {money}",
        f"[bold]{summary.counts.get('lost', 0):,}[/] lost",
        f"[bold]{win_rate}[/] win rate",
        f"[bold]{summary.leads:,}[/] leads\n{summary.converted_leads:,} converted",
    )
    console.print(Panel(cards, title="Pipeline", title_align="left"))
    stages = Table(title="Open pipeline by stage", title_justify="left")
    for column in ("stage", "deals", f"value ({money})"):
        stages.add_column(column, justify="left" if column == "stage" else "right")
    for name, count, value in summary.open_by_stage:
        stages.add_row(name, f"{count:,}", f"{value:,.0f}")
    reps = Table(title="Top reps by won value", title_justify="left")
    for column in ("rep", "won deals", f"won ({money})"):
        reps.add_column(column, justify="left" if column == "rep" else "right")
    for name, count, value in summary.top_reps:
        reps.add_row(name, f"{count:,}", f"{value:,.0f}")
    console.print(stages)
    console.print(reps)


def _serve(url: str) -> bool:
    try:
        server = importlib.import_module("coxswain.web.server")
    except ModuleNotFoundError:
        return False
    console.print(
        f"web app at http://127.0.0.1:8000 — log in as {DEMO_LOGINS[0][0]} / {DEMO_PASSWORD}"
    )
    server.serve(url, host="127.0.0.1", port=8000, open_browser=True)
    return True


@app.command()
def demo(
    ctx: typer.Context,
    no_serve: Annotated[
        bool, typer.Option("--no-serve", help="Load and summarise, do not start the web app.")
    ] = False,
    opportunities: Annotated[
        int, typer.Option("--opportunities", "-n", min=100, help="Size of the company.")
    ] = 8000,
    seed: Annotated[int, typer.Option(help="Random seed of the generated company.")] = 42,
) -> None:
    """Build a realistic sales company (teams, 36+ reps, accounts, leads, deals) and show it."""
    cli = state(ctx)
    url = _demo_url(cli)
    seconds = build_demo(url, opportunities=opportunities, seed=seed, as_of=utcnow().date())
    err_console.print(f"demo company loaded into {url} in {seconds:.1f} s", highlight=False)
    engine = make_engine(url)
    with unit_of_work(engine) as session:
        render_summary(pipeline_summary(session))
    engine.dispose()
    if not no_serve and not _serve(url):
        console.print(
            "(the web app is not installed in this build; showing the terminal summary only)"
        )
