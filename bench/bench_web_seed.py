"""Load a PostgreSQL database with a large synthetic company for the web benchmarks.

Usage: ``uv run python bench/bench_web_seed.py [--opportunities 1000000] [--db NAME]``

Builds the schema with the migrations, seeds reference data, then bulk-generates rows with
``INSERT ... SELECT generate_series`` (seconds instead of the hour a CSV import of a million
deals with full history takes): 8 regions × 6 teams, 48 managers, 480 reps, 50,000 accounts,
N opportunities over four years with stages, amounts, dates and statuses consistent with each
other, and one login per role for the load generator (password ``bench-password-1``).
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import psycopg

from coxswain.auth.service import ensure_user
from coxswain.db import migrate
from coxswain.db.engine import make_engine, unit_of_work
from coxswain.setup.service import seed_reference_data

ADMIN_DSN = "postgresql://postgres@127.0.0.1:5432/postgres"
PASSWORD = "bench-password-1"

SQL_DIR = Path(__file__).parent
ORG_SQL = (SQL_DIR / "bench_web_seed_org.sql").read_text()
DEALS_SQL = (SQL_DIR / "bench_web_seed_deals.sql").read_text()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--opportunities", type=int, default=1_000_000)
    parser.add_argument("--db", default="coxswain_bench_web")
    args = parser.parse_args()
    started = time.perf_counter()
    with psycopg.connect(ADMIN_DSN, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{args.db}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{args.db}"')
    url = ADMIN_DSN.rsplit("/", 1)[0] + "/" + args.db
    engine = make_engine(url)
    migrate.upgrade(engine)
    with unit_of_work(engine) as session:
        seed_reference_data(session, reporting_currency="USD")
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(ORG_SQL)  # type: ignore[arg-type]
        conn.execute(DEALS_SQL.replace("%(n)s", str(args.opportunities)))  # type: ignore[arg-type]
    with unit_of_work(engine) as session:
        for role in ("admin", "sales_ops", "finance"):
            ensure_user(
                session,
                email=f"{role}@bench.example",
                full_name=role.title(),
                role=role,
                password=PASSWORD,
            )
        ensure_user(
            session,
            email="manager1@bench.example",
            full_name="Manager 1",
            role="manager",
            password=PASSWORD,
        )
        ensure_user(
            session, email="rep1@bench.example", full_name="Rep 1", role="rep", password=PASSWORD
        )
    print(f"{args.opportunities:,} opportunities in {url} ({time.perf_counter() - started:.0f} s)")


if __name__ == "__main__":
    main()
