"""Shared setup for the routing benchmarks: a 200-rep org and a 100-rule document.

The document mixes every kind of condition (equals, in, numeric ranges, postal ranges,
regular expressions, score thresholds, territories) over 40 pools of five reps (round robin,
weighted, load-balanced), with caps, skills and working hours, as a large sales org would.
"""

from __future__ import annotations

import random
from typing import Any

COUNTRIES = ["United States", "Canada", "United Kingdom", "Germany", "France", "Brazil",
             "India", "Japan", "Australia", "Spain"]  # fmt: skip
SOURCES = [
    "web",
    "paid_search",
    "organic_search",
    "referral",
    "event",
    "partner",
    "outbound",
    "email",
]
STATES = ["CA", "NY", "TX", "WA", "FL", "IL", "MA", "GA"]
INDUSTRIES = ["Software", "Manufacturing", "Healthcare", "Retail", "Finance", "Energy"]
METHODS = ["round_robin", "weighted_round_robin", "load_balanced"]
REPS = [f"rep{i:03d}@bench.example" for i in range(200)]


def document() -> dict[str, Any]:
    pools = []
    for p in range(40):
        members = [
            {"rep": REPS[p * 5 + k], "weight": 1 + k % 3, "skills": ["en", "es"][: 1 + k % 2]}
            for k in range(5)
        ]
        pool: dict[str, Any] = {"name": f"Pool {p:02d}", "method": METHODS[p % 3]}
        pool.update(members=members, working_hours_only=p % 4 == 0)
        if p != 39:
            pool["fallback"] = "Pool 39"
        pools.append(pool)
    territories = [
        {"name": f"US {state}", "countries": ["United States"], "states": [state]}
        for state in STATES
    ]
    rules = []
    for i in range(99):
        country = COUNTRIES[i % 10]
        source = SOURCES[(i // 10) % 8]
        when: dict[str, Any] = {"country": country, "source": source}
        kind = i // 10 % 5
        if kind == 0:
            when["employees"] = {"between": [1000 if i < 50 else 0, None]}
        elif kind == 1:
            when["score"] = {"gte": 70 - i % 7}
        elif kind == 2:
            when["email"] = {"matches": r"@(?!gmail|yahoo)"}
        elif kind == 3:
            when["postal_code"] = {"postal_range": ["10000..59999"]}
        else:
            when["industry"] = {"in": INDUSTRIES[: 2 + i % 4]}
        if i % 17 == 0 and country == "United States":
            when["territory"] = {"in": [f"US {s}" for s in STATES[:4]]}
        rules.append({"name": f"Rule {i:03d}", "when": when, "pool": f"Pool {i % 40:02d}"})
    rules.append({"name": "Catch-all", "pool": "Pool 39"})
    return {
        "name": "Benchmark: 100 rules over 200 reps",
        "fallback_queue": "Unassigned",
        "account_match": {"enabled": False},
        "duplicates": {"enabled": False},
        "territories": territories,
        "pools": pools,
        "rules": rules,
    }


def leads(count: int, seed: int = 1) -> list[dict[str, Any]]:
    rng = random.Random(seed)
    result = []
    for i in range(count):
        result.append(
            {
                "external_id": f"B{i:07d}",
                "email": f"lead{i}@{rng.choice(['gmail.com', 'corp.example', 'acme.example'])}",
                "country": rng.choice([*COUNTRIES, "Mexico"]),
                "state": rng.choice(STATES),
                "postal_code": f"{rng.randint(0, 99999):05d}",
                "source": rng.choice(SOURCES),
                "industry": rng.choice(INDUSTRIES),
                "employees": rng.randint(1, 20000),
                "score": rng.randint(0, 100),
                "attributes": {"language": rng.choice(["en", "es"])},
            }
        )
    return result
