"""Changes through the API: optimistic concurrency, stage moves with history, audit trail."""

from __future__ import annotations

import time

from fastapi.testclient import TestClient
from sqlalchemy import Engine, select

from coxswain.audit.models import AuditEvent
from coxswain.opportunities.models import OpportunityStageChange
from tests.api.org import Org


def test_stale_update_is_refused_never_silently_applied(
    client: TestClient, org: Org, engine: Engine
) -> None:
    deal = org.deals["rep_a1"]
    h = org.headers("rep_a1")
    read = client.get(f"/api/v1/opportunities/{deal}", headers=h)
    assert read.headers["etag"] == '"1"'
    first = client.patch(f"/api/v1/opportunities/{deal}", json={"amount_minor": 2_000_000},
                         headers=h | {"If-Match": '"1"'})  # fmt: skip
    assert first.status_code == 200
    assert first.json()["version"] == 2
    stale = client.patch(
        f"/api/v1/opportunities/{deal}", json={"amount_minor": 5}, headers=h | {"If-Match": '"1"'}
    )
    assert stale.status_code == 412
    assert stale.json()["error"]["code"] == "stale_version"
    stale_body = client.patch(
        f"/api/v1/opportunities/{deal}", json={"amount_minor": 5, "version": 1}, headers=h
    )
    assert stale_body.status_code == 409
    missing = client.patch(f"/api/v1/opportunities/{deal}", json={"amount_minor": 5}, headers=h)
    assert missing.status_code == 428
    after = client.get(f"/api/v1/opportunities/{deal}", headers=h).json()
    assert after["amount_minor"] == 2_000_000
    assert after["version"] == 2


def test_stage_move_writes_history_and_audit_with_actor(
    client: TestClient, org: Org, engine: Engine
) -> None:
    deal = org.deals["rep_a2"]
    h = org.headers("manager_a")
    moved = client.post(f"/api/v1/opportunities/{deal}/move-stage",
                        json={"stage_id": str(org.stages["Proposal"]), "version": 1}, headers=h)  # fmt: skip
    assert moved.status_code == 200, moved.text
    assert moved.json()["stage_name"] == "Proposal"
    assert moved.json()["forecast_category"] == "best_case"
    lost_no_reason = client.post(f"/api/v1/opportunities/{deal}/move-stage",
                                 json={"stage_id": str(org.stages["Closed Lost"]), "version": 2}, headers=h)  # fmt: skip
    assert lost_no_reason.status_code == 422
    assert "lost reason" in lost_no_reason.json()["error"]["message"]
    reasons = client.get("/api/v1/lost-reasons", headers=h).json()
    price = next(r["id"] for r in reasons if r["name"] == "Price")
    lost = client.post(
        f"/api/v1/opportunities/{deal}/close-lost",
        json={"lost_reason_id": price, "version": 2},
        headers=h,
    )
    assert lost.status_code == 200
    assert lost.json()["status"] == "lost"
    assert lost.json()["closed_on"] is not None
    history = client.get(f"/api/v1/opportunities/{deal}/stage-history", headers=h).json()
    assert [c["to_stage_name"] for c in history] == ["Proposal", "Closed Lost"]
    audit = client.get(f"/api/v1/opportunities/{deal}/audit", headers=org.headers("rep_a2")).json()
    assert [e["action"] for e in audit] == ["close_lost", "move_stage"]
    assert {e["actor_label"] for e in audit} == {"user:manager_a@example.com"}
    assert audit[1]["before"]["stage_id"] == str(org.stages["Prospecting"])
    assert audit[1]["after"]["stage_id"] == str(org.stages["Proposal"])
    with engine.connect() as connection:
        rows = connection.execute(select(OpportunityStageChange.changed_by_id).where(
            OpportunityStageChange.opportunity_id == deal)).all()  # fmt: skip
        events = connection.execute(
            select(AuditEvent.actor_id).where(AuditEvent.entity_id == deal)
        ).all()
    assert {r[0] for r in rows} == {org.users["manager_a"]}
    assert {e[0] for e in events} == {org.users["manager_a"]}


def test_create_update_delete_round_trip(client: TestClient, org: Org) -> None:
    h = org.headers("rep_b1")
    made = client.post(
        "/api/v1/opportunities",
        json={"name": "New deal", "amount_minor": 123_45, "currency": "eur"},
        headers=h,
    )
    assert made.status_code == 201
    body = made.json()
    assert body["owner_id"] == str(org.users["rep_b1"])
    assert body["currency"] == "EUR"
    assert body["stage_name"] == "Prospecting"
    for_other = client.post(
        "/api/v1/opportunities",
        json={"name": "x", "currency": "USD", "owner_id": str(org.users["rep_a1"])},
        headers=h,
    )
    assert for_other.status_code == 403
    assert (
        client.delete(f"/api/v1/opportunities/{body['id']}?version=1", headers=h).status_code == 403
    )
    manager = org.headers("manager_b")
    assert (
        client.delete(f"/api/v1/opportunities/{body['id']}?version=1", headers=manager).status_code
        == 204
    )
    assert client.get(f"/api/v1/opportunities/{body['id']}", headers=manager).status_code == 404


