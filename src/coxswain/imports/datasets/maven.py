"""Maven Analytics "CRM Sales Opportunities" (MavenTech) → native bundle.

Mapping decisions (see docs/import.md):

- sales_teams: three regional offices become region teams; each manager gets a team under
  their region and the role ``manager``; every agent is a ``rep`` in their manager's team.
  E-mails are made up as ``first.last@maventech.example`` (the dataset has none).
- accounts: ``revenue`` is in millions of USD; ``office_location`` is the country;
  ``subsidiary_of`` is the parent account. The source's typos are corrected
  (``technolgy`` → technology, ``Philipines`` → Philippines).
- products: list prices in USD. The pipeline writes ``GTXPro`` for the product ``GTX Pro``.
- sales_pipeline: a pipeline "MavenTech" with stages Prospecting → Engaging → Won / Lost.
  Won deals are worth their ``close_value``. Open deals leave it blank and lost deals hold 0,
  so both are priced at the product's list price (the deal's size, not revenue).
  ``engage_date`` is when the deal was opened and engaged; ``close_date`` when it closed.
  Stage history: entered Engaging on ``engage_date`` (at the list price, what was known
  then), then Won/Lost on ``close_date`` (at the deal's final amount); Prospecting deals have
  no dated history (the dataset gives no date for them).
  Each deal has one line item: its product, quantity 1, at the deal's amount.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

from coxswain.imports.datasets.common import NativeWriter, read_rows, slug

SOURCE = "maven"
PIPELINE = "MavenTech"
STAGES = (
    ("Prospecting", 1, 10, "open", "pipeline"),
    ("Engaging", 2, 50, "open", "best_case"),
    ("Won", 3, 100, "won", "closed"),
    ("Lost", 4, 0, "lost", "omitted"),
)
PRODUCT_ALIASES = {"GTXPro": "GTX Pro"}
TYPO_FIXES = {"technolgy": "technology", "Philipines": "Philippines"}


def convert(source: Path, out: Path) -> None:
    _stages(out)
    _org(source / "sales_teams.csv", out)
    prices = _products(source / "products.csv", out)
    _accounts(source / "accounts.csv", out)
    _pipeline(source / "sales_pipeline.csv", out, prices)


def _stages(out: Path) -> None:
    writer = NativeWriter(out, "stages")
    for name, position, probability, category, forecast in STAGES:
        writer.write(
            {
                "pipeline": PIPELINE,
                "name": name,
                "position": position,
                "probability": probability,
                "category": category,
                "forecast_category": forecast,
            }
        )
    writer.close()


def _org(path: Path, out: Path) -> None:
    rows = list(read_rows(path, ("sales_agent", "manager", "regional_office")))
    teams, users = NativeWriter(out, "teams"), NativeWriter(out, "users")
    regions = sorted({r["regional_office"] for _, r in rows})
    managers = sorted({(r["manager"], r["regional_office"]) for _, r in rows})
    for region in regions:
        teams.write({"external_id": f"region:{region}", "name": region, "region": region})
    for manager, region in managers:
        teams.write(
            {
                "external_id": f"team:{manager}",
                "name": f"{manager}'s team",
                "parent": f"region:{region}",
                "region": region,
            }
        )
        users.write(
            {
                "external_id": manager,
                "email": f"{slug(manager)}@maventech.example",
                "full_name": manager,
                "title": "Sales Manager",
                "role": "manager",
                "team": f"region:{region}",
                "manages": f"team:{manager}",
                "region": region,
            }
        )
    for _, row in rows:
        agent = row["sales_agent"]
        users.write(
            {
                "external_id": agent,
                "email": f"{slug(agent)}@maventech.example",
                "full_name": agent,
                "title": "Sales Agent",
                "role": "rep",
                "manager": row["manager"],
                "team": f"team:{row['manager']}",
                "region": row["regional_office"],
            }
        )
    teams.close()
    users.close()


def _products(path: Path, out: Path) -> dict[str, Decimal]:
    writer = NativeWriter(out, "products")
    prices: dict[str, Decimal] = {}
    for line, row in read_rows(path, ("product", "series", "sales_price")):
        writer.write(
            {
                "external_id": row["product"],
                "name": row["product"],
                "family": row["series"],
                "list_price": row["sales_price"],
                "currency": "USD",
            },
            line,
        )
        if row["sales_price"]:
            prices[row["product"]] = Decimal(row["sales_price"])
    writer.close()
    return prices


def _accounts(path: Path, out: Path) -> None:
    writer = NativeWriter(out, "accounts")
    columns = (
        "account",
        "sector",
        "year_established",
        "revenue",
        "employees",
        "office_location",
        "subsidiary_of",
    )
    for line, row in read_rows(path, columns):
        revenue = row["revenue"]
        writer.write(
            {
                "external_id": row["account"],
                "name": row["account"],
                "industry": TYPO_FIXES.get(row["sector"], row["sector"]),
                "year_established": row["year_established"],
                "employees": row["employees"],
                "annual_revenue": str(Decimal(revenue) * 1_000_000) if revenue else "",
                "annual_revenue_currency": "USD",
                "country": TYPO_FIXES.get(row["office_location"], row["office_location"]),
                "parent": row["subsidiary_of"],
            },
            line,
        )
    writer.close()


def _pipeline(path: Path, out: Path, prices: dict[str, Decimal]) -> None:
    columns = (
        "opportunity_id",
        "sales_agent",
        "product",
        "account",
        "deal_stage",
        "engage_date",
        "close_date",
        "close_value",
    )
    deals, items = NativeWriter(out, "opportunities"), NativeWriter(out, "line_items")
    changes = NativeWriter(out, "stage_changes")
    for line, row in read_rows(path, columns):
        product = PRODUCT_ALIASES.get(row["product"], row["product"])
        stage = row["deal_stage"]
        amount = row["close_value"] if stage == "Won" else str(prices.get(product, ""))
        deal_id = row["opportunity_id"]
        deals.write(
            {
                "external_id": deal_id,
                "name": f"{product} — {row['account'] or 'no account'}",
                "account": row["account"],
                "owner": row["sales_agent"],
                "pipeline": PIPELINE,
                "stage": stage,
                "amount": amount,
                "currency": "USD",
                "type": "new_business",
                "opened_on": row["engage_date"],
                "engaged_on": row["engage_date"],
                "closed_on": row["close_date"],
            },
            line,
        )
        items.write(
            {
                "external_id": f"{deal_id}:1",
                "opportunity": deal_id,
                "product": product,
                "quantity": "1",
                "unit_price": amount,
                "currency": "USD",
            },
            line,
        )
        if row["engage_date"]:
            changes.write(
                {
                    "opportunity": deal_id,
                    "to_stage": "Engaging",
                    "changed_at": f"{row['engage_date']}T00:00:00Z",
                    "changed_by": row["sales_agent"],
                    # What was known on entering Engaging: the list price, not the final value.
                    "amount": str(prices.get(product, "")),
                }
            )
        if row["close_date"] and stage in ("Won", "Lost"):
            changes.write(
                {
                    "opportunity": deal_id,
                    "from_stage": "Engaging",
                    "to_stage": stage,
                    "changed_at": f"{row['close_date']}T00:00:00Z",
                    "changed_by": row["sales_agent"],
                    "amount": amount,
                }
            )
    for writer in (deals, items, changes):
        writer.close()
