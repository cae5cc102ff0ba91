"""First-match evaluation: the generated matcher against per-rule closures (100 rules).

Usage: uv run python bench/bench_routing_matcher.py
"""

from __future__ import annotations

import dataclasses
import time

from bench_routing_common import document, leads
from coxswain.routing.engine.compiler import compile_rules
from coxswain.routing.engine.router import prepare_facts


def main() -> None:
    rules = compile_rules(document(), "bench")
    closures = dataclasses.replace(rules, matcher=None)
    facts = [prepare_facts(rules, lead) for lead in leads(20_000)]
    for label, compiled in (("closures", closures), ("generated matcher", rules)):
        best = float("inf")
        for _ in range(3):
            started = time.process_time()
            for item in facts:
                compiled.first_match(item)
            best = min(best, time.process_time() - started)
        print(f"{label}: {best / len(facts) * 1e6:.2f} µs per lead (CPU, best of 3)")


if __name__ == "__main__":
    main()
