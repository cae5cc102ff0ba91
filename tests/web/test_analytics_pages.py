"""The analytics and forecast pages in a real browser: KPI cards, funnel and forecast charts
drawn, per role, with the figures of the analytics and forecasting services."""

from __future__ import annotations

from typing import Any

import pytest

from tests.web.conftest import SCREENSHOTS, LiveServer
from tests.web.test_browser import login

pytestmark = pytest.mark.slow


def _drawn(page: Any, selector: str) -> None:
    page.wait_for_selector(f"{selector} canvas")
    box = page.locator(f"{selector} canvas").first.bounding_box()
    assert box is not None, selector
    assert box["width"] > 100, selector
    assert box["height"] > 100, selector


@pytest.mark.parametrize("who", ["admin", "rep_a1"])
def test_dashboard_cards_show_the_analytics_kpis(
    browser: Any, live_server: LiveServer, who: str
) -> None:
    # The test org: four open deals of 10,000 USD opened 2026-10-01 (one per rep and
    # manager_a's own); nothing closed. The default period ends on the data's as-of date.
    page = login(browser, live_server, who)
    page.wait_for_selector(".sparkline canvas")
    cards = {
        page.locator(".kpi h2").nth(i).text_content(): page.locator(".kpi .value")
        .nth(i)
        .inner_text()
        for i in range(page.locator(".kpi").count())
    }
    assert cards["Deals won"] == "0"
    assert cards["Pipeline created"] == ("$40.0k" if who == "admin" else "$10.0k")
    assert cards["Win rate"] == "—"
    page.close()


def test_funnel_page_draws_the_funnel(browser: Any, live_server: LiveServer) -> None:
    page = login(browser, live_server, "manager_a")
    page.goto(live_server.url + "/reports/funnel")
    _drawn(page, "#chart-funnel")
    assert page.get_by_role("heading", level=1).inner_text().startswith("Funnel: ")
    rows = page.locator("table tbody tr")
    assert rows.first.locator("td").first.inner_text() == "Prospecting"
    # manager_a sees their own deal and their two reps': three deals reached Prospecting.
    assert rows.first.locator("td").nth(1).inner_text() == "3"
    page.screenshot(path=str(SCREENSHOTS / "funnel-manager.png"), full_page=True)
    page.close()


def test_bottlenecks_page_renders_for_a_rep(browser: Any, live_server: LiveServer) -> None:
    page = login(browser, live_server, "rep_b1")
    response = page.goto(live_server.url + "/reports/bottlenecks")
    assert response is not None
    assert response.status == 200
    assert page.get_by_role("heading", name="Bottlenecks").is_visible()
    page.close()


@pytest.mark.parametrize(("who", "pipeline"), [("admin", "$40,000"), ("rep_a2", "$10,000")])
def test_forecast_page_draws_the_range_and_roll_up(
    browser: Any, live_server: LiveServer, who: str, pipeline: str
) -> None:
    page = login(browser, live_server, who)
    page.goto(live_server.url + "/forecast?period_kind=quarter")
    page.screenshot(path=str(SCREENSHOTS / f"forecast-{who}.png"), full_page=True)
    _drawn(page, "#chart-forecast")
    _drawn(page, "#chart-categories")
    assert page.get_by_role("heading", name="Method comparison").is_visible()
    rows = page.locator("table").nth(0).locator("tbody tr")
    last = rows.filter(has_text="Pipeline").first
    assert last.locator("td").nth(3).inner_text() == pipeline
    page.screenshot(path=str(SCREENSHOTS / f"forecast-{who}.png"), full_page=True)
    page.close()
