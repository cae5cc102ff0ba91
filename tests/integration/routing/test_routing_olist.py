"""Real data: route the Olist MQLs by origin and landing page with examples/routing/olist.

Expected counts are computed independently from the published CSV files with plain Python.
"""

from __future__ import annotations

import csv
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

import pytest
import yaml
from routing_world import SYSTEM
from sqlalchemy.orm import Session

from coxswain.imports.datasets import import_dataset
from coxswain.routing import bulk
from coxswain.routing.enums import RunKind
from coxswain.routing.rules_store import load_rules

RULES = Path(__file__).resolve().parents[3] / "examples" / "routing" / "olist" / "rules.yaml"
HIGH_INTENT = {"22c29808c4f815213303f8933030604c", "40dec9f3d5259a3d2dbcdab2114fae47"}
BY_ORIGIN = {
    "paid_search": "Paid media", "display": "Paid media", "other_publicities": "Paid media",
    "organic_search": "Organic and direct", "direct_traffic": "Organic and direct",
    "social": "Social and email", "email": "Social and email", "referral": "Referrals",
}  # fmt: skip


def expected_rules(folder: Path) -> Counter[str]:
    with (folder / "olist_closed_deals_dataset.csv").open(encoding="utf-8") as handle:
        converted = {row["mql_id"] for row in csv.DictReader(handle)}
    counts: Counter[str] = Counter()
    with (folder / "olist_marketing_qualified_leads_dataset.csv").open(encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            if row["mql_id"] in converted:
                continue  # converted MQLs already have their closer as owner
            if row["landing_page_id"] in HIGH_INTENT:
                counts["High-intent landing pages"] += 1
            else:
                counts[BY_ORIGIN.get(row["origin"], "Everything else")] += 1
    return counts


@pytest.mark.slow
def test_olist_mqls_route_by_origin_and_landing_page(session: Session, shared_data: Path) -> None:
    folder = shared_data / "olist_marketing_funnel"
    import_dataset(session, "olist", folder)
    document = yaml.safe_load(RULES.read_text(encoding="utf-8"))
    loaded = load_rules(session, document, str(RULES))
    items = bulk.pending_items(session)
    as_of = datetime(2018, 6, 1, 15, tzinfo=UTC)
    decisions, summary = bulk.route_bulk(
        session, SYSTEM, items, loaded=loaded, as_of=as_of, kind=RunKind.PENDING
    )
    assert summary.leads == 8000 - 842
    assert Counter(d.rule for d in decisions) == expected_rules(folder)
    by_pool: dict[str, Counter[str]] = {}
    for decision in decisions:
        assert decision.owner is not None
        by_pool.setdefault(decision.pool or "", Counter())[decision.owner] += 1
    members = {pool["name"]: pool["members"] for pool in document["pools"]}
    for pool in ("Paid", "Social and email", "Referral", "General"):
        counts = [by_pool[pool][rep] for rep in members[pool]]
        assert max(counts) - min(counts) <= 1, pool  # round robin: as even as possible
    weighted = [by_pool["High-intent pages"][m["rep"]] for m in members["High-intent pages"]]
    total = sum(weighted)
    for count, member in zip(weighted, members["High-intent pages"], strict=True):
        assert abs(count - total * member["weight"] / 10) <= 1
