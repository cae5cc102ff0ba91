"""The ``salesforce`` profile on hand-made report and Data Loader exports (tests/golden/salesforce).

Every expected value was worked out by hand from the sample files: report amounts such as
``"$7,250.50"`` are 725050 cents, report dates are month first (``3/4/2024`` is 4 March).
"""

from __future__ import annotations

import csv
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from coxswain.accounts.models import Account
from coxswain.activities.models import Activity
from coxswain.audit.models import AuditEvent
from coxswain.core.clock import FixedClock
from coxswain.db.models import User
from coxswain.imports.engine.mapping import bind
from coxswain.imports.engine.schema import entity_spec
from coxswain.imports.profiles import get_profile
from coxswain.imports.service import ImportReport, import_file
from coxswain.leads.models import Lead, LeadStatusChange
from coxswain.opportunities.defaults import SALESFORCE_STAGES
from coxswain.opportunities.models import (
    Opportunity,
    OpportunityStageChange,
    Pipeline,
    Stage,
)
from coxswain.opportunities.pipelines import ensure_pipeline, pipeline_by_name

GOLDEN = Path(__file__).resolve().parents[1] / "golden" / "salesforce"
CLOCK = FixedClock(datetime(2025, 2, 1, 12, 0, tzinfo=UTC))


def run(session: Session, entity: str, path: Path, tmp_path: Path) -> ImportReport:
    return import_file(
        session,
        entity=entity,
        path=path,
        profile="salesforce",
        rejects_path=tmp_path / f"{path.stem}.rejects.csv",
        clock=CLOCK,
    )


