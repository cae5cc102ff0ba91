"""The list endpoints' fast paths against the plain ones, on SQLite and PostgreSQL.

- Rows serialized straight to JSON answer exactly what validating each row through the
  route's item model (``PageOut[OpportunityRead]`` etc.) answers.
- A manager's opportunities merged per owner (``UNION ALL`` of each owner's first rows) are the
  rows and order that sorting every visible deal in Python gives, for every sort, with ties,
  empty values, filters and deep offsets.
- A user's ``has_password`` says whether a password is set and never carries the hash.
"""

from __future__ import annotations

import uuid
from datetime import date, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select

from coxswain.accounts.models import Account
from coxswain.accounts.schemas import AccountRead
from coxswain.api.schemas import PageOut
from coxswain.auth.listing import PageParams
from coxswain.auth.principal import Principal
from coxswain.db.engine import unit_of_work
from coxswain.opportunities.listing import list_opportunity_rows
from coxswain.opportunities.models import Opportunity, Pipeline, Stage
from coxswain.opportunities.schemas import OpportunityFilters, OpportunityRead
from coxswain.people.models import User
from coxswain.people.schemas import UserRead
from tests.api.org import NOW, Org

DEALS_PER_OWNER = 7


def _add_deals(engine: Engine, org: Org) -> None:
    """Deals for every rep and manager_a with repeated amounts and close dates (ties across
    owners), some without a close date, some closed, one deleted, some on an account."""
    with unit_of_work(engine) as session:
        pipeline = session.scalar(select(Pipeline).where(Pipeline.is_default.is_(True)))
        assert pipeline is not None
        stage = session.scalar(
            select(Stage).where(Stage.pipeline_id == pipeline.id).order_by(Stage.position)
        )
        assert stage is not None
        account = Account(name="Acme", segment="enterprise")
        session.add(account)
        session.flush()
        owners = ("rep_a1", "rep_a2", "rep_b1", "manager_a", "manager_b")
        for number in range(DEALS_PER_OWNER):
            for position, owner in enumerate(owners):
                session.add(
                    Opportunity(
                        name=f"Deal {number % 3} {owner}",
                        owner_id=org.users[owner],
                        account_id=account.id if number % 2 else None,
                        pipeline_id=pipeline.id,
                        stage_id=stage.id,
                        status="lost" if number == 5 else "open",
                        amount_minor=1_000 * (number % 3),
                        currency="USD",
                        forecast_category=stage.forecast_category,
                        probability_bp=stage.probability_bp,
                        opened_on=date(2026, 9, 1) + timedelta(days=position),
                        expected_close_on=(
                            None if number == 4 else date(2026, 12, 1) + timedelta(days=number % 2)
                        ),
                    )
                )
        session.flush()
        doomed = session.scalar(
            select(Opportunity).where(Opportunity.owner_id == org.users["rep_a2"]).limit(1)
        )
        assert doomed is not None
        doomed.deleted_at = NOW


def _principal(session: Any, who: uuid.UUID) -> Principal:
    user = session.get(User, who)
    return Principal(user_id=user.id, email=user.email, role=user.role)


def _python_order(rows: list[dict[str, Any]], sort: str) -> list[dict[str, Any]]:
    """Sort ``rows`` as the API documents it: each field ascending or ``-`` descending, empty
    values last either way, then the id descending (stable sorts, last key first)."""
    ordered = sorted(rows, key=lambda row: row["id"], reverse=True)
    for part in reversed(sort.split(",")):
        name = part.lstrip("-")
        descending = part.startswith("-")
        present = [row for row in ordered if row[name] is not None]
        empty = [row for row in ordered if row[name] is None]
        present.sort(key=lambda row: row[name], reverse=descending)
        ordered = present + empty
    return ordered


