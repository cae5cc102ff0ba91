"""The ``hubspot`` profile on hand-made CRM exports (tests/golden/hubspot) and an XLSX export.

Every expected value was worked out by hand from the sample files: ``8500.75`` USD is 850075
cents, ``contractsent`` is the stage "Contract Sent", pipeline ``default`` is HubSpot's
"Sales Pipeline", which lands in "HubSpot Sales Pipeline".
"""

from __future__ import annotations

import csv
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from openpyxl import Workbook
from sqlalchemy import select
from sqlalchemy.orm import Session

from coxswain.accounts.models import Account
from coxswain.audit.models import AuditEvent
from coxswain.core.clock import FixedClock
from coxswain.db.models import User
from coxswain.imports.service import ImportReport, import_file
from coxswain.leads.models import Lead, LeadStatusChange
from coxswain.opportunities.models import LostReason, Opportunity, Pipeline, Stage

GOLDEN = Path(__file__).resolve().parents[1] / "golden" / "hubspot"
CLOCK = FixedClock(datetime(2025, 2, 1, 12, 0, tzinfo=UTC))
PIPELINE = "HubSpot Sales Pipeline"


def run(session: Session, entity: str, path: Path, tmp_path: Path) -> ImportReport:
    return import_file(
        session,
        entity=entity,
        path=path,
        profile="hubspot",
        rejects_path=tmp_path / f"{path.stem}.rejects.csv",
        clock=CLOCK,
    )