def read_rejects(report: ImportReport) -> list[dict[str, str]]:
    assert report.rejects_file is not None
    with open(report.rejects_file, newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def counts(report: ImportReport) -> tuple[int, int, int, int, int]:
    return report.rows_read, report.inserted, report.updated, report.unchanged, report.rejected


def deal(session: Session, external_id: str) -> Opportunity:
    return session.scalars(
        select(Opportunity).where(
            Opportunity.external_source == "salesforce", Opportunity.external_id == external_id
        )
    ).one()


def user_name(session: Session, user_id: object) -> str:
    user = session.get(User, user_id)
    assert user is not None
    return user.full_name


def account_name(session: Session, account_id: object) -> str:
    account = session.get(Account, account_id)
    assert account is not None
    return account.name


def stage_name(session: Session, stage_id: object) -> str:
    stage = session.get(Stage, stage_id)
    assert stage is not None
    return stage.name


@pytest.fixture
def report_accounts(session: Session, tmp_path: Path) -> ImportReport:
    return run(session, "accounts", GOLDEN / "accounts.csv", tmp_path)


def test_accounts_report(session: Session, report_accounts: ImportReport) -> None:
    assert counts(report_accounts) == (5, 5, 0, 0, 0)
    assert report_accounts.ignored_columns == ["Type"]
    accounts = {
        a.external_id: a
        for a in session.scalars(select(Account).where(Account.external_source == "salesforce"))
    }
    acme, acme_eu = accounts["0015g00000ACME1"], accounts["0015g00000ACEU2"]
    assert acme_eu.parent_id == acme.id  # "Parent Account" names the parent
    assert acme.parent_id is None
    assert {k: a.domain for k, a in accounts.items()} == {
        "0015g00000ACME1": "acme-corp.com",  # https://www.acme-corp.com
        "0015g00000ACEU2": "acme-corp.de",
        "0015g00000GLBX3": "globex.io",  # http://globex.io/about
        "0015g00000INIT4": "initech.com",  # www.initech.com
        "0015g00000UMBR5": "umbrellahealth.org",
    }
    assert (acme.annual_revenue_minor, acme.annual_revenue_currency) == (12_000_000_000, "USD")
    assert (acme.employees, acme.city, acme.state) == (4200, "Chicago", "IL")
    initech = accounts["0015g00000INIT4"]
    assert (initech.annual_revenue_minor, initech.annual_revenue_currency) == (None, None)
    assert accounts["0015g00000UMBR5"].postal_code == "02110"  # leading zero kept
    # Owners are full names: created as users on first sight.
    assert user_name(session, acme.owner_id) == "Dana Whitfield"
    assert user_name(session, acme_eu.owner_id) == "Luis Ortega"
    created = session.scalars(select(User.full_name).where(User.external_source == "salesforce"))
    assert sorted(created) == ["Dana Whitfield", "Luis Ortega", "Priya Raman"]


def test_first_opportunity_import_seeds_the_salesforce_pipeline(
    session: Session, report_accounts: ImportReport, tmp_path: Path
) -> None:
    assert pipeline_by_name(session, "Salesforce") is None
    run(session, "opportunities", GOLDEN / "opportunities_report.csv", tmp_path)
    pipeline = pipeline_by_name(session, "Salesforce")
    assert pipeline is not None
    assert pipeline.is_default is False
    stages = session.scalars(
        select(Stage).where(Stage.pipeline_id == pipeline.id).order_by(Stage.position)
    ).all()
    assert [(s.position, s.name, s.probability_bp, s.category) for s in stages] == [
        (1, "Prospecting", 1000, "open"),
        (2, "Qualification", 1000, "open"),
        (3, "Needs Analysis", 2000, "open"),
        (4, "Value Proposition", 5000, "open"),
        (5, "Id. Decision Makers", 6000, "open"),
        (6, "Perception Analysis", 7000, "open"),
        (7, "Proposal/Price Quote", 7500, "open"),
        (8, "Negotiation/Review", 9000, "open"),
        (9, "Closed Won", 10000, "won"),
        (10, "Closed Lost", 0, "lost"),
    ]


def test_an_existing_salesforce_pipeline_is_left_as_it_is(
    session: Session, report_accounts: ImportReport, tmp_path: Path
) -> None:
    stages = [t for t in SALESFORCE_STAGES if t[0] in ("Prospecting", "Closed Won")]
    pipeline = ensure_pipeline(session, "Salesforce", stages)
    run(session, "opportunities", GOLDEN / "opportunities_report.csv", tmp_path)
    names = session.scalars(
        select(Stage.name).where(Stage.pipeline_id == pipeline.id).order_by(Stage.position)
    ).all()
    # The two stages it had, then those the file named, in the file's order.
    assert list(names) == [
        "Prospecting",
        "Closed Won",
        "Closed Lost",
        "Proposal/Price Quote",
        "Negotiation/Review",
        "Id. Decision Makers",
    ]


def test_opportunities_report(
    session: Session, report_accounts: ImportReport, tmp_path: Path
) -> None:
    report = run(session, "opportunities", GOLDEN / "opportunities_report.csv", tmp_path)
    assert counts(report) == (7, 6, 0, 0, 1)
    assert report.ignored_columns == ["Fiscal Period"]

    won = deal(session, "0065g00000OPP01")
    assert (won.amount_minor, won.currency) == (1_250_000, "USD")  # "$12,500.00"
    assert stage_name(session, won.stage_id) == "Closed Won"
    assert won.status == "won"
    assert won.closed_on == date(2024, 3, 4)  # "3/4/2024", month first
    assert won.opened_on == date(2024, 1, 10)
    assert user_name(session, won.owner_id) == "Dana Whitfield"
    assert account_name(session, won.account_id) == "Acme Corporation"
    assert (won.type, won.forecast_category, won.probability_bp) == ("upsell", "closed", 10000)
    assert won.lead_source == "Partner Referral"

    lost = deal(session, "0065g00000OPP02")
    assert (lost.status, lost.closed_on, lost.amount_minor) == (
        "lost",
        date(2024, 4, 30),
        4_800_000,
    )
    assert (lost.type, lost.forecast_category) == ("new_business", "omitted")

    open_deal = deal(session, "0065g00000OPP03")
    assert stage_name(session, open_deal.stage_id) == "Proposal/Price Quote"
    assert (open_deal.status, open_deal.closed_on) == ("open", None)
    assert open_deal.expected_close_on == date(2024, 11, 29)
    assert (open_deal.amount_minor, open_deal.type) == (725_050, "renewal")
    assert open_deal.forecast_category == "commit"
    assert open_deal.forecast_category_overridden is False
    assert open_deal.next_step == "Send revised quote"

    assert deal(session, "0065g00000OPP04").amount_minor == 0  # blank amount

    euro = deal(session, "0065g00000OPP05")
    assert (euro.amount_minor, euro.currency) == (980_000, "EUR")  # "EUR 9,800.00"
    # Negotiation/Review forecasts as commit; the file says Best Case: an override.
    assert (euro.forecast_category, euro.forecast_category_overridden) == ("best_case", True)

    stark = deal(session, "0065g00000OPP07")
    assert account_name(session, stark.account_id) == "Stark Industries"  # created
    assert user_name(session, stark.owner_id) == "Morgan Lee"  # created
    assert (stark.amount_minor, stark.probability_bp) == (15_000_000, 6000)

    changes = session.scalars(
        select(OpportunityStageChange).where(OpportunityStageChange.opportunity_id == won.id)
    ).all()
    assert [(c.from_stage_id, c.changed_at) for c in changes] == [
        (None, datetime(2024, 3, 4, tzinfo=UTC))
    ]
    assert not session.scalars(
        select(Opportunity).where(Opportunity.external_id == "0065g00000OPP06")
    ).all()


def test_a_bad_date_is_rejected_with_its_line_and_field(
    session: Session, report_accounts: ImportReport, tmp_path: Path
) -> None:
    report = run(session, "opportunities", GOLDEN / "opportunities_report.csv", tmp_path)
    [row] = read_rejects(report)
    assert (row["_line"], row["_field"], row["_value"]) == ("7", "expected_close_on", "02/30/2024")
    assert row["_reason"].startswith("expected a date")
    assert (row["Opportunity ID"], row["Close Date"]) == ("0065g00000OPP06", "02/30/2024")


def test_reimport_changes_nothing_and_a_changed_amount_is_audited(
    session: Session, report_accounts: ImportReport, tmp_path: Path
) -> None:
    source = GOLDEN / "opportunities_report.csv"
    run(session, "opportunities", source, tmp_path)
    again = run(session, "opportunities", source, tmp_path)
    assert counts(again) == (7, 0, 0, 6, 1)

    changed = tmp_path / "opportunities_changed.csv"
    text = source.read_text(encoding="utf-8")
    assert text.count('"$7,250.50"') == 1
    changed.write_text(text.replace('"$7,250.50"', '"$8,100.00"'), encoding="utf-8")
    report = run(session, "opportunities", changed, tmp_path)
    assert counts(report) == (7, 0, 1, 5, 1)
    renewal = deal(session, "0065g00000OPP03")
    assert renewal.amount_minor == 810_000
    [event] = session.scalars(
        select(AuditEvent).where(
            AuditEvent.action == "update", AuditEvent.entity_type == "opportunities"
        )
    ).all()
    assert event.entity_id == renewal.id
    assert (event.before, event.after) == ({"amount_minor": 725_050}, {"amount_minor": 810_000})


def test_leads_report(session: Session, tmp_path: Path) -> None:
    report = run(session, "leads", GOLDEN / "leads.csv", tmp_path)
    assert counts(report) == (7, 6, 0, 0, 1)
    assert report.ignored_columns == ["Street", "Rating"]
    [row] = read_rejects(report)
    assert (row["_line"], row["_field"], row["_value"]) == ("7", "email", "james.oneil@woodgrove")

    leads = {
        lead.external_id: lead
        for lead in session.scalars(select(Lead).where(Lead.external_source == "salesforce"))
    }
    assert {k: lead.status for k, lead in leads.items()} == {
        "00Q5g00000LEAD1": "mql",  # Open - Not Contacted
        "00Q5g00000LEAD2": "accepted",  # Working - Contacted
        "00Q5g00000LEAD3": "converted",  # Closed - Converted
        "00Q5g00000LEAD4": "disqualified",  # Closed - Not Converted
        "00Q5g00000LEAD5": "recycled",  # Nurturing
        "00Q5g00000LEAD7": "qualified",  # Qualified
    }
    maria = leads["00Q5g00000LEAD1"]
    assert maria.received_at == datetime(2024, 3, 4, 9, 15, tzinfo=UTC)  # "3/4/2024 9:15 AM"
    assert maria.email == "maria.gonzalez@northwind.example"
    assert (maria.company, maria.employees, maria.source) == ("Northwind Traders", 1500, "Web")
    assert (maria.city, maria.state, maria.postal_code) == ("Seattle", "WA", "98101")
    assert leads["00Q5g00000LEAD7"].postal_code == "02110"
    assert user_name(session, maria.owner_id) == "Dana Whitfield"
    owners = session.scalars(select(User.full_name).where(User.external_source == "salesforce"))
    assert sorted(owners) == ["Dana Whitfield", "Luis Ortega", "Priya Raman"]
    history = session.scalars(
        select(LeadStatusChange.to_status)
        .where(LeadStatusChange.lead_id == maria.id)
        .order_by(LeadStatusChange.changed_at, LeadStatusChange.to_status)
    ).all()
    assert sorted(history) == ["mql", "new"]


@pytest.fixture
def data_loader_org(session: Session, tmp_path: Path) -> None:
    users = run(session, "users", GOLDEN / "users.csv", tmp_path)
    assert counts(users) == (4, 4, 0, 0, 0)
    assert users.ignored_columns == ["FirstName", "LastName", "Username"]
    accounts = run(session, "accounts", GOLDEN / "accounts_dataloader.csv", tmp_path)
    assert counts(accounts) == (4, 4, 0, 0, 0)


def test_data_loader_users_and_accounts(session: Session, data_loader_org: None) -> None:
    users = {u.external_id: u for u in session.scalars(select(User))}
    dana, luis = users["0055g00000DANA1AAA"], users["0055g00000LUIS2AAA"]
    assert luis.manager_id == dana.id
    assert luis.email == "luis.ortega@acme-sales.example"  # lower-cased
    assert (luis.time_zone, luis.is_active) == ("Europe/Madrid", True)
    assert users["0055g00000MORG4AAA"].is_active is False
    accounts = {a.external_id: a for a in session.scalars(select(Account))}
    acme_eu = accounts["0015g00000ACEU2AAA"]
    assert acme_eu.parent_id == accounts["0015g00000ACME1AAA"].id  # ParentId
    assert (acme_eu.annual_revenue_minor, acme_eu.annual_revenue_currency) == (
        1_700_000_000,
        "EUR",
    )
    assert acme_eu.owner_id == luis.id


def test_data_loader_opportunities(session: Session, data_loader_org: None, tmp_path: Path) -> None:
    report = run(session, "opportunities", GOLDEN / "opportunities_dataloader.csv", tmp_path)
    assert counts(report) == (5, 4, 0, 0, 1)
    assert report.ignored_columns == ["IsClosed", "IsWon"]
    [row] = read_rejects(report)
    assert (row["_line"], row["_field"], row["_reason"]) == ("6", "stage", "a value is required")

    won = deal(session, "0065g00000DL001AAA")
    assert (won.status, won.amount_minor, won.closed_on, won.opened_on) == (
        "won",
        2_200_000,
        date(2024, 5, 31),
        date(2024, 2, 14),  # 2024-02-14T09:30:00.000+0000
    )
    owner = session.get(User, won.owner_id)
    assert owner is not None
    assert owner.email == "dana.whitfield@acme-sales.example"  # OwnerId, no placeholder user
    assert account_name(session, won.account_id) == "Acme Corporation"

    lost = deal(session, "0065g00000DL002AAA")
    assert (lost.status, lost.amount_minor) == ("lost", 540_050)
    assert lost.description == "Chose a competitor on price"
    renewal = deal(session, "0065g00000DL003AAA")
    assert (renewal.type, renewal.amount_minor, renewal.forecast_category) == (
        "renewal",
        0,
        "best_case",  # API value BestCase; the stage's own category, so no override
    )
    assert renewal.forecast_category_overridden is False

    custom = deal(session, "0065g00000DL004AAA")
    stage = session.get(Stage, custom.stage_id)
    assert stage is not None
    assert (stage.name, stage.position, stage.category, stage.probability_bp) == (
        "Legal Review",
        11,  # appended after the ten standard stages
        "open",
        1000,
    )
    assert (custom.currency, custom.amount_minor, custom.probability_bp) == ("EUR", 3_100_000, 8500)
    assert (custom.forecast_category, custom.forecast_category_overridden) == ("commit", True)
    assert len(session.scalars(select(User)).all()) == 4  # every OwnerId was a known user
    assert session.scalars(select(Pipeline.name).order_by(Pipeline.name)).all() == [
        "Sales",
        "Salesforce",
    ]


def test_data_loader_tasks(session: Session, data_loader_org: None, tmp_path: Path) -> None:
    report = run(session, "activities", GOLDEN / "tasks.csv", tmp_path)
    assert counts(report) == (4, 4, 0, 0, 0)
    assert report.ignored_columns == ["Priority", "WhoId", "WhatId"]
    tasks = {a.external_id: a for a in session.scalars(select(Activity))}
    assert {k: (a.type, a.completed) for k, a in tasks.items()} == {
        "00T5g00000TSK01AAA": ("call", True),
        "00T5g00000TSK02AAA": ("email", True),
        "00T5g00000TSK03AAA": ("task", False),  # Not Started
        "00T5g00000TSK04AAA": ("task", False),  # blank subtype → task; In Progress
    }
    call = tasks["00T5g00000TSK01AAA"]
    assert call.occurred_at == datetime(2024, 2, 20, tzinfo=UTC)
    assert account_name(session, call.account_id) == "Acme Corporation"
    assert user_name(session, call.owner_id) == "Dana Whitfield"
    assert tasks["00T5g00000TSK04AAA"].account_id is None


def test_an_id_column_wins_over_a_name_column_whatever_the_order() -> None:
    spec = entity_spec("opportunities")
    mapping = get_profile("salesforce", spec)
    headers = ["Opportunity ID", "Opportunity Name", "Account Name", "Stage", "Account ID"]
    bound = bind(mapping, spec, headers, Path("x.csv"))
    assert bound.rules["account"][0] == 4
    assert bound.ignored == ["Account Name"]
    assert bound.rules["pipeline"][1].default == "Salesforce"
