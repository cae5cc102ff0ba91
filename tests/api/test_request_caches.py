"""The per-process caches of the request path (SQLite and PostgreSQL): credentials and
visibility sets (``coxswain.auth.credential_cache``) and reports kept until the data changes
(``coxswain.api.report_cache``). A cached answer must never outlive a change made through
the app, nor reach a caller who may see less."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, func, select

from coxswain.auth.credential_cache import CREDENTIALS
from coxswain.auth.errors import AuthenticationError
from coxswain.auth.sessions import end_session, resolve_session, start_session
from coxswain.auth.tokens import issue_token, principal_from_token
from coxswain.db.engine import unit_of_work
from coxswain.opportunities.models import Opportunity
from coxswain.people.models import User
from coxswain.web.choices import CHOICES
from coxswain.web.server import create_app
from tests.api.org import NOW, PASSWORD, Org


def _names(client: TestClient, org: Org, who: str) -> set[str]:
    answer = client.get("/api/v1/opportunities", headers=org.headers(who))
    assert answer.status_code == 200, answer.text
    return {item["name"] for item in answer.json()["items"]}


def test_a_revoked_token_is_refused_on_the_next_request(client: TestClient, org: Org) -> None:
    headers = org.headers("rep_a1")
    assert client.get("/api/v1/auth/me", headers=headers).status_code == 200  # now cached
    (token,) = client.get("/api/v1/auth/tokens", headers=headers).json()
    assert client.delete(f"/api/v1/auth/tokens/{token['id']}", headers=headers).status_code == 204
    assert client.get("/api/v1/auth/me", headers=headers).status_code == 401


def test_a_deactivated_user_is_refused_on_the_next_request(client: TestClient, org: Org) -> None:
    assert client.get("/api/v1/opportunities", headers=org.headers("rep_b1")).status_code == 200
    change = client.patch(
        f"/api/v1/users/{org.users['rep_b1']}",
        json={"is_active": False},
        headers=org.headers("admin"),
    )
    assert change.status_code == 200, change.text
    assert client.get("/api/v1/opportunities", headers=org.headers("rep_b1")).status_code == 401


def test_a_role_change_applies_on_the_next_request(client: TestClient, org: Org) -> None:
    assert _names(client, org, "rep_a2") == {"Deal of rep_a2"}
    change = client.patch(
        f"/api/v1/users/{org.users['rep_a2']}",
        json={"role": "finance"},
        headers=org.headers("admin"),
    )
    assert change.status_code == 200, change.text
    # Finance sees every deal (the org has one per rep and one of manager_a).
    assert _names(client, org, "rep_a2") == {
        "Deal of rep_a1", "Deal of rep_a2", "Deal of rep_b1", "Deal of manager_a"
    }  # fmt: skip


def test_moving_a_rep_to_another_team_changes_what_managers_see_at_once(
    client: TestClient, org: Org
) -> None:
    assert _names(client, org, "manager_b") == {"Deal of rep_b1"}
    assert "Deal of rep_a2" in _names(client, org, "manager_a")
    team_b = next(
        t["id"]
        for t in client.get("/api/v1/teams", headers=org.headers("admin")).json()
        if t["name"] == "Team B"
    )
    change = client.patch(
        f"/api/v1/users/{org.users['rep_a2']}",
        json={"team_id": team_b},
        headers=org.headers("admin"),
    )
    assert change.status_code == 200, change.text
    assert _names(client, org, "manager_b") == {"Deal of rep_b1", "Deal of rep_a2"}
    assert "Deal of rep_a2" not in _names(client, org, "manager_a")


def test_an_ended_web_session_is_refused_at_once(engine: Engine, org: Org) -> None:
    with unit_of_work(engine) as session:
        user = session.get(User, org.users["rep_a1"])
        assert user is not None
        cookie = start_session(session, user=user, now=NOW).cookie_value
    with unit_of_work(engine) as session:
        assert resolve_session(session, cookie, now=NOW).principal.email == user.email
    with unit_of_work(engine) as session:
        end_session(session, cookie, now=NOW)
    with unit_of_work(engine) as session, pytest.raises(AuthenticationError):
        resolve_session(session, cookie, now=NOW)


def test_cached_credentials_still_expire_and_time_out(engine: Engine, org: Org) -> None:
    with unit_of_work(engine) as session:
        user = session.get(User, org.users["rep_a1"])
        assert user is not None
        secret = issue_token(
            session, user=user, name="short", scopes=None, now=NOW, expires_in=timedelta(hours=1)
        ).secret
        cookie = start_session(session, user=user, now=NOW).cookie_value
    with unit_of_work(engine) as session:
        assert principal_from_token(session, secret, now=NOW).email == user.email
        assert resolve_session(session, cookie, now=NOW).principal.email == user.email
    assert len(CREDENTIALS) >= 2  # both answers are cached now
    with unit_of_work(engine) as session:
        with pytest.raises(AuthenticationError, match="expired"):
            principal_from_token(session, secret, now=NOW + timedelta(hours=1))
        with pytest.raises(AuthenticationError, match="timed out"):
            resolve_session(session, cookie, now=NOW + timedelta(hours=13))  # idle 12 h


def _created_in(engine: Engine, org: Org, who: str, start: date, end: date) -> int:
    """Deals of ``who`` opened in [start, end], counted straight from the table."""
    with unit_of_work(engine) as session:
        return int(
            session.scalar(
                select(func.count()).where(
                    Opportunity.owner_id == org.users[who],
                    Opportunity.opened_on.between(start, end),
                    Opportunity.deleted_at.is_(None),
                )
            )
            or 0
        )


def test_reports_follow_a_write_and_stay_per_caller(
    client: TestClient, org: Org, engine: Engine
) -> None:
    today = datetime.now(UTC).date()  # the app runs on the system clock
    window = {"from": (today - timedelta(days=90)).isoformat(), "to": today.isoformat()}
    start, end = today - timedelta(days=90), today

    def created(who: str) -> int:
        answer = client.get(
            "/api/v1/kpis", params={**window, "kpi": "created_deals"}, headers=org.headers(who)
        )
        assert answer.status_code == 200, answer.text
        return int(answer.json()["created_deals"]["value"] or 0)

    rep_a1_before = _created_in(engine, org, "rep_a1", start, end)
    rep_a2_before = _created_in(engine, org, "rep_a2", start, end)
    assert (created("rep_a1"), created("rep_a2")) == (rep_a1_before, rep_a2_before)
    new = client.post(
        "/api/v1/opportunities",
        json={"name": "Fresh deal", "amount_minor": 500_000, "currency": "USD"},
        headers=org.headers("rep_a1"),
    )
    assert new.status_code == 201, new.text
    assert _created_in(engine, org, "rep_a1", start, end) == rep_a1_before + 1
    # The change is seen: the previous figure is served while one refresh runs, then the new.
    assert created("rep_a1") in (rep_a1_before, rep_a1_before + 1)
    client.app.state.analytics.results.wait_for_refreshes()  # type: ignore[attr-defined]
    assert created("rep_a1") == rep_a1_before + 1
    # Another rep's figures never include it.
    assert created("rep_a2") == rep_a2_before
    client.app.state.analytics.results.wait_for_refreshes()  # type: ignore[attr-defined]
    assert created("rep_a2") == rep_a2_before


def test_security_headers_on_pages_api_and_static_files(client: TestClient) -> None:
    for path in ("/health", "/login", "/static/app.css"):
        answer = client.get(path)
        assert answer.status_code == 200, path
        assert answer.headers["x-frame-options"] == "DENY", path
        assert answer.headers["x-content-type-options"] == "nosniff", path
        assert "frame-ancestors 'none'" in answer.headers["content-security-policy"], path
    assert client.get("/static/app.css").headers["cache-control"] == "public, max-age=86400"
    assert "max-age=86400" not in client.get("/health").headers.get("cache-control", "")


def _login(client: TestClient, who: str) -> None:
    form = client.get("/login").text
    found = re.search(r'name="login_csrf" value="([^"]+)"', form)
    assert found is not None
    answer = client.post(
        "/login",
        data={
            "username": f"{who}@example.com",
            "password": PASSWORD,
            "login_csrf": found.group(1),
            "next": "/",
        },
        follow_redirects=False,
    )
    assert answer.status_code == 303, answer.text


def _rep_choices(client: TestClient) -> set[str]:
    page = client.get("/")
    assert page.status_code == 200, page.text
    bar = page.text.split('<select name="rep">', 1)[1].split("</select>", 1)[0]
    return set(re.findall(r'<option value="([^"]+)"', bar))


def test_dashboard_rep_choices_are_per_scope_and_follow_a_new_user(
    engine: Engine, org: Org, tmp_path: Path
) -> None:
    # Team A: rep_a1, rep_a2 under manager_a (org.py); the admin sees all nine users.
    everyone = {"Admin", "Ops", "Finance", "Director", "Manager A", "Manager B",
                "Rep A1", "Rep A2", "Rep B1"}  # fmt: skip
    app = create_app(engine, upload_dir=tmp_path / "uploads")
    with TestClient(app) as admin, TestClient(app) as manager, TestClient(app) as rep:
        _login(admin, "admin")
        _login(manager, "manager_a")
        _login(rep, "rep_a1")
        assert _rep_choices(admin) == everyone
        assert _rep_choices(manager) == {"Manager A", "Rep A1", "Rep A2"}
        assert _rep_choices(rep) == {"Rep A1"}
        created = admin.post(
            "/api/v1/users",
            json={
                "email": "rep_a3@example.com",
                "full_name": "Rep A3",
                "role": "rep",
                "team_id": str(_team_a(engine, org)),
            },
            headers=org.headers("admin"),
        )
        assert created.status_code == 201, created.text
        admin.get("/")  # serves the previous list and starts one refresh
        CHOICES.wait_for_refreshes()
        assert _rep_choices(admin) == everyone | {"Rep A3"}
        manager.get("/")
        CHOICES.wait_for_refreshes()
        assert _rep_choices(manager) == {"Manager A", "Rep A1", "Rep A2", "Rep A3"}
        assert _rep_choices(rep) == {"Rep A1"}
    # The dashboards above refreshed reports in the background: let them end with the test.
    app.state.analytics.results.wait_for_refreshes()


def _team_a(engine: Engine, org: Org) -> object:
    with unit_of_work(engine) as session:
        manager = session.get(User, org.users["manager_a"])
        assert manager is not None
        return manager.team_id
