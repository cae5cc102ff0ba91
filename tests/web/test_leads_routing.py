"""The leads queue's SLA timers, the routing rules editor (validate, simulate, publish, route)
and an import with a YAML mapping, in a real browser on a server whose clock is fixed at
Monday 2026-11-23 13:00 UTC (the org's leads arrived Friday 12:00; see
tests/api/test_routing_sla.py for the business-hours arithmetic: accept 1 h over its 8 h,
first touch 15 h left of its 24 h)."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from coxswain.core.clock import FixedClock
from coxswain.db.engine import make_engine
from tests.api.org import PASSWORD, build_org
from tests.api.test_import_mapping import LEGACY_CSV, MAPPING
from tests.api.test_routing_sla import MONDAY, RULES
from tests.web.conftest import SCREENSHOTS, LiveServer

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def server(
    template_databases: dict[str, str], tmp_path_factory: pytest.TempPathFactory
) -> Iterator[LiveServer]:
    folder = tmp_path_factory.mktemp("web-sla")
    database = folder / "web.db"
    shutil.copyfile(template_databases["sqlite"], database)
    engine = make_engine(f"sqlite:///{database}")
    org = build_org(engine)
    with LiveServer(engine, org, folder / "uploads", clock=FixedClock(MONDAY)) as live:
        yield live
    engine.dispose()


def login(browser: Any, server: LiveServer, who: str, path: str) -> Any:
    page = browser.new_page(viewport={"width": 1440, "height": 900})
    page.goto(server.url + path)
    page.get_by_label("E-mail").fill(f"{who}@example.com")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(server.url + path)
    return page


def test_the_queue_shows_business_hours_timers_and_actions_stop_them(
    browser: Any, server: LiveServer
) -> None:
    page = login(browser, server, "rep_a1", "/leads")
    row = page.locator(f'tr[data-lead="{server.org.leads["rep_a1"]}"]')
    assert row.locator(".accept-timer").inner_text() == "breached, 1 h 00 m over"
    assert row.locator(".touch-timer").inner_text() == "15 h 00 m left"
    assert row.get_attribute("data-breach") == "breached"
    assert page.locator("tbody tr[data-lead]").count() == 1  # a rep sees their own lead only
    page.screenshot(path=str(SCREENSHOTS / "leads-sla.png"), full_page=True)
    row.get_by_role("button", name="Accept").click()
    page.wait_for_selector(".alert.success")
    row = page.locator(f'tr[data-lead="{server.org.leads["rep_a1"]}"]')
    assert row.locator(".accept-timer").inner_text() == "met late"
    row.get_by_role("button", name="First touch").click()
    page.wait_for_selector(".alert.success >> text=First touch")
    assert page.locator("tbody tr[data-lead]").count() == 0  # touched: no longer waiting
    page.goto(server.url + "/leads?show=open&breach=done")
    row = page.locator(f'tr[data-lead="{server.org.leads["rep_a1"]}"]')
    assert row.locator(".touch-timer").inner_text() == "met"
    page.close()


def test_a_manager_filters_the_queue_by_breach_state_and_owner(
    browser: Any, server: LiveServer
) -> None:
    page = login(browser, server, "ops", "/leads?breach=due")
    rows = page.locator("tbody tr[data-lead]")
    assert rows.count() == 1
    assert rows.first.get_attribute("data-lead") == str(server.org.leads["unassigned"])
    assert rows.first.locator(".accept-timer").inner_text() == "not started"
    page.locator("select[name=breach]").select_option("breached")
    page.locator("select[name=owner_id]").select_option(label="Rep B1")
    page.get_by_role("button", name="Apply").click()
    page.wait_for_url("**/leads?*owner_id=*")
    assert [r.get_attribute("data-lead") for r in page.locator("tbody tr[data-lead]").all()] == [
        str(server.org.leads["rep_b1"])
    ]
    page.close()


def test_edit_simulate_and_publish_a_rule_set_then_route_a_lead(
    browser: Any, server: LiveServer
) -> None:
    page = login(browser, server, "ops", "/routing")
    editor = page.get_by_label("Rules (YAML)")
    editor.fill(RULES.replace("method: round_robin", "method: round_robin\n    weigth: 2"))
    page.get_by_role("button", name="Validate").click()
    error = page.locator("#rules-error").inner_text()
    assert error.startswith("Line 8: ")
    assert "unknown key 'weigth' (did you mean 'weight'?)" in error
    page.get_by_label("Rules (YAML)").fill(RULES)
    page.get_by_label("Simulate on the leads received in the last (days)").fill("30")
    page.get_by_role("button", name="Simulate").click()
    cells = [
        [cell.inner_text() for cell in row.locator("td").all()[:4]]
        for row in page.locator("#simulation-reps tbody tr").all()
    ]
    assert [[c.split()[0], *rest] for c, *rest in cells] == [
        ["Rep", "0", "3", "+3"],
        ["Rep", "0", "2", "+2"],
    ]
    assert "rep_a1@example.com" in cells[0][0]
    assert "rep_a2@example.com" in cells[1][0]
    page.screenshot(path=str(SCREENSHOTS / "routing-simulation.png"), full_page=True)
    page.get_by_role("button", name="Publish").click()
    assert "Published version 1 (Team A first)" in page.get_by_role("status").inner_text()
    assert page.get_by_role("link", name="v1").is_visible()
    page.get_by_role("button", name="Route Queue Lead").click()
    page.wait_for_url(f"**/leads/{server.org.leads['unassigned']}?*")
    routing = page.locator("section[aria-labelledby=routing-heading]").inner_text()
    assert "Assigned to rep_a1@example.com by rule Everyone, pool Team A" in routing
    page.screenshot(path=str(SCREENSHOTS / "lead-routed.png"), full_page=True)
    page.close()


def test_a_rep_sees_the_rules_but_no_editor(browser: Any, server: LiveServer) -> None:
    page = login(browser, server, "rep_a2", "/routing")
    assert page.get_by_label("Rules (YAML)").count() == 0
    assert page.get_by_role("heading", name="Versions").is_visible()
    page.close()


def test_import_with_a_yaml_mapping_and_download_its_rejects(
    browser: Any, server: LiveServer, tmp_path: Path
) -> None:
    data = tmp_path / "legacy.csv"
    data.write_text(LEGACY_CSV)
    mapping = tmp_path / "my.yaml"
    mapping.write_text(MAPPING)
    page = login(browser, server, "admin", "/imports")
    page.get_by_label("What the file holds").select_option("accounts")
    page.get_by_label("Your mapping file").set_input_files(str(mapping))
    page.get_by_label("File", exact=True).set_input_files(str(data))
    page.get_by_role("button", name="Upload and import").click()
    page.wait_for_selector(".status-finished", timeout=20_000)
    assert "mapping file my.yaml" in page.locator("header").inner_text()
    assert page.locator("progress").get_attribute("value") == "100.0"
    with page.expect_download() as download:
        page.get_by_role("link", name="Download rejected rows (CSV)").click()
    rejects = download.value.path().read_text()
    assert "Legacy Two" in rejects
    assert "Legacy One" not in rejects
    page.screenshot(path=str(SCREENSHOTS / "import-mapping.png"))
    page.close()


def test_an_unreadable_file_shows_one_line(
    browser: Any, server: LiveServer, tmp_path: Path
) -> None:
    upload = tmp_path / "photo.csv"
    upload.write_bytes(bytes(range(256)) * 8)
    page = login(browser, server, "ops", "/imports")
    page.get_by_label("What the file holds").select_option("accounts")
    page.get_by_label("File", exact=True).set_input_files(str(upload))
    page.get_by_role("button", name="Upload and import").click()
    message = page.locator("#import-error").inner_text()
    assert message == "photo.csv: a binary file, not a text table (CSV, XLSX or Parquet)"
    page.close()
