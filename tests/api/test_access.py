"""Who may see and do what, through the REST API, for every role (SQLite and PostgreSQL)."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.api.org import ROLES, Org

ALL_DEALS = {"rep_a1", "rep_a2", "rep_b1", "manager_a"}
VISIBLE_DEALS = {
    "admin": ALL_DEALS, "ops": ALL_DEALS, "finance": ALL_DEALS, "director": ALL_DEALS,
    "manager_a": {"rep_a1", "rep_a2", "manager_a"}, "manager_b": {"rep_b1"},
    "rep_a1": {"rep_a1"}, "rep_a2": {"rep_a2"}, "rep_b1": {"rep_b1"},
}  # fmt: skip


def test_every_role_lists_and_reads_exactly_what_it_may_see(client: TestClient, org: Org) -> None:
    names = {str(v): k for k, v in org.deals.items()}
    for who in ROLES:
        listed = client.get("/api/v1/opportunities?with_total=true", headers=org.headers(who))
        assert listed.status_code == 200, who
        seen = {names[item["id"]] for item in listed.json()["items"]}
        assert seen == VISIBLE_DEALS[who], who
        assert listed.json()["total"] == len(VISIBLE_DEALS[who])
        for owner, deal_id in org.deals.items():
            got = client.get(f"/api/v1/opportunities/{deal_id}", headers=org.headers(who))
            assert got.status_code == (200 if owner in VISIBLE_DEALS[who] else 404), (who, owner)


def test_leads_follow_the_same_visibility(client: TestClient, org: Org) -> None:
    expected = {
        "rep_a1": {"rep_a1"}, "manager_b": {"rep_b1"}, "manager_a": {"rep_a1", "rep_a2", "manager_a"},
        "ops": {"rep_a1", "rep_a2", "rep_b1", "manager_a", "unassigned"},
    }  # fmt: skip
    names = {str(v): k for k, v in org.leads.items()}
    for who, leads in expected.items():
        listed = client.get("/api/v1/leads", headers=org.headers(who)).json()["items"]
        assert {names[i["id"]] for i in listed} == leads, who
    assert (
        client.get(
            f"/api/v1/leads/{org.leads['rep_b1']}", headers=org.headers("rep_a1")
        ).status_code
        == 404
    )


def test_missing_or_invalid_credentials_answer_401(client: TestClient, org: Org) -> None:
    deal = org.deals["rep_a1"]
    for path in ("/api/v1/opportunities", f"/api/v1/opportunities/{deal}", "/api/v1/leads",
                 "/api/v1/kpis", "/api/v1/users", "/api/v1/auth/me"):  # fmt: skip
        assert client.get(path).status_code == 401, path
        bad = client.get(path, headers={"Authorization": "Bearer cxs_not-a-token"})
        assert bad.status_code == 401, path
        assert bad.headers["www-authenticate"] == "Bearer"
    assert client.get("/api/v1/auth/me", headers={"Authorization": "Basic abc"}).status_code == 401


def test_token_login_contract(client: TestClient, org: Org) -> None:
    answer = client.post(
        "/api/v1/auth/token", data={"username": "REP_A1@example.com", "password": "test-password-1"}
    )
    assert answer.status_code == 200
    body = answer.json()
    assert body["token_type"] == "bearer"
    me = client.get(
        "/api/v1/auth/me", headers={"Authorization": f"Bearer {body['access_token']}"}
    ).json()
    assert me["email"] == "rep_a1@example.com"
    assert me["role"] == "rep"
    wrong = client.post(
        "/api/v1/auth/token", data={"username": "rep_a1@example.com", "password": "nope"}
    )
    assert wrong.status_code == 401
    assert wrong.json()["error"]["code"] == "not_authenticated"


def test_login_is_rate_limited_after_five_failures(client: TestClient, org: Org) -> None:
    for _ in range(5):
        assert (
            client.post(
                "/api/v1/auth/token", data={"username": "rep_b1@example.com", "password": "x"}
            ).status_code
            == 401
        )
    locked = client.post(
        "/api/v1/auth/token", data={"username": "rep_b1@example.com", "password": "test-password-1"}
    )
    assert locked.status_code == 429
    assert int(locked.headers["retry-after"]) > 0
    other = client.post(
        "/api/v1/auth/token", data={"username": "rep_a1@example.com", "password": "test-password-1"}
    )
    assert other.status_code == 200


def test_finance_reads_everything_and_changes_nothing(client: TestClient, org: Org) -> None:
    h = org.headers("finance")
    deal = org.deals["rep_a1"]
    assert client.get(f"/api/v1/opportunities/{deal}", headers=h).status_code == 200
    attempts = [
        client.patch(f"/api/v1/opportunities/{deal}", json={"name": "x", "version": 1}, headers=h),
        client.post("/api/v1/opportunities", json={"name": "x", "currency": "USD"}, headers=h),
        client.post(f"/api/v1/opportunities/{deal}/close-won", json={"version": 1}, headers=h),
        client.post("/api/v1/leads", json={"last_name": "x"}, headers=h),
        client.post("/api/v1/accounts", json={"name": "x"}, headers=h),
        client.post("/api/v1/teams", json={"name": "x"}, headers=h),
        client.post("/api/v1/users", json={"email": "n@example.com", "full_name": "N"}, headers=h),
    ]
    assert [a.status_code for a in attempts] == [403] * len(attempts)
    assert attempts[0].json()["error"]["code"] == "permission_denied"


def test_reassignment_rules(client: TestClient, org: Org) -> None:
    deal = org.deals["rep_a1"]
    to_b1 = {"owner_id": str(org.users["rep_b1"]), "version": 1}
    assert (
        client.post(
            f"/api/v1/opportunities/{deal}/reassign", json=to_b1, headers=org.headers("rep_a1")
        ).status_code
        == 403
    )
    assert (
        client.post(
            f"/api/v1/opportunities/{deal}/reassign", json=to_b1, headers=org.headers("manager_a")
        ).status_code
        == 403
    )
    to_a2 = {"owner_id": str(org.users["rep_a2"]), "version": 1, "reason": "territory change"}
    moved = client.post(
        f"/api/v1/opportunities/{deal}/reassign", json=to_a2, headers=org.headers("manager_a")
    )
    assert moved.status_code == 200
    assert moved.json()["owner_id"] == str(org.users["rep_a2"])
    assert moved.json()["version"] == 2
    assert (
        client.get(f"/api/v1/opportunities/{deal}", headers=org.headers("rep_a1")).status_code
        == 404
    )
    assert (
        client.get(f"/api/v1/opportunities/{deal}", headers=org.headers("rep_a2")).status_code
        == 200
    )


def test_admin_only_and_ops_only_endpoints(client: TestClient, org: Org) -> None:
    new_user = {"email": "newbie@example.com", "full_name": "New Bie", "role": "rep"}
    assert (
        client.post("/api/v1/users", json=new_user, headers=org.headers("ops")).status_code == 403
    )
    assert (
        client.post("/api/v1/users", json=new_user, headers=org.headers("admin")).status_code == 201
    )
    assert (
        client.post("/api/v1/users", json=new_user, headers=org.headers("admin")).status_code == 409
    )
    team = {"name": "Team C", "parent_id": str(org.teams["region"])}
    assert (
        client.post("/api/v1/teams", json=team, headers=org.headers("manager_a")).status_code == 403
    )
    assert client.post("/api/v1/teams", json=team, headers=org.headers("ops")).status_code == 201
    product = {"name": "Widget"}
    assert (
        client.post("/api/v1/products", json=product, headers=org.headers("rep_a1")).status_code
        == 403
    )
    assert (
        client.post("/api/v1/products", json=product, headers=org.headers("ops")).status_code == 201
    )


def test_scoped_and_revoked_tokens(client: TestClient, org: Org) -> None:
    made = client.post(
        "/api/v1/auth/tokens",
        json={"name": "reporting", "scopes": ["read"]},
        headers=org.headers("rep_a1"),
    )
    assert made.status_code == 201
    read_only = {"Authorization": f"Bearer {made.json()['access_token']}"}
    deal = org.deals["rep_a1"]
    assert client.get(f"/api/v1/opportunities/{deal}", headers=read_only).status_code == 200
    denied = client.patch(
        f"/api/v1/opportunities/{deal}", json={"name": "x", "version": 1}, headers=read_only
    )
    assert denied.status_code == 403
    assert "scope" in denied.json()["error"]["message"]
    wider = client.post(
        "/api/v1/auth/tokens", json={"name": "w", "scopes": ["write"]}, headers=read_only
    )
    assert wider.status_code == 401
    revoked = client.delete(
        f"/api/v1/auth/tokens/{made.json()['id']}", headers=org.headers("rep_a1")
    )
    assert revoked.status_code == 204
    assert client.get("/api/v1/auth/me", headers=read_only).status_code == 401
    other = client.delete(f"/api/v1/auth/tokens/{made.json()['id']}", headers=org.headers("rep_b1"))
    assert other.status_code == 404


def test_every_read_endpoint_answers_every_role(client: TestClient, org: Org) -> None:
    paths = ["/api/v1/opportunities", "/api/v1/opportunities/board", "/api/v1/leads", "/api/v1/accounts",
             "/api/v1/contacts", "/api/v1/activities", "/api/v1/products", "/api/v1/users", "/api/v1/teams",
             "/api/v1/pipelines", "/api/v1/lost-reasons", "/api/v1/kpis", "/api/v1/reports/funnel",
             "/api/v1/reports/bottlenecks", "/api/v1/forecasts", "/api/v1/forecasts/calls?period=2026-Q4",
             "/api/v1/forecasts/rollup?period=2026-Q4", "/api/v1/auth/me", "/api/v1/auth/tokens"]  # fmt: skip
    for who in ROLES:
        for path in paths:
            assert client.get(path, headers=org.headers(who)).status_code == 200, (who, path)
        imports = client.get("/api/v1/imports", headers=org.headers(who)).status_code
        assert imports == (200 if ROLES[who] in ("admin", "sales_ops") else 403), who