def read_rejects(report: ImportReport) -> list[dict[str, str]]:
    assert report.rejects_file is not None
    with open(report.rejects_file, newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def counts(report: ImportReport) -> tuple[int, int, int, int, int]:
    return report.rows_read, report.inserted, report.updated, report.unchanged, report.rejected


def deals(session: Session) -> dict[str, Opportunity]:
    rows = session.scalars(select(Opportunity).where(Opportunity.external_source == "hubspot"))
    return {str(o.external_id): o for o in rows}


def leads(session: Session) -> dict[str, Lead]:
    rows = session.scalars(select(Lead).where(Lead.external_source == "hubspot"))
    return {str(lead.external_id): lead for lead in rows}


def user_name(session: Session, user_id: object) -> str | None:
    user = session.get(User, user_id) if user_id is not None else None
    return None if user is None else user.full_name


def account_name(session: Session, account_id: object) -> str | None:
    account = session.get(Account, account_id) if account_id is not None else None
    return None if account is None else account.name


def stage_of(session: Session, opportunity: Opportunity) -> tuple[str, str]:
    """``(pipeline name, stage name)`` of a deal."""
    stage = session.get(Stage, opportunity.stage_id)
    pipeline = session.get(Pipeline, opportunity.pipeline_id)
    assert stage is not None
    assert pipeline is not None
    return pipeline.name, stage.name


@pytest.fixture
def companies(session: Session, tmp_path: Path) -> ImportReport:
    return run(session, "accounts", GOLDEN / "companies.csv", tmp_path)


def test_companies(session: Session, companies: ImportReport) -> None:
    assert counts(companies) == (6, 6, 0, 0, 0)
    assert companies.ignored_columns == ["Create Date"]
    accounts = {
        a.external_id: a
        for a in session.scalars(select(Account).where(Account.external_source == "hubspot"))
    }
    assert accounts["5210003"].parent_id == accounts["5210002"].id  # parent by name
    assert accounts["5210005"].parent_id == accounts["5210004"].id  # parent by record id
    assert accounts["5210001"].parent_id is None
    assert accounts["5210003"].domain == "retail.contoso.example"  # from the website URL
    assert accounts["5210006"].domain == "tailspin.example"  # lower-cased
    northwind = accounts["5210001"]
    assert (northwind.annual_revenue_minor, northwind.annual_revenue_currency) == (
        25_000_000_000,  # 250,000,000 USD in cents
        "USD",
    )
    assert accounts["5210002"].employees == 12_000  # "12,000"
    assert (northwind.city, northwind.state, northwind.country) == (
        "Seattle",
        "Washington",
        "United States",
    )
    assert user_name(session, northwind.owner_id) == "Avery Chen"  # created on first sight


def test_deals(session: Session, companies: ImportReport, tmp_path: Path) -> None:
    report = run(session, "opportunities", GOLDEN / "deals.csv", tmp_path)
    assert counts(report) == (7, 6, 0, 0, 1)
    assert report.ignored_columns == []
    found = deals(session)

    won = found["9840113801"]
    assert stage_of(session, won) == (PIPELINE, "Closed Won")
    assert (won.status, won.closed_on, won.opened_on) == (
        "won",
        date(2024, 4, 12),
        date(2024, 1, 8),
    )
    assert (won.amount_minor, won.currency, won.type) == (2_400_000, "USD", "new_business")
    assert user_name(session, won.owner_id) == "Avery Chen"
    assert account_name(session, won.account_id) == "Northwind Traders"
    assert (won.forecast_category, won.description) == ("closed", "Signed 3-year agreement")

    lost = found["9840113802"]
    assert (lost.status, lost.closed_on, lost.amount_minor) == ("lost", date(2024, 5, 2), 850_075)
    assert lost.forecast_category == "omitted"  # "Not forecasted"
    reason = session.get(LostReason, lost.lost_reason_id)
    assert reason is not None
    assert reason.name == "Went with a competitor"

    contract = found["9840113803"]  # internal stage id and pipeline id
    assert stage_of(session, contract) == (PIPELINE, "Contract Sent")
    assert (contract.status, contract.closed_on) == ("open", None)
    assert (contract.amount_minor, contract.type) == (3_125_000, "upsell")  # "$31,250.00"
    assert (contract.forecast_category, contract.forecast_category_overridden) == (
        "commit",
        False,
    )

    assert found["9840113804"].amount_minor == 0  # blank amount
    assert found["9840113804"].type == "new_business"  # blank type: the default

    euro = found["9840113805"]
    assert stage_of(session, euro) == (PIPELINE, "Qualified To Buy")  # "... (Sales Pipeline)"
    assert (euro.amount_minor, euro.currency) == (1_800_000, "EUR")  # "€18,000.00"
    assert account_name(session, euro.account_id) == "Litware GmbH"  # created

    unowned = found["9840113807"]
    assert unowned.owner_id is None
    assert stage_of(session, unowned) == (PIPELINE, "Decision Maker Bought-In")
    assert "9840113806" not in found

    pipelines = session.scalars(select(Pipeline.name).order_by(Pipeline.name)).all()
    assert list(pipelines) == [PIPELINE, "Sales"]  # no "Sales Pipeline" nor "default"
    pipeline = session.scalars(select(Pipeline).where(Pipeline.name == PIPELINE)).one()
    stages = session.scalars(
        select(Stage).where(Stage.pipeline_id == pipeline.id).order_by(Stage.position)
    ).all()
    assert [(s.name, s.probability_bp) for s in stages] == [
        ("Appointment Scheduled", 2000),
        ("Qualified To Buy", 4000),
        ("Presentation Scheduled", 6000),
        ("Decision Maker Bought-In", 8000),
        ("Contract Sent", 9000),
        ("Closed Won", 10000),
        ("Closed Lost", 0),
    ]


def test_a_bad_close_date_is_rejected_with_its_line_and_field(
    session: Session, companies: ImportReport, tmp_path: Path
) -> None:
    report = run(session, "opportunities", GOLDEN / "deals.csv", tmp_path)
    [row] = read_rejects(report)
    assert (row["_line"], row["_field"], row["_value"]) == ("7", "expected_close_on", "2024-02-30")
    assert row["Record ID"] == "9840113806"


def test_reimport_changes_nothing_and_a_changed_amount_is_audited(
    session: Session, companies: ImportReport, tmp_path: Path
) -> None:
    source = GOLDEN / "deals.csv"
    run(session, "opportunities", source, tmp_path)
    assert counts(run(session, "opportunities", source, tmp_path)) == (7, 0, 0, 6, 1)

    text = source.read_text(encoding="utf-8")
    assert text.count('"$31,250.00"') == 1
    changed = tmp_path / "deals_changed.csv"
    changed.write_text(text.replace('"$31,250.00"', "33000"), encoding="utf-8")
    assert counts(run(session, "opportunities", changed, tmp_path)) == (7, 0, 1, 5, 1)
    contract = deals(session)["9840113803"]
    assert contract.amount_minor == 3_300_000
    [event] = session.scalars(
        select(AuditEvent).where(
            AuditEvent.action == "update", AuditEvent.entity_type == "opportunities"
        )
    ).all()
    assert event.entity_id == contract.id
    assert (event.before, event.after) == (
        {"amount_minor": 3_125_000},
        {"amount_minor": 3_300_000},
    )


HEADER = [
    "Record ID", "Deal Name", "Deal Stage", "Pipeline", "Amount", "Currency", "Close Date",
    "Create Date", "Deal owner", "Deal Type", "Associated Company", "Forecast category",
    "Closed Lost Reason", "Deal Description",
]  # fmt: skip
# The good rows of deals.csv as HubSpot's XLSX export types them: numbers and date-times.
XLSX_ROWS: list[list[object]] = [
    [9840113801, "Northwind - Annual Plan", "Closed Won", "Sales Pipeline", 24000, "USD",
     datetime(2024, 4, 12, 16, 20), datetime(2024, 1, 8, 10, 2), "Avery Chen", "New Business",
     "Northwind Traders", "Closed won", None, "Signed 3-year agreement"],
    [9840113802, "Contoso - Pilot", "Closed Lost", "Sales Pipeline", 8500.75, "USD",
     datetime(2024, 5, 2, 9, 0), datetime(2024, 2, 20, 14, 45), "Jordan Blake", "New Business",
     "Contoso Ltd", "Not forecasted", "Went with a competitor", None],
    [9840113803, "Fabrikam - Expansion", "contractsent", "default", 31250, "USD",
     datetime(2024, 12, 20), datetime(2024, 9, 30), "Avery Chen", "Existing Business",
     "Fabrikam", "Commit", None, None],
    [9840113804, "Tailspin - Discovery", "Appointment Scheduled", "Sales Pipeline", None, "USD",
     datetime(2025, 1, 31), datetime(2024, 11, 12), "Jordan Blake", None, "Tailspin Toys",
     "Pipeline", None, None],
    [9840113805, "Litware EU - Subscription", "Qualified To Buy (Sales Pipeline)",
     "Sales Pipeline", 18000, "EUR", datetime(2025, 2, 28), datetime(2024, 12, 2), "Avery Chen",
     "New Business", "Litware GmbH", "Pipeline", None, "Priced in euros"],
    [9840113807, "Northwind - Renewal", "Decision Maker Bought-In", "Sales Pipeline", 26000,
     "USD", datetime(2025, 3, 31), datetime(2025, 1, 6), None, "Existing Business",
     "Northwind Traders", "Best case", None, None],
]  # fmt: skip


def test_an_xlsx_export_of_the_same_deals_matches_the_csv(
    session: Session, companies: ImportReport, tmp_path: Path
) -> None:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "All deals"
    sheet.append(HEADER)
    for row in XLSX_ROWS:
        sheet.append(row)
    workbook = tmp_path / "hubspot-crm-exports-all-deals-2025-02-01.xlsx"
    book.save(workbook)

    report = run(session, "opportunities", workbook, tmp_path)
    assert counts(report) == (6, 6, 0, 0, 0)
    lost = deals(session)["9840113802"]
    assert (lost.amount_minor, lost.closed_on, lost.status) == (850_075, date(2024, 5, 2), "lost")
    # The CSV export carries the same values in other spellings: nothing changes.
    assert counts(run(session, "opportunities", GOLDEN / "deals.csv", tmp_path)) == (
        7,
        0,
        0,
        6,
        1,
    )


def test_internal_property_names(session: Session, tmp_path: Path) -> None:
    report = run(session, "opportunities", GOLDEN / "deals_api.csv", tmp_path)
    assert counts(report) == (3, 3, 0, 0, 0)
    found = deals(session)
    starter, services, platform = (found[k] for k in ("9840120001", "9840120002", "9840120003"))
    assert [stage_of(session, d)[1] for d in (starter, services, platform)] == [
        "Closed Won",
        "Closed Lost",
        "Qualified To Buy",
    ]
    assert (starter.status, starter.closed_on, starter.amount_minor) == (
        "won",
        date(2024, 6, 28),
        990_000,
    )
    assert [d.type for d in (starter, services, platform)] == [
        "new_business",
        "upsell",  # existingbusiness
        "new_business",
    ]
    assert [d.forecast_category for d in (starter, services, platform)] == [
        "closed",
        "omitted",
        "best_case",
    ]
    assert platform.forecast_category_overridden is True  # Qualified To Buy forecasts pipeline
    assert [d.lead_source for d in (starter, services, platform)] == [
        "Organic Search",
        "Paid Search",
        "Referrals",
    ]
    assert user_name(session, starter.owner_id) == "41234567"  # an owner id, kept as a name
    assert starter.owner_id == services.owner_id != platform.owner_id


def test_contacts_as_leads(session: Session, tmp_path: Path) -> None:
    report = run(session, "leads", GOLDEN / "contacts.csv", tmp_path)
    assert counts(report) == (7, 6, 0, 0, 1)
    # Lifecycle Stage feeds the status; Create Date feeds received_at.
    assert report.ignored_columns == ["Lead Status", "Became a Lead Date"]
    [row] = read_rejects(report)
    assert (row["_line"], row["_field"], row["_value"]) == ("7", "received_at", "2024-03-32 10:00")

    found = leads(session)
    assert {k: lead.status for k, lead in found.items()} == {
        "7710001": "new",  # Subscriber
        "7710002": "new",  # Lead
        "7710003": "mql",  # marketingqualifiedlead
        "7710004": "qualified",  # Sales Qualified Lead
        "7710005": "converted",  # Opportunity
        "7710007": "converted",  # Evangelist
    }
    lena = found["7710003"]
    assert lena.email == "lena.novak@fabrikam.example"
    assert (lena.title, lena.company, lena.score, lena.source) == (
        "CFO",
        "Fabrikam",
        55,
        "Email Marketing",
    )
    assert lena.mql_at == datetime(2024, 2, 5, 14, 0, tzinfo=UTC)
    assert user_name(session, lena.owner_id) == "Avery Chen"
    carlos = found["7710004"]
    history = session.execute(
        select(
            LeadStatusChange.from_status, LeadStatusChange.to_status, LeadStatusChange.changed_at
        )
        .where(LeadStatusChange.lead_id == carlos.id)
        .order_by(LeadStatusChange.changed_at)
    ).all()
    assert [tuple(h) for h in history] == [
        (None, "new", datetime(2024, 2, 10, 11, 0, tzinfo=UTC)),
        ("new", "mql", datetime(2024, 2, 12, 9, 0, tzinfo=UTC)),
        ("mql", "qualified", datetime(2024, 2, 20, 16, 30, tzinfo=UTC)),
    ]
    assert found["7710007"].postal_code == "02110"


def test_lead_status_without_a_lifecycle_column(session: Session, tmp_path: Path) -> None:
    report = run(session, "leads", GOLDEN / "contacts_api.csv", tmp_path)
    assert counts(report) == (8, 8, 0, 0, 0)
    found = leads(session)
    assert {k: (lead.status, lead.source) for k, lead in found.items()} == {
        "7720001": ("new", "Organic Search"),  # NEW
        "7720002": ("mql", "Paid Search"),  # OPEN
        "7720003": ("accepted", "Email Marketing"),  # IN_PROGRESS
        "7720004": ("converted", "Referrals"),  # OPEN_DEAL
        "7720005": ("disqualified", "Organic Social"),  # UNQUALIFIED
        "7720006": ("accepted", "Direct Traffic"),  # ATTEMPTED_TO_CONTACT
        "7720007": ("accepted", "Offline Sources"),  # CONNECTED
        "7720008": ("recycled", "Other Campaigns"),  # BAD_TIMING
    }
    assert found["7720001"].received_at == datetime(2024, 4, 1, 9, 0, tzinfo=UTC)
