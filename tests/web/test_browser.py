"""The web app in a real browser: log in per role, charts drawn, board moves, imports, denials."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from coxswain.opportunities.models import Opportunity, OpportunityStageChange
from tests.api.org import PASSWORD
from tests.web.conftest import SCREENSHOTS, LiveServer

pytestmark = pytest.mark.slow


def login(browser: Any, server: LiveServer, who: str) -> Any:
    page = browser.new_page(viewport={"width": 1440, "height": 900})
    page.goto(server.url + "/")
    assert "/login" in page.url
    page.get_by_label("E-mail").fill(f"{who}@example.com")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(server.url + "/")
    return page


@pytest.mark.parametrize("who", ["admin", "manager_a", "rep_a1", "finance"])
def test_each_role_sees_the_dashboard_with_its_charts_drawn(
    browser: Any, live_server: LiveServer, who: str
) -> None:
    page = login(browser, live_server, who)
    page.wait_for_selector("#chart-won-lost canvas")
    for chart in ("#chart-won-lost", "#chart-created", "#chart-reps"):
        box = page.locator(f"{chart} canvas").first.bounding_box()
        assert box is not None, chart
        assert box["width"] > 100, chart
        assert box["height"] > 100, chart
    assert page.locator(".kpi").count() == 8
    assert page.locator(".sparkline canvas").count() == 8
    assert page.get_by_role("navigation", name="Main").is_visible()
    admin_links = page.get_by_role("link", name="Users").count()
    assert admin_links == (1 if who == "admin" else 0)
    page.screenshot(path=str(SCREENSHOTS / f"dashboard-{who}.png"), full_page=True)
    page.close()


def test_wrong_password_stays_on_login(browser: Any, live_server: LiveServer) -> None:
    page = browser.new_page()
    page.goto(live_server.url + "/login")
    page.get_by_label("E-mail").fill("rep_b1@example.com")
    page.get_by_label("Password").fill("not-the-password")
    page.get_by_role("button", name="Log in").click()
    assert page.get_by_role("alert").inner_text() == "Wrong e-mail or password."
    page.screenshot(path=str(SCREENSHOTS / "login-failed.png"))
    page.close()


def test_moving_a_deal_on_the_board_writes_a_stage_change(
    browser: Any, live_server: LiveServer
) -> None:
    page = login(browser, live_server, "rep_a1")
    page.goto(live_server.url + "/board")
    deal_id = live_server.org.deals["rep_a1"]
    card = page.locator(f'.card[data-id="{deal_id}"]')
    target = page.locator(".column", has=page.get_by_role("heading", name="Discovery"))
    card.drag_to(target)
    page.wait_for_selector(".alert.success")
    assert "Discovery" in page.locator(".alert.success").inner_text()
    assert target.locator(f'.card[data-id="{deal_id}"]').count() == 1
    page.screenshot(path=str(SCREENSHOTS / "board-after-move.png"))
    with live_server.engine.connect() as connection:
        moves = connection.execute(
            select(OpportunityStageChange.to_stage_id, OpportunityStageChange.changed_by_id).where(
                OpportunityStageChange.opportunity_id == deal_id
            )
        ).all()
        version = connection.scalar(select(Opportunity.version).where(Opportunity.id == deal_id))
    assert moves == [(live_server.org.stages["Discovery"], live_server.org.users["rep_a1"])]
    assert version == 2
    page.close()


def test_keyboard_move_menu_on_the_board(browser: Any, live_server: LiveServer) -> None:
    page = login(browser, live_server, "rep_a2")
    page.goto(live_server.url + "/board")
    deal_id = live_server.org.deals["rep_a2"]
    page.locator(f"#move-{deal_id}").focus()
    page.select_option(f"#move-{deal_id}", label="Negotiation")
    page.locator(f'.card[data-id="{deal_id}"] button', has_text="Move").click()
    page.wait_for_selector(".alert.success")
    column = page.locator(".column", has=page.get_by_role("heading", name="Negotiation"))
    assert column.locator(f'.card[data-id="{deal_id}"]').count() == 1
    page.close()


def test_a_rep_is_denied_another_reps_deal(browser: Any, live_server: LiveServer) -> None:
    page = login(browser, live_server, "rep_b1")
    response = page.goto(live_server.url + f"/opportunities/{live_server.org.deals['rep_a1']}")
    assert response is not None
    assert response.status == 404
    assert page.get_by_role("heading", name="Not found").is_visible()
    page.screenshot(path=str(SCREENSHOTS / "rep-denied.png"))
    own = page.goto(live_server.url + f"/opportunities/{live_server.org.deals['rep_b1']}")
    assert own is not None
    assert own.status == 200
    assert page.get_by_role("heading", name="Audit trail").is_visible()
    listed = page.goto(live_server.url + "/opportunities")
    assert listed is not None
    assert listed.status == 200
    assert page.locator("table.list tbody tr").count() == 1
    page.close()


def test_importing_a_file_shows_progress_and_rejects(
    browser: Any, live_server: LiveServer, tmp_path: Any
) -> None:
    upload = tmp_path / "accounts.csv"
    upload.write_text("external_id,name,segment\nW1,Web Import Co,smb\nW2,Broken Co,colossal\n")
    page = login(browser, live_server, "ops")
    page.goto(live_server.url + "/imports")
    page.get_by_label("What the file holds").select_option("accounts")
    page.get_by_label("File", exact=True).set_input_files(str(upload))
    page.get_by_role("button", name="Upload and import").click()
    page.wait_for_selector(".status-finished", timeout=20_000)
    assert page.locator("progress").get_attribute("value") == "100.0"
    with page.expect_download() as download:
        page.get_by_role("link", name="Download rejected rows (CSV)").click()
    assert "Broken Co" in download.value.path().read_text()
    page.screenshot(path=str(SCREENSHOTS / "import-finished.png"))
    page.close()


def test_a_rep_cannot_open_the_import_page(browser: Any, live_server: LiveServer) -> None:
    page = login(browser, live_server, "rep_a1")
    response = page.goto(live_server.url + "/imports")
    assert response is not None
    assert response.status == 403
    page.close()


@pytest.mark.parametrize(
    "path",
    [
        "/reports/funnel",
        "/reports/bottlenecks",
        "/forecast",
        "/leads",
        "/routing",
        "/admin/users",
        "/admin/teams",
        "/admin/pipelines",
        "/opportunities",
    ],
)
def test_admin_pages_render(browser: Any, live_server: LiveServer, path: str) -> None:
    page = login(browser, live_server, "admin")
    response = page.goto(live_server.url + path)
    assert response is not None
    assert response.status == 200
    assert page.locator("h1").count() == 1
    page.screenshot(path=str(SCREENSHOTS / f"page{path.replace('/', '-')}.png"))
    page.close()
