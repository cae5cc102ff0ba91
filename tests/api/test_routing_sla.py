"""Routing rules (versions, drafts, simulation, publishing), SLA clocks and matching over HTTP.

The clock is fixed at Monday 2026-11-23 13:00 UTC. The org's leads arrived on Friday
2026-11-20 at 12:00 UTC; nobody has working hours set, so every calendar is Mon-Fri 09-17 UTC.
By hand, with the built-in policy (accept within 8, first touch within 24 business hours):

* business time from Fri 12:00 to Mon 13:00 = Fri 12-17 (5 h) + Mon 09-13 (4 h) = 9 h = 540 min;
* accept is due 8 h in: Fri 5 h + Mon 3 h → Mon 12:00, so it is breached at 13:00;
* first touch is due 24 h in: Fri 5 + Mon 8 + Tue 8 = 21 h, + 3 h Wed → Wed 2026-11-25 12:00;
  remaining at Mon 13:00: 24 h - 9 h = 15 h = 900 min.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from coxswain.accounts.models import Account
from coxswain.core.clock import FixedClock
from coxswain.db.engine import unit_of_work
from coxswain.leads.models import Lead
from coxswain.web.server import create_app
from tests.api.org import ROLES, Org

MONDAY = datetime(2026, 11, 23, 13, 0, tzinfo=UTC)
EDITORS = ("admin", "ops")
RULES = """\
version: 1
name: Team A first
fallback_queue: Unassigned
queues: [Nurture]
pools:
  - name: Team A
    method: round_robin
    members:
      - rep_a1@example.com
      - rep_a2@example.com
rules:
  - name: Everyone
    pool: Team A