@pytest.mark.parametrize("who", ["manager_a", "director"])
def test_manager_merge_matches_sorting_every_visible_deal(
    engine: Engine, org: Org, who: str
) -> None:
    _add_deals(engine, org)
    sorts = [
        "-id",
        "expected_close_on",
        "-expected_close_on",
        "-amount_minor,name",
        "name,-opened_on",
    ]
    filter_sets = [OpportunityFilters(), OpportunityFilters(status="open")]
    with unit_of_work(engine) as session:
        actor = _principal(session, org.users[who])
        everything = list_opportunity_rows(
            session, actor, OpportunityFilters(), PageParams(limit=200), merge=False
        ).items
        visible = {row["owner_id"] for row in everything}
        assert len(visible) >= 3  # the merge path is taken (two owners or more)
        for sort in sorts:
            for filters in filter_sets:
                wanted = [
                    row
                    for row in everything
                    if filters.status is None or row["status"] == filters.status.value
                ]
                expected = _python_order(wanted, sort)
                for limit, offset in ((5, 0), (5, 5), (4, 9), (200, 0), (3, len(expected) - 2)):
                    params = PageParams(limit=limit, offset=offset, sort=sort, with_total=True)
                    page = list_opportunity_rows(session, actor, filters, params)
                    single = list_opportunity_rows(session, actor, filters, params, merge=False)
                    assert page == single, (sort, filters, limit, offset)
                    assert [r["id"] for r in page.items] == [
                        r["id"] for r in expected[offset : offset + limit]
                    ], (sort, filters, limit, offset)
                    assert page.has_more == (offset + limit < len(expected))
                    assert page.total == len(expected)


def test_manager_sees_team_deals_only_through_the_merge(engine: Engine, org: Org) -> None:
    _add_deals(engine, org)
    with unit_of_work(engine) as session:
        actor = _principal(session, org.users["manager_a"])
        page = list_opportunity_rows(session, actor, OpportunityFilters(), PageParams(limit=200))
    owners = {row["owner_id"] for row in page.items}
    assert owners == {org.users[n] for n in ("rep_a1", "rep_a2", "manager_a")}
    # one org deal each, DEALS_PER_OWNER more each, one of rep_a2's deleted
    assert len(page.items) == 3 * (1 + DEALS_PER_OWNER) - 1


def _get(client: TestClient, org: Org, who: str, path: str) -> dict[str, Any]:
    answer = client.get(path, headers=org.headers(who))
    assert answer.status_code == 200, answer.text
    body: dict[str, Any] = answer.json()
    return body


@pytest.mark.parametrize("who", ["admin", "manager_a", "rep_a1"])
def test_opportunity_json_equals_the_item_model(
    engine: Engine, org: Org, client: TestClient, who: str
) -> None:
    _add_deals(engine, org)
    for query in ("limit=10", "limit=7&offset=3&sort=expected_close_on", "status=open&limit=200"):
        body = _get(client, org, who, f"/api/v1/opportunities?{query}")
        assert body["items"]
        model = PageOut[OpportunityRead].model_validate(body)
        assert body == model.model_dump(mode="json")
        assert list(body["items"][0]) == list(OpportunityRead.model_fields)


def test_account_and_user_json_equal_the_item_models(
    engine: Engine, org: Org, client: TestClient
) -> None:
    _add_deals(engine, org)
    accounts = _get(client, org, "admin", "/api/v1/accounts?limit=5")
    assert accounts["items"][0]["name"] == "Acme"
    assert accounts["items"][0]["segment"] == "enterprise"
    assert accounts == PageOut[AccountRead].model_validate(accounts).model_dump(mode="json")
    users = _get(client, org, "admin", "/api/v1/users?limit=200")
    assert users == PageOut[UserRead].model_validate(users).model_dump(mode="json")
    assert list(users["items"][0]) == list(UserRead.model_fields)


def test_has_password_without_the_hash(engine: Engine, org: Org, client: TestClient) -> None:
    with unit_of_work(engine) as session:
        session.get(User, org.users["rep_a2"]).password_hash = None
        session.get(User, org.users["rep_b1"]).password_hash = ""
    users = _get(client, org, "admin", "/api/v1/users?limit=200")
    flags = {row["email"]: row["has_password"] for row in users["items"]}
    assert flags["rep_a2@example.com"] is False
    assert flags["rep_b1@example.com"] is False
    assert flags["rep_a1@example.com"] is True
    assert all("password_hash" not in row for row in users["items"])
    assert "$argon2" not in str(users)
