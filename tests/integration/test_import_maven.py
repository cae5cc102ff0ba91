"""Maven CRM import: counts and values checked against an independent pass over the CSV files."""

from __future__ import annotations

import csv
from collections import Counter
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from coxswain.db.models import (
    Account,
    Opportunity,
    OpportunityLineItem,
    OpportunityStageChange,
    Product,
    Stage,
    Team,
    User,
)
from coxswain.imports.datasets import import_dataset


def maven_rows(folder: Path, name: str) -> list[dict[str, str]]:
    with (folder / name).open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


@pytest.fixture
def maven(shared_data: Path) -> Path:
    return shared_data / "maven_crm_sales_opportunities"


def test_maven_import_counts_and_values(session: Session, maven: Path) -> None:
    reports = import_dataset(session, "maven", maven)
    by_entity = {r.entity: r for r in reports}
    assert all(r.rejected == 0 for r in reports), [(r.entity, r.rejects_file) for r in reports]
    pipeline = maven_rows(maven, "sales_pipeline.csv")
    teams = maven_rows(maven, "sales_teams.csv")

    assert session.scalar(select(func.count()).select_from(Opportunity)) == len(pipeline) == 8800
    assert session.scalar(select(func.count()).select_from(Account)) == 85
    assert session.scalar(select(func.count()).select_from(User).where(User.role == "rep")) == 35
    managers = {row["manager"] for row in teams}
    assert session.scalar(
        select(func.count()).select_from(User).where(User.role == "manager")
    ) == len(managers)
    assert by_entity["opportunities"].inserted == 8800

    stage_counts = dict(
        session.execute(
            select(Stage.name, func.count())
            .join(Opportunity, Opportunity.stage_id == Stage.id)
            .group_by(Stage.name)
        ).all()
    )
    assert stage_counts == dict(Counter(row["deal_stage"] for row in pipeline))

    won_total_minor = session.scalar(
        select(func.sum(Opportunity.amount_minor)).where(Opportunity.status == "won")
    )
    expected_won = sum(int(row["close_value"]) for row in pipeline if row["deal_stage"] == "Won")
    assert expected_won == 10_005_534
    assert won_total_minor == expected_won * 100

    # Open deals are priced from the product list (GTXPro is the product "GTX Pro").
    prices = {
        row["product"]: Decimal(row["sales_price"]) for row in maven_rows(maven, "products.csv")
    }
    open_expected = sum(
        prices[row["product"].replace("GTXPro", "GTX Pro")]
        for row in pipeline
        if row["deal_stage"] in ("Prospecting", "Engaging")
    )
    open_total = session.scalar(
        select(func.sum(Opportunity.amount_minor)).where(Opportunity.status == "open")
    )
    assert open_total == int(open_expected * 100)

    no_account = sum(1 for row in pipeline if not row["account"])
    assert no_account == 1425
    assert (
        session.scalar(
            select(func.count()).select_from(Opportunity).where(Opportunity.account_id.is_(None))
        )
        == no_account
    )


def test_maven_details_of_one_deal_and_org(session: Session, maven: Path) -> None:
    import_dataset(session, "maven", maven)
    deal = session.scalars(select(Opportunity).where(Opportunity.external_id == "Z063OYW0")).one()
    # Source row: Z063OYW0,Darcel Schlecht,GTXPro,Isdom,Won,2016-10-25,2017-03-11,4514
    assert (deal.amount_minor, deal.currency, deal.status) == (451400, "USD", "won")
    assert str(deal.opened_on) == "2016-10-25"
    assert str(deal.closed_on) == "2017-03-11"
    owner = session.get(User, deal.owner_id)
    assert owner is not None
    assert owner.full_name == "Darcel Schlecht"
    account = session.get(Account, deal.account_id)
    assert account is not None
    assert account.name == "Isdom"
    item = session.scalars(
        select(OpportunityLineItem).where(OpportunityLineItem.opportunity_id == deal.id)
    ).one()
    product = session.get(Product, item.product_id)
    assert product is not None
    assert product.name == "GTX Pro"
    history = session.execute(
        select(Stage.name, OpportunityStageChange.changed_at)
        .join(Stage, Stage.id == OpportunityStageChange.to_stage_id)
        .where(OpportunityStageChange.opportunity_id == deal.id)
        .order_by(OpportunityStageChange.changed_at)
    ).all()
    assert [(name, at.date().isoformat()) for name, at in history] == [
        ("Engaging", "2016-10-25"),
        ("Won", "2017-03-11"),
    ]
    # sales_teams.csv: "Darcel Schlecht,Melvin Marxen,Central".
    manager = session.get(User, owner.manager_id)
    assert manager is not None
    assert manager.full_name == "Melvin Marxen"
    team = session.get(Team, owner.team_id)
    assert team is not None
    assert team.manager_id == manager.id
    region = session.get(Team, team.parent_id)
    assert region is not None
    assert region.name == "Central"
    # Accounts: revenue is in millions of USD; "Acme Corporation" has 1100.04.
    acme = session.scalars(select(Account).where(Account.name == "Acme Corporation")).one()
    assert acme.annual_revenue_minor == 1_100_040_000 * 100
    assert acme.industry == "technology"


def test_second_maven_import_changes_nothing(session: Session, maven: Path) -> None:
    import_dataset(session, "maven", maven)
    before = session.scalar(select(func.max(Opportunity.updated_at)))
    changes_before = session.scalar(select(func.count()).select_from(OpportunityStageChange))
    again = import_dataset(session, "maven", maven)
    assert all(r.inserted == 0 and r.updated == 0 and r.rejected == 0 for r in again)
    assert sum(r.unchanged for r in again if r.entity == "opportunities") == 8800
    assert session.scalar(select(func.max(Opportunity.updated_at))) == before
    assert (
        session.scalar(select(func.count()).select_from(OpportunityStageChange)) == changes_before
    )