"""
TEAM_B = RULES.replace("Team A first", "Team B only").replace(
    "      - rep_a1@example.com\n      - rep_a2@example.com", "      - rep_b1@example.com"
)
NURTURE = RULES.replace("    pool: Team A", "    queue: Nurture")


@pytest.fixture
def api(engine: Engine, tmp_path: Path) -> Iterator[TestClient]:
    app = create_app(engine, clock=FixedClock(MONDAY), upload_dir=tmp_path / "uploads")
    with TestClient(app) as test_client:
        yield test_client


def _publish(api: TestClient, org: Org, text: str) -> dict[str, object]:
    response = api.post(
        "/api/v1/routing/rules/publish", json={"yaml": text}, headers=org.headers("ops")
    )
    assert response.status_code == 201, response.text
    body: dict[str, object] = response.json()
    return body


def test_only_sales_ops_and_admins_edit_rules(api: TestClient, org: Org) -> None:
    for who in ROLES:
        headers = org.headers(who)
        assert api.get("/api/v1/routing/rules", headers=headers).status_code == 404, who
        assert api.get("/api/v1/routing/rules/versions", headers=headers).json() == [], who
        checked = api.post("/api/v1/routing/rules/validate", json={"yaml": RULES}, headers=headers)
        assert checked.status_code == (200 if who in EDITORS else 403), who
        if who in EDITORS:
            assert checked.json()["valid"] is True
            assert (checked.json()["rules"], checked.json()["pools"]) == (1, 1)
        simulated = api.post(
            "/api/v1/routing/rules/simulate", json={"yaml": RULES}, headers=headers
        )
        assert simulated.status_code == (200 if who in EDITORS else 403), who
    for who in ROLES:
        if who not in EDITORS:
            refused = api.post(
                "/api/v1/routing/rules/publish", json={"yaml": RULES}, headers=org.headers(who)
            )
            assert refused.status_code == 403, who
    published = _publish(api, org, RULES)
    assert (published["version"], published["name"], published["is_active"]) == (
        1,
        "Team A first",
        True,
    )
    for who in ROLES:
        current = api.get("/api/v1/routing/rules", headers=org.headers(who))
        assert current.status_code == 200, who
        assert current.json()["document"]["pools"][0]["name"] == "Team A"


def test_versions_keep_every_publication(api: TestClient, org: Org) -> None:
    _publish(api, org, RULES)
    _publish(api, org, TEAM_B)
    versions = api.get("/api/v1/routing/rules/versions", headers=org.headers("rep_a1")).json()
    assert [(v["version"], v["name"], v["is_active"]) for v in versions] == [
        (2, "Team B only", True),
        (1, "Team A first", False),
    ]
    first = api.get("/api/v1/routing/rules/versions/1", headers=org.headers("finance")).json()
    assert first["document"]["pools"][0]["members"] == ["rep_a1@example.com", "rep_a2@example.com"]
    missing = api.get("/api/v1/routing/rules/versions/9", headers=org.headers("ops"))
    assert missing.status_code == 404
    assert missing.json()["error"]["code"] == "routing_rule_set_not_found"


@pytest.mark.parametrize(
    ("text", "line", "fragment"),
    [
        (RULES.replace("method: round_robin", "method: round_robin\n    weigth: 2"), 8,
         "unknown key 'weigth'"),
        (RULES.replace("rep_a2@example.com", "nobody@example.com"), 10, "nobody@example.com"),
        (RULES.replace("    pool: Team A", "    pool: Team C"), 13, "'Team C' is not defined"),
        (RULES.replace("pools:\n", "pools:\n  - [\n"), 7, "not valid YAML"),  # found on 7
    ],
)  # fmt: skip
def test_a_bad_draft_names_its_line(
    api: TestClient, org: Org, text: str, line: int, fragment: str
) -> None:
    response = api.post(
        "/api/v1/routing/rules/validate", json={"yaml": text}, headers=org.headers("ops")
    )
    assert response.status_code == 200
    body = response.json()
    assert body["valid"] is False
    assert fragment in body["error"]
    assert body["line"] == line, body
    assert "\n" not in body["error"]
    refused = api.post(
        "/api/v1/routing/rules/publish", json={"yaml": text}, headers=org.headers("ops")
    )
    assert refused.status_code == 422
    assert api.get("/api/v1/routing/rules/versions", headers=org.headers("ops")).json() == []


def test_a_draft_is_text_or_document_not_both(api: TestClient, org: Org) -> None:
    both = api.post(
        "/api/v1/routing/rules/validate",
        json={"yaml": RULES, "document": {"version": 1}},
        headers=org.headers("ops"),
    )
    assert both.status_code == 422
    neither = api.post("/api/v1/routing/rules/validate", json={}, headers=org.headers("ops"))
    assert neither.status_code == 422


def test_simulation_compares_the_draft_with_the_published_rules(api: TestClient, org: Org) -> None:
    # Five leads arrived on Friday (within 30 days): round robin over two reps gives 3 and 2.
    first = api.post(
        "/api/v1/routing/rules/simulate", json={"yaml": RULES}, headers=org.headers("ops")
    ).json()
    assert first["leads"] == 5
    assert first["current_source"] == "(no current rules)"
    assert {r["rep"]: (r["current_leads"], r["proposed_leads"]) for r in first["reps"]} == {
        "rep_a1@example.com": (0, 3),
        "rep_a2@example.com": (0, 2),
    }
    _publish(api, org, RULES)
    second = api.post(
        "/api/v1/routing/rules/simulate", json={"yaml": TEAM_B}, headers=org.headers("admin")
    ).json()
    assert {r["rep"]: (r["current_leads"], r["proposed_leads"], r["delta"]) for r in second["reps"]} == {
        "rep_a1@example.com": (3, 0, -3),
        "rep_a2@example.com": (2, 0, -2),
        "rep_b1@example.com": (0, 5, 5),
    }  # fmt: skip
    assert second["owner_changes"] == 5
    assert second["rules"] == {"Everyone": [5, 5]}
    none_recent = api.post(
        "/api/v1/routing/rules/simulate", json={"yaml": TEAM_B, "days": 1},
        headers=org.headers("ops"),
    ).json()  # fmt: skip
    assert none_recent["leads"] == 0
    invalid = api.post(
        "/api/v1/routing/rules/simulate", json={"yaml": "version: 1\n"}, headers=org.headers("ops")
    )
    assert invalid.status_code == 422
    assert invalid.json()["error"]["code"] == "routing_rules_invalid"


def test_route_and_explain_follow_visibility(api: TestClient, org: Org) -> None:
    lead = org.leads["unassigned"]
    _publish(api, org, RULES)
    for who in ("rep_a1", "manager_a", "finance"):
        code = api.post(f"/api/v1/routing/leads/{lead}/route", headers=org.headers(who))
        assert code.status_code == (404 if who == "manager_a" else 403), who
    routed = api.post(f"/api/v1/routing/leads/{lead}/route", headers=org.headers("ops")).json()
    assert routed["routed"] is True
    decision = routed["decision"]
    assert (decision["owner_email"], decision["rule"], decision["pool"]) == (
        "rep_a1@example.com", "Everyone", "Team A",
    )  # fmt: skip
    again = api.post(f"/api/v1/routing/leads/{lead}/route", headers=org.headers("ops")).json()
    assert again["routed"] is False
    # Now rep_a1's lead: rep_a1 and their managers see the explanation, others get 404.
    for who in ROLES:
        explained = api.get(f"/api/v1/routing/leads/{lead}/explain", headers=org.headers(who))
        visible = who in ("admin", "ops", "finance", "director", "manager_a", "rep_a1")
        assert explained.status_code == (200 if visible else 404), who
    body = api.get(f"/api/v1/routing/leads/{lead}/explain", headers=org.headers("rep_a1")).json()
    assert body["current"]["owner_email"] == "rep_a1@example.com"
    assert [c["rep"] for c in body["current"]["attempts"][0]["candidates"]] == [
        "rep_a1@example.com",
        "rep_a2@example.com",
    ]


def test_lead_sla_clocks_in_business_hours(api: TestClient, org: Org) -> None:
    owned = api.get(f"/api/v1/leads/{org.leads['rep_a1']}/sla", headers=org.headers("rep_a1"))
    assert owned.status_code == 200
    clocks = {m["milestone"]: m for m in owned.json()["milestones"]}
    assert clocks["accept"]["state"] == "breached"
    assert clocks["accept"]["due_at"] == "2026-11-23T12:00:00Z"
    assert clocks["accept"]["elapsed_minutes"] == 540
    assert clocks["first_touch"]["state"] == "due"
    assert clocks["first_touch"]["due_at"] == "2026-11-25T12:00:00Z"
    assert clocks["first_touch"]["remaining_minutes"] == 900
    queued = api.get(f"/api/v1/leads/{org.leads['unassigned']}/sla", headers=org.headers("ops"))
    states = {m["milestone"]: m["state"] for m in queued.json()["milestones"]}
    assert states == {"accept": "not_started", "first_touch": "due"}
    for who in ROLES:
        code = api.get(f"/api/v1/leads/{org.leads['rep_a1']}/sla", headers=org.headers(who))
        visible = who in ("admin", "ops", "finance", "director", "manager_a", "rep_a1")
        assert code.status_code == (200 if visible else 404), who


def test_leads_queue_filters_by_breach_state(api: TestClient, org: Org) -> None:
    expected = {  # owned leads are breached (accept), the unowned one is due (first touch)
        "admin": (4, 1), "ops": (4, 1), "finance": (4, 1), "director": (4, 0),
        "manager_a": (3, 0), "manager_b": (1, 0), "rep_a1": (1, 0), "rep_a2": (1, 0),
        "rep_b1": (1, 0),
    }  # fmt: skip
    for who, (breached, due) in expected.items():
        body = api.get("/api/v1/sla/leads", headers=org.headers(who)).json()
        assert (body["counts"]["breached"], body["counts"]["due"]) == (breached, due), who
        only = api.get(
            "/api/v1/sla/leads", params={"breach": "due"}, headers=org.headers(who)
        ).json()
        assert [row["lead"]["id"] for row in only["items"]] == (
            [str(org.leads["unassigned"])] if due else []
        ), who
    mine = api.get(
        "/api/v1/sla/leads", params={"owner_id": str(org.users["rep_a2"])},
        headers=org.headers("manager_a"),
    ).json()  # fmt: skip
    assert [row["lead"]["id"] for row in mine["items"]] == [str(org.leads["rep_a2"])]
    assert mine["items"][0]["accept"]["state"] == "breached"


def test_accept_and_first_touch_stop_the_clocks(api: TestClient, org: Org) -> None:
    lead = org.leads["rep_a1"]
    assert (
        api.post(f"/api/v1/leads/{lead}/accept", headers=org.headers("rep_b1")).status_code == 404
    )
    assert (
        api.post(f"/api/v1/leads/{lead}/accept", headers=org.headers("finance")).status_code == 403
    )
    accepted = api.post(f"/api/v1/leads/{lead}/accept", headers=org.headers("rep_a1"))
    assert accepted.status_code == 200
    assert accepted.json()["status"] == "accepted"
    clocks = api.get(f"/api/v1/leads/{lead}/sla", headers=org.headers("rep_a1")).json()
    states = {m["milestone"]: m["state"] for m in clocks["milestones"]}
    assert states == {"accept": "met_late", "first_touch": "due"}  # accepted at 13:00 > 12:00
    touched = api.post(f"/api/v1/leads/{lead}/first-touch", headers=org.headers("rep_a1"))
    assert touched.json()["first_touch_at"] == "2026-11-23T13:00:00Z"
    clocks = api.get(f"/api/v1/leads/{lead}/sla", headers=org.headers("rep_a1")).json()
    touch = next(m for m in clocks["milestones"] if m["milestone"] == "first_touch")
    assert (touch["state"], touch["elapsed_minutes"]) == ("met", 540)
    again = api.post(f"/api/v1/leads/{lead}/accept", headers=org.headers("rep_a1"))
    assert again.status_code == 409
    unowned = api.post(
        f"/api/v1/leads/{org.leads['unassigned']}/accept", headers=org.headers("ops")
    )
    assert unowned.status_code == 422


def test_queue_status_lists_queued_leads_to_those_who_see_them(api: TestClient, org: Org) -> None:
    _publish(api, org, NURTURE)
    lead = org.leads["unassigned"]
    routed = api.post(f"/api/v1/routing/leads/{lead}/route", headers=org.headers("ops")).json()
    assert routed["decision"]["queue"] == "Nurture"
    for who in ROLES:
        body = api.get("/api/v1/sla/queues/Nurture", headers=org.headers(who)).json()
        ids = [item["lead_id"] for item in body["leads"]]
        assert ids == ([str(lead)] if who in ("admin", "ops", "finance") else []), who
    item = api.get("/api/v1/sla/queues/Nurture", headers=org.headers("ops")).json()["leads"][0]
    assert item["waiting_minutes"] == 0
    assert item["first_touch"]["remaining_minutes"] == 900
    queued = api.get("/api/v1/sla/leads", params={"queue": "Nurture"}, headers=org.headers("ops"))
    assert [row["lead"]["id"] for row in queued.json()["items"]] == [str(lead)]
    assert queued.json()["queues"] == ["Nurture"]


def test_lead_matches_an_account_by_email_domain(api: TestClient, org: Org, engine: Engine) -> None:
    with unit_of_work(engine) as session:
        session.add(Account(name="Acme Corp", domain="acme.example", owner_id=org.users["rep_b1"]))
        lead = Lead(
            first_name="Ann", email="ann@acme.example", owner_id=org.users["rep_a1"],
            status="new", received_at=MONDAY,
        )  # fmt: skip
        twin = Lead(
            first_name="Ann", email="ann@acme.example", owner_id=org.users["rep_a2"],
            status="new", received_at=MONDAY,
        )  # fmt: skip
        session.add_all([lead, twin])
        session.flush()
        lead_id, twin_id = lead.id, twin.id
    body = api.get(f"/api/v1/leads/{twin_id}/matches", headers=org.headers("rep_a2")).json()
    assert body["account"]["name"] == "Acme Corp"
    assert (body["account"]["matched_on"], body["account"]["score"]) == ("email_domain", 100.0)
    assert body["account"]["owner_email"] == "rep_b1@example.com"
    assert body["duplicate_of"]["lead_id"] == str(lead_id)
    assert body["duplicate_of"]["matched_on"] == "email"
    assert (body["name_threshold"], body["duplicate_keys"]) == (90, ["email"])
    hidden = api.get(f"/api/v1/leads/{twin_id}/matches", headers=org.headers("rep_b1"))
    assert hidden.status_code == 404
    nothing = api.get(
        f"/api/v1/leads/{org.leads['rep_b1']}/matches", headers=org.headers("rep_b1")
    ).json()
    assert (nothing["account"], nothing["duplicate_of"]) == (None, None)