def test_list_filters_sorting_and_paging(client: TestClient, org: Org) -> None:
    h = org.headers("admin")
    page = client.get("/api/v1/opportunities?limit=2&sort=name", headers=h).json()
    assert [i["name"] for i in page["items"]] == ["Deal of manager_a", "Deal of rep_a1"]
    assert page["has_more"] is True
    second = client.get("/api/v1/opportunities?limit=2&offset=2&sort=name", headers=h).json()
    assert [i["name"] for i in second["items"]] == ["Deal of rep_a2", "Deal of rep_b1"]
    assert second["has_more"] is False
    team_b = client.get(f"/api/v1/opportunities?team_id={org.teams['b']}", headers=h).json()[
        "items"
    ]
    assert [i["name"] for i in team_b] == ["Deal of rep_b1"]
    assert client.get("/api/v1/opportunities?sort=password", headers=h).status_code == 422
    assert client.get("/api/v1/opportunities?colour=red", headers=h).status_code == 422
    assert (
        client.get("/api/v1/opportunities?q=A1", headers=h).json()["items"][0]["name"]
        == "Deal of rep_a1"
    )


def test_lead_etag_and_status_history(client: TestClient, org: Org) -> None:
    lead = org.leads["rep_a1"]
    h = org.headers("rep_a1")
    etag = client.get(f"/api/v1/leads/{lead}", headers=h).headers["etag"]
    accepted = client.post(
        f"/api/v1/leads/{lead}/status", json={"status": "accepted"}, headers=h | {"If-Match": etag}
    )
    assert accepted.status_code == 200
    assert accepted.json()["first_touch_at"] is not None
    stale = client.post(
        f"/api/v1/leads/{lead}/status", json={"status": "qualified"}, headers=h | {"If-Match": etag}
    )
    assert stale.status_code == 412
    refused = client.post(
        f"/api/v1/leads/{lead}/status", json={"status": "disqualified"}, headers=h
    )
    assert refused.status_code == 422
    history = client.get(f"/api/v1/leads/{lead}/status-history", headers=h).json()
    assert [c["to_status"] for c in history] == ["accepted"]


def test_import_with_progress_and_rejects(client: TestClient, org: Org) -> None:
    csv = "external_id,name,industry,segment\nA1,Good Co,Software,smb\nA2,Bad Co,Retail,gigantic\n"
    denied = client.post(
        "/api/v1/imports",
        files={"file": ("accounts.csv", csv)},
        data={"entity": "accounts"},
        headers=org.headers("rep_a1"),
    )
    assert denied.status_code == 403
    started = client.post(
        "/api/v1/imports",
        files={"file": ("accounts.csv", csv)},
        data={"entity": "accounts"},
        headers=org.headers("ops"),
    )
    assert started.status_code == 202, started.text
    job_id = started.json()["id"]
    for _ in range(200):
        job = client.get(f"/api/v1/imports/{job_id}", headers=org.headers("ops")).json()
        if job["status"] in ("finished", "failed"):
            break
        time.sleep(0.05)
    assert job["status"] == "finished", job["error"]
    assert job["percent"] == 100.0
    assert (job["report"]["inserted"], job["report"]["rejected"]) == (1, 1)
    rejects = client.get(job["rejects_url"], headers=org.headers("ops"))
    assert rejects.status_code == 200
    assert "Bad Co" in rejects.text
    assert "gigantic" in rejects.text
    names = [
        a["name"]
        for a in client.get("/api/v1/accounts", headers=org.headers("rep_b1")).json()["items"]
    ]
    assert names == ["Good Co"]


def test_routing_endpoints_answer_without_rules(client: TestClient, org: Org) -> None:
    lead = org.leads["unassigned"]
    assert (
        client.post(
            f"/api/v1/routing/leads/{lead}/route", headers=org.headers("rep_a1")
        ).status_code
        == 403
    )
    routed = client.post(f"/api/v1/routing/leads/{lead}/route", headers=org.headers("ops"))
    assert routed.status_code == 404
    assert routed.json()["error"]["message"]
    assert (
        client.get(f"/api/v1/routing/leads/{lead}/explain", headers=org.headers("ops")).status_code
        == 404
    )
