"""Distribution methods: exact round robin, weights that converge, load balance, availability.

Hand-computed sequences first, then hypothesis properties over random pools and eligibility.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from itertools import combinations
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from coxswain.routing.engine.compiler import compile_rules
from coxswain.routing.engine.router import Router
from coxswain.routing.engine.state import Absence, RepLoad, RepProfile, RoutingState

T0 = datetime(2025, 3, 4, 15, 0, tzinfo=UTC)  # a Tuesday, 10:00 in New York


def pool_rules(method: str, members: list[Any], **pool: Any) -> Any:
    return compile_rules(
        {
            "fallback_queue": "Queue",
            "pools": [{"name": "P", "method": method, "members": members, **pool}],
            "rules": [{"name": "all", "pool": "P"}],
        }
    )


def reps(*emails: str, **overrides: Any) -> dict[str, RepProfile]:
    return {email: RepProfile(email=email, **overrides) for email in emails}


def route_many(router: Router, count: int, start: datetime = T0) -> list[str | None]:
    owners = []
    for i in range(count):
        decision = router.route({}, as_of=start + timedelta(seconds=i), lead_ref=f"L{i}")
        owners.append(decision.owner)
    return owners


def test_round_robin_cycles_in_list_order() -> None:
    router = Router(
        pool_rules("round_robin", ["a@x", "b@x", "c@x"]), RoutingState(reps("a@x", "b@x", "c@x"))
    )
    assert route_many(router, 7) == ["a@x", "b@x", "c@x", "a@x", "b@x", "c@x", "a@x"]


def test_round_robin_skips_an_absent_rep_and_takes_them_back_without_a_burst() -> None:
    state = RoutingState(reps("a@x", "b@x", "c@x"))
    router = Router(pool_rules("round_robin", ["a@x", "b@x", "c@x"]), state)
    assert route_many(router, 3) == ["a@x", "b@x", "c@x"]
    state.reps["b@x"] = RepProfile(email="b@x", out_of_office=True)
    assert route_many(router, 4, T0 + timedelta(hours=1)) == ["a@x", "c@x", "a@x", "c@x"]
    state.reps["b@x"] = RepProfile(email="b@x")
    # b waited longest, so b is next; then the rotation goes on: b does not get a catch-up run.
    assert route_many(router, 4, T0 + timedelta(hours=2)) == ["b@x", "a@x", "c@x", "b@x"]


def test_smooth_weighted_round_robin_sequence() -> None:
    members = [
        {"rep": "a@x", "weight": 5},
        {"rep": "b@x", "weight": 1},
        {"rep": "c@x", "weight": 1},
    ]
    router = Router(
        pool_rules("weighted_round_robin", members), RoutingState(reps("a@x", "b@x", "c@x"))
    )
    # The nginx smooth weighted sequence for 5:1:1, worked by hand in docs/engines/routing.md.
    assert route_many(router, 7) == ["a@x", "a@x", "b@x", "a@x", "c@x", "a@x", "a@x"]


def test_load_balanced_prefers_fewest_open_leads_then_longest_wait() -> None:
    state = RoutingState(reps("a@x", "b@x", "c@x"))
    state.loads = {
        "a@x": RepLoad(open_leads=5),
        "b@x": RepLoad(open_leads=2),
        "c@x": RepLoad(open_leads=2),
    }
    router = Router(pool_rules("load_balanced", ["a@x", "b@x", "c@x"]), state)
    # b and c tie at 2 (b first in the list); each pick adds one open lead to the winner.
    assert route_many(router, 5) == ["b@x", "c@x", "b@x", "c@x", "b@x"]
    assert state.loads["b@x"].open_leads == 5


def test_daily_cap_counts_in_the_reps_time_zone() -> None:
    state = RoutingState(
        {"a@x": RepProfile(email="a@x", capacity_per_day=2, time_zone="America/Los_Angeles"),
         "b@x": RepProfile(email="b@x")}
    )  # fmt: skip
    router = Router(pool_rules("round_robin", ["a@x", "b@x"]), state)
    assert route_many(router, 5) == ["a@x", "b@x", "a@x", "b@x", "b@x"]
    decision = router.decide({}, as_of=T0 + timedelta(minutes=1), lead_ref="x")
    skipped = next(c for c in decision.attempts[0].candidates if c.rep == "a@x")
    assert skipped.verdict == "skipped"
    assert skipped.reason == "daily cap reached (2/2 on 2025-03-04)"
    # 08:00 UTC next day is still 2025-03-05 00:00 in Los Angeles: a new local day.
    assert (
        router.decide({}, as_of=datetime(2025, 3, 5, 8, 0, tzinfo=UTC), lead_ref="y").owner == "a@x"
    )


def test_member_cap_overrides_the_users_capacity() -> None:
    members = [{"rep": "a@x", "cap_per_day": 1}, "b@x"]
    state = RoutingState(reps("a@x", "b@x", capacity_per_day=10))
    assert route_many(Router(pool_rules("round_robin", members), state), 4) == [
        "a@x",
        "b@x",
        "b@x",
        "b@x",
    ]


def test_nobody_eligible_falls_back_to_the_queue_with_every_reason() -> None:
    state = RoutingState(
        {
            "a@x": RepProfile(email="a@x", is_active=False),
            "b@x": RepProfile(email="b@x", out_of_office=True),
            "c@x": RepProfile(
                email="c@x",
                absences=(Absence(T0 - timedelta(days=1), T0 + timedelta(days=1), "leave"),),
            ),
            "d@x": RepProfile(email="d@x", time_zone="Asia/Tokyo"),  # 00:00 in Tokyo
        }
    )
    rules = pool_rules("round_robin", ["a@x", "b@x", "c@x", "d@x"], working_hours_only=True)
    decision = Router(rules, state).decide({}, as_of=T0, lead_ref="L1")
    assert decision.owner is None
    assert (decision.queue, decision.method) == ("Queue", "fallback")
    assert decision.csv_row() == ("L1", "", "Queue", "fallback")
    reasons = {c.rep: c.reason for c in decision.attempts[0].candidates}
    assert reasons == {
        "a@x": "inactive",
        "b@x": "out of office",
        "c@x": "absent until 2025-03-05T15:00:00+00:00 (leave)",
        "d@x": "outside working hours (Wed 00:00 Asia/Tokyo)",
    }


# ---- properties -------------------------------------------------------------------------

eligibility_runs = st.integers(2, 5).flatmap(
    lambda n: st.tuples(
        st.just(n),
        st.lists(st.lists(st.booleans(), min_size=n, max_size=n), min_size=1, max_size=60),
    )
)


@settings(max_examples=150, deadline=None)
@given(run=eligibility_runs)
def test_round_robin_any_window_differs_by_at_most_one(run: tuple[int, list[list[bool]]]) -> None:
    """For any window and any two reps eligible throughout it, assignments differ by ≤ 1."""
    n, steps = run
    names = [f"r{i}@x" for i in range(n)]
    state = RoutingState(reps(*names))
    router = Router(pool_rules("round_robin", names), state)
    owners: list[str | None] = []
    for i, available in enumerate(steps):
        state.reps = {
            name: RepProfile(email=name, out_of_office=not ok)
            for name, ok in zip(names, available, strict=True)
        }
        decision = router.route({}, as_of=T0 + timedelta(seconds=i), lead_ref=str(i))
        assert decision.owner is None or available[names.index(decision.owner)]
        owners.append(decision.owner)
    for start in range(len(steps)):
        for end in range(start + 1, len(steps) + 1):
            window = range(start, end)
            steady = [k for k in range(n) if all(steps[t][k] for t in window)]
            counts = {k: sum(owners[t] == names[k] for t in window) for k in steady}
            for a, b in combinations(steady, 2):
                assert abs(counts[a] - counts[b]) <= 1


@settings(max_examples=150, deadline=None)
@given(weights=st.lists(st.integers(1, 6), min_size=2, max_size=5), cycles=st.integers(1, 4))
def test_weighted_round_robin_converges_to_the_weights(weights: list[int], cycles: int) -> None:
    """Each full cycle of sum(weights) picks gives every rep exactly its weight; at any point a
    rep's count is within one of its exact share."""
    names = [f"r{i}@x" for i in range(len(weights))]
    members = [{"rep": name, "weight": w} for name, w in zip(names, weights, strict=True)]
    router = Router(pool_rules("weighted_round_robin", members), RoutingState(reps(*names)))
    total = sum(weights)
    counts = dict.fromkeys(names, 0)
    for step, owner in enumerate(route_many(router, cycles * total), start=1):
        assert owner is not None
        counts[owner] += 1
        for name, weight in zip(names, weights, strict=True):
            assert abs(counts[name] - step * weight / total) <= 1
        if step % total == 0:
            assert counts == {n: step // total * w for n, w in zip(names, weights, strict=True)}


profiles = st.builds(
    lambda active, away, absent, tz, cap: (active, away, absent, tz, cap),
    st.booleans(),
    st.booleans(),
    st.booleans(),
    st.sampled_from(["UTC", "America/New_York", "Asia/Tokyo", "Europe/Berlin"]),
    st.one_of(st.none(), st.integers(0, 3)),
)


@settings(max_examples=150, deadline=None)
@given(
    people=st.lists(profiles, min_size=1, max_size=6),
    method=st.sampled_from(["round_robin", "weighted_round_robin", "load_balanced"]),
    hours_only=st.booleans(),
    leads=st.integers(1, 25),
)
def test_never_an_unavailable_rep_and_every_lead_decided_once(
    people: list[Any], method: str, hours_only: bool, leads: int
) -> None:
    names = [f"r{i}@x" for i in range(len(people))]
    state = RoutingState(
        {
            name: RepProfile(
                email=name, is_active=active, out_of_office=away, time_zone=tz,
                capacity_per_day=cap,
                absences=(Absence(T0 - timedelta(hours=1), T0 + timedelta(days=2)),) if absent else (),
            )
            for name, (active, away, absent, tz, cap) in zip(names, people, strict=True)
        }
    )  # fmt: skip
    router = Router(pool_rules(method, names, working_hours_only=hours_only), state)
    decisions = [router.route({}, as_of=T0, lead_ref=str(i)) for i in range(leads)]
    assert len(decisions) == leads
    taken: dict[str, int] = {}
    for decision in decisions:
        assert (decision.owner is None) != (decision.queue is None)
        if decision.owner is None:
            continue
        active, away, absent, tz, cap = people[names.index(decision.owner)]
        assert active
        assert not away
        assert not absent
        if hours_only:
            # 15:00 UTC: 15:00 UTC, 10:00 New York, 16:00 Berlin (open), 00:00 Tokyo (closed).
            assert tz != "Asia/Tokyo"
        taken[decision.owner] = taken.get(decision.owner, 0) + 1
        assert cap is None or taken[decision.owner] <= cap
