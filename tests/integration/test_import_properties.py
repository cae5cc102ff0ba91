"""Property: malformed rows never crash the importer and never cost a good row."""

from __future__ import annotations

import csv
import io
import tempfile
from decimal import Decimal
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select
from sqlalchemy.orm import Session

from coxswain.db.models import Opportunity
from coxswain.imports.service import import_file

HEADER = ["external_id", "name", "stage", "amount", "currency", "opened_on", "closed_on"]
OPEN_STAGES = ["Prospecting", "Qualification", "Discovery", "Proposal", "Negotiation"]
junk_text = st.text(
    alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"), max_size=30
)


@st.composite
def good_row(draw: st.DrawFn, index: int) -> tuple[list[str], int]:
    cents = draw(st.integers(min_value=0, max_value=10**11))
    stage = draw(st.sampled_from([*OPEN_STAGES, "Closed Won", "Closed Lost"]))
    closed = "2024-05-01" if stage.startswith("Closed") else ""
    name = draw(junk_text.filter(lambda s: s.strip() != ""))[:300]
    row = [f"G{index}", name, stage, str(Decimal(cents) / 100), "USD", "2024-01-15", closed]
    return row, cents


@st.composite
def bad_row(draw: st.DrawFn, index: int) -> list[str]:
    kind = draw(
        st.sampled_from(["stage", "amount", "date", "width", "empty_name", "currency", "junk"])
    )
    row = [f"B{index}", "bad", "Proposal", "10", "USD", "2024-01-15", ""]
    if kind == "stage":
        row[2] = "zz" + draw(junk_text)
    elif kind == "amount":
        row[3] = draw(st.sampled_from(["ten", "--", "1e", "$", "12..5", "-5"]))
    elif kind == "date":
        row[5] = draw(st.sampled_from(["2024-13-45", "yesterday-ish", "31/31/31", "0000-00-00"]))
    elif kind == "width":
        row = [
            *row,
            *draw(st.lists(junk_text.filter(lambda s: s.strip() != ""), min_size=1, max_size=3)),
        ]
    elif kind == "empty_name":
        row[1] = "   "
    elif kind == "currency":
        row[4] = draw(st.sampled_from(["US$", "DOLLARS", "XYZ", "12"]))
    else:
        row = [f"B{index}", *draw(st.lists(junk_text, min_size=0, max_size=3))]
        row += ["zz-not-a-stage"] if len(row) < 3 else []
        if len(row) >= 3:
            row[2] = "zz-not-a-stage"
    return row


@st.composite
def files(draw: st.DrawFn) -> tuple[list[list[str]], dict[str, int]]:
    kinds = draw(st.lists(st.booleans(), min_size=1, max_size=40))
    rows: list[list[str]] = []
    good: dict[str, int] = {}
    for index, is_good in enumerate(kinds):
        if is_good:
            row, cents = draw(good_row(index))
            good[row[0]] = cents
            rows.append(row)
        else:
            rows.append(draw(bad_row(index)))
    return rows, good


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(sample=files())
def test_bad_rows_never_cost_a_good_row(
    session: Session, sample: tuple[list[list[str]], dict[str, int]]
) -> None:
    rows, good = sample
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(HEADER)
    writer.writerows(rows)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "opps.csv"
        path.write_text(buffer.getvalue(), encoding="utf-8")
        savepoint = session.begin_nested()
        try:
            report = import_file(
                session, entity="opportunities", path=path, rejects_path=Path(folder) / "r.csv"
            )
            stored = dict(
                session.execute(
                    select(Opportunity.external_id, Opportunity.amount_minor).where(
                        Opportunity.external_id.in_(list(good) or ["-"])
                    )
                ).all()
            )
        finally:
            savepoint.rollback()
    assert stored == good
    assert report.inserted == len(good)
    assert report.rejected == len(rows) - len(good)
    assert report.rows_read == len(rows)
