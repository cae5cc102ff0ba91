"""Native-format imports: references, rejects, idempotency, updates with audit, atomic failure."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from coxswain.core.errors import ImportFileError, MappingError
from coxswain.db.engine import unit_of_work
from coxswain.db.models import (
    Account,
    AuditEvent,
    ImportRun,
    Lead,
    LeadStatusChange,
    Opportunity,
    OpportunityStageChange,
    OwnershipChange,
    Stage,
    Team,
    User,
)
from coxswain.imports.service import import_file


def write_csv(path: Path, header: list[str], rows: list[list[str]]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def read_rejects(path: str | None) -> list[dict[str, str]]:
    assert path is not None
    with open(path, newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


@pytest.fixture
def org(session: Session, tmp_path: Path) -> None:
    write_csv(
        tmp_path / "teams.csv",
        ["external_id", "name", "parent", "region"],
        [["T-EU", "EMEA", "", "EMEA"], ["T-EU-SMB", "EMEA SMB", "T-EU", "EMEA"]],
    )
    write_csv(
        tmp_path / "users.csv",
        [
            "external_id",
            "email",
            "full_name",
            "role",
            "manager",
            "team",
            "manages",
            "time_zone",
            "working_hours",
        ],
        [
            [
                "U2",
                "rep@x.com",
                "Rita Rep",
                "rep",
                "U1",
                "T-EU-SMB",
                "",
                "Europe/Lisbon",
                '{"mon": [["09:00", "17:00"]]}',
            ],
            ["U1", "boss@x.com", "Bea Boss", "manager", "", "T-EU", "T-EU-SMB", "Europe/Paris", ""],
        ],
    )
    assert import_file(session, entity="teams", path=tmp_path / "teams.csv").inserted == 2
    report = import_file(session, entity="users", path=tmp_path / "users.csv")
    assert (report.inserted, report.rejected, report.warnings) == (2, 0, 0)


def test_self_references_resolve_in_any_order(session: Session, org: None) -> None:
    rep = session.scalars(select(User).where(User.email == "rep@x.com")).one()
    boss = session.scalars(select(User).where(User.email == "boss@x.com")).one()
    assert rep.manager_id == boss.id  # the manager came later in the file
    team = session.scalars(select(Team).where(Team.name == "EMEA SMB")).one()
    assert team.manager_id == boss.id
    assert rep.team_id == team.id
    assert rep.working_hours == {"mon": [["09:00", "17:00"]]}


OPP_HEADER = [
    "external_id",
    "name",
    "account",
    "owner",
    "stage",
    "amount",
    "currency",
    "opened_on",
    "closed_on",
    "lost_reason",
]


def test_opportunities_rejects_and_good_rows(session: Session, org: None, tmp_path: Path) -> None:
    write_csv(tmp_path / "accounts.csv", ["external_id", "name", "owner"], [["A1", "Acme", "U2"]])
    import_file(session, entity="accounts", path=tmp_path / "accounts.csv")
    rows = [
        [
            "O1",
            "Acme renewal",
            "A1",
            "rep@x.com",
            "Proposal",
            "12,500.50",
            "EUR",
            "2024-01-10",
            "",
            "",
        ],
        [
            "O2",
            "Acme expansion",
            "Acme",
            "Rita Rep",
            "Closed Won",
            "$900",
            "USD",
            "2024-01-05",
            "2024-02-01",
            "",
        ],
        [
            "O3",
            "Lost one",
            "A1",
            "U2",
            "Closed Lost",
            "100",
            "USD",
            "2024-01-05",
            "2024-01-20",
            "Price",
        ],
        ["O4", "Bad stage", "A1", "U2", "Negotiations", "100", "USD", "2024-01-05", "", ""],
        ["O5", "Bad owner", "A1", "nobody@x.com", "Proposal", "100", "USD", "2024-01-05", "", ""],
        ["O6", "Closed without date", "A1", "U2", "Closed Won", "100", "USD", "2024-01-05", "", ""],
        [
            "O7",
            "Closed before opened",
            "A1",
            "U2",
            "Closed Lost",
            "100",
            "USD",
            "2024-03-05",
            "2024-01-01",
            "",
        ],
        ["O8", "Bad amount", "A1", "U2", "Proposal", "lots", "USD", "2024-01-05", "", ""],
        ["O1", "Duplicate id", "A1", "U2", "Proposal", "1", "USD", "2024-01-05", "", ""],
    ]
    path = write_csv(tmp_path / "opps.csv", OPP_HEADER, rows)
    report = import_file(
        session, entity="opportunities", path=path, rejects_path=tmp_path / "rej.csv"
    )
    assert (report.rows_read, report.inserted, report.rejected) == (9, 3, 6)
    rejects = {r["_line"]: (r["_field"], r["_reason"]) for r in read_rejects(report.rejects_file)}
    assert rejects["5"][0] == "stage"
    assert "Prospecting" in rejects["5"][1]
    assert rejects["6"][0] == "owner"
    assert rejects["7"][0] == "closed_on"
    assert rejects["8"][0] == "closed_on"
    assert rejects["9"][0] == "amount"
    assert rejects["10"] == ("external_id", "appears more than once in this file")

    o1 = session.scalars(select(Opportunity).where(Opportunity.external_id == "O1")).one()
    assert (o1.amount_minor, o1.currency, o1.status, o1.forecast_category) == (
        1250050,
        "EUR",
        "open",
        "best_case",
    )
    o2 = session.scalars(select(Opportunity).where(Opportunity.external_id == "O2")).one()
    assert (o2.amount_minor, o2.status, str(o2.closed_on)) == (90000, "won", "2024-02-01")
    o3 = session.scalars(select(Opportunity).where(Opportunity.external_id == "O3")).one()
    assert o3.status == "lost"
    assert o3.lost_reason_id is not None


def test_reimport_is_a_no_op_and_changes_update_with_history(
    session: Session, org: None, tmp_path: Path
) -> None:
    rows = [["O1", "Deal", "", "U2", "Proposal", "1000", "USD", "2024-01-10", "", ""]]
    path = write_csv(tmp_path / "opps.csv", OPP_HEADER, rows)
    first = import_file(session, entity="opportunities", path=path)
    second = import_file(session, entity="opportunities", path=path)
    assert (first.inserted, second.inserted, second.updated, second.unchanged) == (1, 0, 0, 1)
    deal = session.scalars(select(Opportunity).where(Opportunity.external_id == "O1")).one()
    assert deal.version == 1

    changed = [
        ["O1", "Deal", "", "U1", "Closed Won", "1500", "USD", "2024-01-10", "2024-03-01", ""]
    ]
    third = import_file(
        session, entity="opportunities", path=write_csv(tmp_path / "o2.csv", OPP_HEADER, changed)
    )
    assert (third.updated, third.unchanged) == (1, 0)
    session.refresh(deal)
    assert (deal.amount_minor, deal.status, deal.version) == (150000, "won", 2)
    audit = session.scalars(
        select(AuditEvent).where(AuditEvent.entity_id == deal.id, AuditEvent.action == "update")
    ).one()
    assert audit.before is not None
    assert audit.after is not None
    assert (audit.before["amount_minor"], audit.after["amount_minor"]) == (100000, 150000)
    assert audit.actor_label.startswith("import:")
    moves = (
        session.execute(
            select(Stage.name)
            .join(OpportunityStageChange, OpportunityStageChange.to_stage_id == Stage.id)
            .where(OpportunityStageChange.opportunity_id == deal.id)
        )
        .scalars()
        .all()
    )
    assert moves == ["Closed Won"]
    owners = session.scalars(
        select(OwnershipChange).where(OwnershipChange.entity_id == deal.id)
    ).all()
    assert len(owners) == 1
    runs = session.scalar(select(func.count()).select_from(ImportRun))
    assert runs == 5  # teams, users, and three opportunity imports


def test_partial_file_updates_only_its_columns(session: Session, org: None, tmp_path: Path) -> None:
    rows = [["O1", "Deal", "", "U2", "Proposal", "1000", "EUR", "2024-01-10", "", ""]]
    import_file(
        session, entity="opportunities", path=write_csv(tmp_path / "a.csv", OPP_HEADER, rows)
    )
    partial = write_csv(
        tmp_path / "b.csv",
        ["external_id", "name", "stage"],
        [["O1", "Deal renamed", "Negotiation"]],
    )
    report = import_file(session, entity="opportunities", path=partial)
    assert report.updated == 1
    deal = session.scalars(select(Opportunity).where(Opportunity.external_id == "O1")).one()
    assert (deal.name, deal.amount_minor, deal.currency) == ("Deal renamed", 100000, "EUR")


def test_leads_lifecycle_history_from_timestamps(
    session: Session, org: None, tmp_path: Path
) -> None:
    header = [
        "external_id",
        "email",
        "source",
        "received_at",
        "mql_at",
        "accepted_at",
        "qualified_at",
        "owner",
    ]
    rows = [
        [
            "L1",
            "a@b.com",
            "web",
            "2024-01-01T09:00:00Z",
            "2024-01-01T10:00:00Z",
            "2024-01-02T08:00:00Z",
            "",
            "U2",
        ],
        ["L2", "c@d.com", "event", "2024-01-03T09:00:00Z", "", "", "", ""],
    ]
    report = import_file(
        session, entity="leads", path=write_csv(tmp_path / "leads.csv", header, rows)
    )
    assert report.inserted == 2
    lead = session.scalars(select(Lead).where(Lead.external_id == "L1")).one()
    assert lead.status == "accepted"
    steps = session.execute(
        select(LeadStatusChange.from_status, LeadStatusChange.to_status)
        .where(LeadStatusChange.lead_id == lead.id)
        .order_by(LeadStatusChange.changed_at)
    ).all()
    assert [tuple(s) for s in steps] == [(None, "new"), ("new", "mql"), ("mql", "accepted")]
    other = session.scalars(select(Lead).where(Lead.external_id == "L2")).one()
    assert other.status == "new"


def test_missing_required_column_changes_nothing(session: Session, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "accounts.csv", ["external_id", "industry"], [["A1", "Retail"]])
    with pytest.raises(
        ImportFileError, match=r"accounts.csv, line 1: required column missing.*name"
    ):
        import_file(session, entity="accounts", path=path)
    assert session.scalar(select(func.count()).select_from(Account)) == 0
    assert session.scalar(select(func.count()).select_from(ImportRun)) == 0


def test_a_file_broken_half_way_leaves_the_database_as_it_was(
    engine: Engine, tmp_path: Path
) -> None:
    lines = "external_id,name\n" + "".join(f"A{i},Account {i}\n" for i in range(12000))
    path = tmp_path / "accounts.csv"
    path.write_bytes(lines.encode() + b"A-bad,Caf\xe9\n")
    with pytest.raises(ImportFileError, match=r"line 12002"), unit_of_work(engine) as session:
        import_file(session, entity="accounts", path=path)
    with unit_of_work(engine) as session:
        assert session.scalar(select(func.count()).select_from(Account)) == 0


def test_yaml_mapping_with_value_maps_and_formats(
    session: Session, org: None, tmp_path: Path
) -> None:
    source = write_csv(
        tmp_path / "legacy.csv",
        ["Deal", "Title", "Phase", "Value (EUR)", "Opened", "Rep"],
        [
            ["D-1", "Big one", "Won it", "1.234,50", "31/01/2024", "boss@x.com"],
            ["D-2", "Small", "Talking", "99", "01/02/2024", "rep@x.com"],
        ],
    )
    mapping = tmp_path / "legacy.yaml"
    mapping.write_text(
        "entity: opportunities\nsource: legacy\nlocale: de_DE\ndayfirst: true\n"
        "columns:\n  Deal: external_id\n  Title: name\n"
        "  Phase:\n    field: stage\n    values: {Won it: Closed Won, Talking: Discovery}\n"
        "  Value (EUR): amount\n  Opened:\n    field: opened_on\n    format: '%d/%m/%Y'\n  Rep: owner\n"
        "defaults:\n  currency: EUR\n  closed_on: '2024-02-15'\n",
        encoding="utf-8",
    )
    report = import_file(session, entity="opportunities", path=source, mapping_file=mapping)
    assert report.rejected == 1  # D-2 is open but the mapping's default gives it a close date
    deal = session.scalars(select(Opportunity).where(Opportunity.external_id == "D-1")).one()
    assert (
        deal.amount_minor,
        deal.currency,
        deal.status,
        str(deal.opened_on),
        deal.external_source,
    ) == (123450, "EUR", "won", "2024-01-31", "legacy")


def test_bad_mapping_file_names_the_key(session: Session, tmp_path: Path) -> None:
    mapping = tmp_path / "bad.yaml"
    mapping.write_text("columns:\n  Deal: external_id\n  Title: titel\n", encoding="utf-8")
    path = write_csv(tmp_path / "x.csv", ["Deal", "Title"], [["1", "x"]])
    with pytest.raises(
        MappingError, match=r"bad.yaml: columns.Title: unknown opportunities field 'titel'"
    ):
        import_file(session, entity="opportunities", path=path, mapping_file=mapping)
