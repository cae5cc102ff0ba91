"""Real data: route the Olist MQLs by origin and landing page, and report the distribution.

Imports the Olist marketing funnel into a scratch SQLite database, routes every unowned MQL
(the 7,158 that did not convert; converted ones keep their closer) with
examples/routing/olist/rules.yaml, and prints leads per rule, per pool and per rep.

Usage: uv run python bench/bench_routing_olist.py [DATA_DIR]
"""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

import yaml

from coxswain.auth.principal import Principal
from coxswain.db import migrate
from coxswain.db.engine import make_engine, unit_of_work
from coxswain.imports.datasets import import_dataset
from coxswain.routing import bulk
from coxswain.routing.enums import RunKind
from coxswain.routing.rules_store import load_rules
from coxswain.setup.service import seed_reference_data

ROOT = Path(__file__).resolve().parents[1]
RULES = ROOT / "examples" / "routing" / "olist" / "rules.yaml"
DATA = ROOT.parent / "shared" / "data" / "olist_marketing_funnel"


def main() -> None:
    data = Path(sys.argv[1]) if len(sys.argv) > 1 else DATA
    print(f"load average at start: {os.getloadavg()}")
    with tempfile.TemporaryDirectory() as folder:
        engine = make_engine(f"sqlite:///{folder}/olist.db")
        migrate.upgrade(engine)
        with unit_of_work(engine) as session:
            seed_reference_data(session, reporting_currency="USD")
            started = time.perf_counter()
            import_dataset(session, "olist", data)
            print(f"import: {time.perf_counter() - started:.1f} s")
        document = yaml.safe_load(RULES.read_text(encoding="utf-8"))
        with unit_of_work(engine) as session:
            loaded = load_rules(session, document, str(RULES))
            items = bulk.pending_items(session)
            started = time.perf_counter()
            decisions, summary = bulk.route_bulk(
                session, Principal.system("bench"), items, loaded=loaded,
                as_of=datetime(2018, 6, 1, 15, tzinfo=UTC), kind=RunKind.PENDING,
            )  # fmt: skip
            seconds = time.perf_counter() - started
        engine.dispose()
    print(
        f"routed {summary.leads:,} MQLs in {seconds:.2f} s including storage "
        f"({summary.leads / seconds:,.0f} leads/s): {summary.assigned:,} assigned, "
        f"{summary.queued:,} queued"
    )
    print("\nby rule:")
    for rule, count in Counter(d.rule_label for d in decisions).most_common():
        print(f"  {rule:<28} {count:>5,}  {count / len(decisions):6.1%}")
    print("\nby pool: reps, leads per rep (min / median / max)")
    by_pool: dict[str, Counter[str]] = {}
    for decision in decisions:
        if decision.owner and decision.pool:
            by_pool.setdefault(decision.pool, Counter())[decision.owner] += 1
    for pool, counts in sorted(by_pool.items(), key=lambda kv: -sum(kv[1].values())):
        values = sorted(counts.values())
        print(
            f"  {pool:<20} {len(values):>2} reps, {sum(values):>5,} leads: "
            f"{values[0]} / {statistics.median(values):g} / {values[-1]}"
        )
    print(f"load average at end: {os.getloadavg()}")


if __name__ == "__main__":
    main()
