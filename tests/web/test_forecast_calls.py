"""Forecast calls on the forecast page, in a real browser: a rep submits a call and sees it in
the roll-up, a manager adjusts a call of their team, finance gets no form, and the method
comparison (6-month backtest) arrives as a fragment after the page has drawn.

Each test gets a fresh server and database with the test org (``tests/api/org.py``)::

    Region (director) ── Team A (manager_a): rep_a1, rep_a2, manager_a
                      └─ Team B (manager_b): rep_b1, manager_b

Amounts are typed by the test; the expected roll-up sums are added up by hand below. A rep's
roll-up lists Team A (or B) and Region, counting only their own call; a manager's counts the
calls of their subtree.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from typing import Any

import pytest

from coxswain.db.engine import make_engine
from tests.api.org import build_org
from tests.web.conftest import SCREENSHOTS, LiveServer
from tests.web.test_leads_routing import login

pytestmark = pytest.mark.slow
PAGE = "/forecast?period_kind=quarter"


@pytest.fixture
def server(
    template_databases: dict[str, str], tmp_path_factory: pytest.TempPathFactory
) -> Iterator[LiveServer]:
    folder = tmp_path_factory.mktemp("web-calls")
    database = folder / "web.db"
    shutil.copyfile(template_databases["sqlite"], database)
    engine = make_engine(f"sqlite:///{database}")
    org = build_org(engine)
    with LiveServer(engine, org, folder / "uploads") as live:
        yield live
    engine.dispose()


def _period(page: Any) -> str:
    """The period the page forecasts (``Forecast: 2026-Q4``)."""
    return str(page.get_by_role("heading", level=1).inner_text()).removeprefix("Forecast: ")


def _rollup(page: Any, team: str) -> tuple[str, str, str]:
    """Called commit, called best case and number of calls of ``team`` in the roll-up."""
    row = page.locator(f'#forecast-calls tr[data-team="{team}"]')
    return (
        row.locator(".called-commit").inner_text(),
        row.locator(".called-best-case").inner_text(),
        row.locator(".calls").inner_text(),
    )


def _call(page: Any, commit: str, best_case: str = "", note: str = "") -> None:
    form = page.get_by_role("form", name="Your call")
    form.get_by_label("Commit").fill(commit)
    form.get_by_label("Best case").fill(best_case)
    form.get_by_label("Note").fill(note)
    form.get_by_role("button", name="Submit call").click()


def test_a_rep_submits_a_call_and_sees_it_in_the_roll_up(browser: Any, server: LiveServer) -> None:
    page = login(browser, server, "rep_a1", PAGE)
    period = _period(page)
    assert page.get_by_text(f"You have not called {period} yet.").is_visible()
    assert _rollup(page, "Team A") == ("$0", "$0", "0")

    _call(page, "lots", "4000")
    assert page.get_by_role("alert").inner_text() == (
        "Commit: expected an amount such as 12000 or 12,000.50; got 'lots'"
    )
    assert _rollup(page, "Team A") == ("$0", "$0", "0")  # nothing was recorded

    _call(page, "12,500", "4000", "two renewals")
    page.wait_for_selector(f"text=Call for your deals for {period} submitted.")
    assert page.locator(".my-calls li").inner_text() == (
        "Your call: commit $12,500, best case $4,000"
    )
    # Only rep_a1's call counts in Team A and in Region above it.
    assert _rollup(page, "Team A") == ("$12,500", "$4,000", "1")
    assert _rollup(page, "Region") == ("$12,500", "$4,000", "1")
    page.screenshot(path=str(SCREENSHOTS / "forecast-call-rep.png"), full_page=True)

    _call(page, "15000", "2,750")  # a new call replaces the last one
    page.wait_for_selector("text=Your call: commit $15,000")
    assert _rollup(page, "Team A") == ("$15,000", "$2,750", "1")

    page.goto(server.url + PAGE)  # stored, not just drawn
    assert _rollup(page, "Region") == ("$15,000", "$2,750", "1")
    page.close()


def test_a_manager_adjusts_a_call_of_their_team_only(browser: Any, server: LiveServer) -> None:
    for rep, commit, best in (("rep_a1", "12000", "3000"), ("rep_a2", "8000", "2000")):
        page = login(browser, server, rep, PAGE)
        _call(page, commit, best)
        page.wait_for_selector("text=submitted.")
        page.close()

    page = login(browser, server, "manager_a", PAGE)
    period = _period(page)
    # Team A: 12,000 + 8,000 = 20,000 commit; 3,000 + 2,000 = 5,000 best case; 2 calls.
    assert _rollup(page, "Team A") == ("$20,000", "$5,000", "2")
    people = page.locator("table.team-calls tbody tr td:first-child").all_inner_texts()
    assert people == ["Rep A1", "Rep A2"]

    form = page.get_by_role("form", name="Adjust a call")
    form.get_by_label("Person").select_option(label="Rep A2")
    form.get_by_label("Commit").fill("5000")
    form.get_by_label("Best case").fill("1000")
    form.get_by_label("Reason").fill("slipped to next quarter")
    form.get_by_role("button", name="Adjust call").click()
    page.wait_for_selector(f"text=Call of Rep A2 for {period} adjusted.")
    # Team A: 12,000 + 5,000 = 17,000 commit; 3,000 + 1,000 = 4,000 best case; still 2 calls.
    assert _rollup(page, "Team A") == ("$17,000", "$4,000", "2")
    assert _rollup(page, "Region") == ("$17,000", "$4,000", "2")
    adjusted = page.locator(f'table.team-calls tr[data-user="{server.org.users["rep_a2"]}"]')
    assert adjusted.locator("td").all_inner_texts() == ["Rep A2", "$5,000", "$1,000", "yes"]
    page.screenshot(path=str(SCREENSHOTS / "forecast-call-manager.png"), full_page=True)
    page.close()

    page = login(browser, server, "rep_a2", PAGE)
    assert page.locator(".my-calls li").inner_text() == (
        "Your call: commit $5,000, best case $1,000 adjusted by your manager"
    )
    page.close()

    # manager_b manages Team B only: no call there to adjust, and a forged adjustment of
    # rep_a1 is refused by the forecasting service with its one-line message.
    page = login(browser, server, "manager_b", PAGE)
    assert page.get_by_text(f"Nobody in your teams has called {period} yet.").is_visible()
    assert page.get_by_role("form", name="Adjust a call").count() == 0
    answer = page.request.post(
        server.url + "/forecast/calls/adjust?period_kind=quarter",
        form={"period": period, "user_id": str(server.org.users["rep_a1"]), "commit": "1"},
        headers={"X-CSRF-Token": page.locator("body").get_attribute("data-csrf"),
                 "HX-Request": "true"},
    )  # fmt: skip
    assert answer.status == 200
    assert (
        "manager_b@example.com does not manage rep_a1@example.com: only their managers can "
        "adjust the call"
    ) in answer.text()
    page.close()

    page = login(browser, server, "manager_a", PAGE)
    assert _rollup(page, "Team A") == ("$17,000", "$4,000", "2")  # unchanged by manager_b
    page.close()


def test_finance_sees_the_roll_up_but_no_call_form(browser: Any, server: LiveServer) -> None:
    page = login(browser, server, "finance", PAGE)
    assert page.locator("#forecast-calls tr[data-team]").count() == 3  # Region, Team A, Team B
    assert page.get_by_text("Your role is read-only").is_visible()
    assert page.locator("#forecast-calls form").count() == 0
    answer = page.request.post(
        server.url + "/forecast/calls",
        form={"period": _period(page), "commit": "1000"},
        headers={"X-CSRF-Token": page.locator("body").get_attribute("data-csrf")},
    )
    assert answer.status == 403
    page.close()
    page = login(browser, server, "admin", PAGE)
    assert _rollup(page, "Region") == ("$0", "$0", "0")  # finance's attempt left no call
    page.close()


def test_the_backtest_arrives_as_a_fragment_after_the_page(
    browser: Any, server: LiveServer
) -> None:
    page = login(browser, server, "admin", PAGE)
    # The page as served: the placeholder, asking for the fragment once drawn.
    html = page.request.get(server.url + PAGE).text()
    assert 'id="method-comparison"' in html
    assert 'hx-trigger="load"' in html
    assert 'hx-get="/forecast/backtest?period_kind=quarter&amp;method=ensemble"' in html
    assert "Computing the 6-month backtest…" in html
    # In the browser the fragment replaces it: the org's four open deals of 2026-10-01 have
    # no complete month of history before them, so the backtest says why there is none.
    page.wait_for_selector("#method-comparison .backtest-note")
    panel = page.locator("#method-comparison")
    assert panel.get_attribute("aria-busy") is None
    assert panel.locator(".computing").count() == 0
    assert panel.locator(".backtest-note").inner_text().startswith("No backtest: ")
    assert panel.locator("tbody tr").count() >= 5  # every method's forecast is listed
    fragment = page.request.get(server.url + "/forecast/backtest?period_kind=quarter")
    assert fragment.status == 200
    assert "<html" not in fragment.text()
    page.close()
